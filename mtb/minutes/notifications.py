"""The e-mail a referring clinician gets when the board's decision on their case is published."""

from __future__ import annotations

from mtb.decisions.models import Decision
from mtb.formatting import local_datetime
from mtb.i18n import gettext as _
from mtb.notifications.models import NotificationKind
from mtb.notifications.services import absolute_url, in_language_of, notify


def decision_published(decision: Decision) -> tuple[str, str]:
    """(subject, body). No patient identity in e-mails: the reference and a link that asks for a login."""
    case = decision.case
    meeting = decision.meeting
    when = local_datetime(meeting.starts_at, meeting.board.timezone, "d MMM yyyy")
    if decision.version == 1:
        subject = _("Decision published for case %(ref)s", ref=case.reference)
    else:
        subject = _("Corrected decision published for case %(ref)s", ref=case.reference)
    body = _(
        "The %(board)s board's decision on case %(ref)s (meeting of %(date)s) is published "
        "(version %(n)d).\n\nRead it and download the decision letter: %(url)s",
        board=meeting.board.name, ref=case.reference, date=when, n=decision.version,
        url=absolute_url("decisions.view", decision_id=decision.id),
    )
    return subject, body


def notify_submitter(decision: Decision) -> None:
    with in_language_of(decision.case.submitter):
        subject, body = decision_published(decision)
    notify(decision.case.submitter, NotificationKind.DECISION_PUBLISHED, subject, body,
           dedupe_key=f"decision-published:{decision.id}")
