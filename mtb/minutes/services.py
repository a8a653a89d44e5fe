"""Signing the minutes and publishing the board's decisions.

Flow:

1. During the meeting the secretary records draft decisions; the chair may validate
   each one as the board agrees (``mtb.decisions.services.validate``).
2. The secretary closes the meeting (every case decided or deferred).
3. The chair signs the minutes: any remaining draft is validated, minutes version 1
   is rendered, signed (PAdES, with the board's key: ``signing``) and stored, one
   signed letter per decision likewise, the meeting becomes "signed", and the
   decisions are published (submitters notified).
4. A correction validated after signing publishes at once (``listeners``): a new
   letter for that case and a new minutes version; the earlier ones stay
   downloadable, marked superseded.

The documents themselves are built in ``context`` and ``rendering``. Functions here
flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale

from mtb import signals
from mtb.accounts.models import is_signed_in
from mtb.audit import services as audit
from mtb.decisions import queries as decisions
from mtb.decisions.models import Decision
from mtb.decisions.services import RecusedChair, drafts_for_another_chair, recused_item_ids, validate
from mtb.decisions.session import require_meeting_day
from mtb.errors import NotAllowed, ServiceUnavailable
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.meetings.models import ItemOutcome, Meeting, MeetingStatus
from mtb.minutes import signing
from mtb.minutes.models import DecisionLetter, MinutesVersion
from mtb.minutes.notifications import notify_submitter
from mtb.minutes.rendering import create_letter, create_minutes_version, document_locale, document_time
from mtb.transaction import lock_row


class AlreadySigned(NotAllowed):
    """The chair signs minutes that are already signed (a double submit, a second tab)."""


def sign(meeting: Meeting, user, *, notify: bool = True, at: datetime | None = None) -> MinutesVersion:
    """The chair signs: remaining drafts are validated, minutes v1 and the letters are
    rendered, the meeting is signed and its decisions are published.

    ``at`` backdates the signature (demo data, imports); by default it is now.
    Raises NotAllowed when the user is not a chair of the board or the meeting is not closed,
    RecusedChair when a draft left is on a case the chair is recused on (another chair
    validates it first: signing would validate it in the conflicted chair's name),
    ServiceUnavailable (``signing.TimestampUnavailable``) when the time-stamping service does
    not answer: the caller rolls back, nothing is signed (the attempt stays in the trail).
    """
    if not (is_signed_in(user) and user.is_chair(meeting.board_id)):
        raise NotAllowed(_("Only a chair of the board can sign the minutes."))
    # Lock the meeting: a second click waits for the first signature, then finds it signed.
    lock_row(Meeting, meeting)
    db.session.refresh(meeting, ["status"])
    if meeting.is_signed:
        raise AlreadySigned(_("These minutes are already signed. A change is made as a correction of a decision."))
    if not meeting.is_closed:
        raise NotAllowed(_("Close the meeting before signing the minutes (every case decided or deferred)."))
    require_meeting_day(meeting, _(
        "This meeting is scheduled for %(day)s: its minutes are signed on that day or later, so that they "
        "carry the meeting's date."), now=at)
    left = drafts_for_another_chair(meeting, user)
    if left:
        raise RecusedChair(_(
            "You are recused on %(refs)s (conflict of interest), so your signature cannot validate the draft "
            "decision on these cases: another chair of the board validates them first, then you sign the minutes. "
            "An administrator can give a deputy the chair's role.",
            refs=", ".join(d.case.reference for d in left)))
    latest = decisions.latest_by_item(meeting)
    for item in meeting.items:
        decision = latest.get(item.id)
        if item.outcome is ItemOutcome.DISCUSSED and decision is None:
            raise NotAllowed(_("Case %(ref)s is marked discussed but has no decision.", ref=item.case.reference))
        if decision is not None and decision.is_draft:
            validate(decision, user, publish=False)
    signed_at = (at or document_time()).replace(microsecond=0)
    meeting.status = MeetingStatus.SIGNED
    with force_locale(document_locale()):  # printed in the minutes: their language, not the chair's
        reason = _("Signed by the chair")
    try:
        version = create_minutes_version(meeting, user, signed_at, reason)
        recused = recused_item_ids(meeting, user)
        for decision in decisions.validated_of(meeting):
            # A case's letter is not signed in the name of a chair recused on it: the chair who validated it signs.
            signer = decision.validated_by if decision.agenda_item_id in recused else user
            _publish(decision, signed_at, notify=notify, signer=signer)
    except ServiceUnavailable:
        _signature_failed("minutes.sign_failed", meeting, user)
        raise
    audit.record("minutes.sign", meeting, board_id=meeting.board_id, user=user,
                 details={"version": version.number, "pdf_sha256": version.pdf_sha256, "signature": signing.level()})
    db.session.flush()
    return version


def _signature_failed(action: str, meeting: Meeting, user, **details) -> None:
    """A signature an outside service kept from being made, in the trail: kept when the
    request rolls back (``mtb.transaction``), as a refused access or a failed login is."""
    audit.record(action, meeting, board_id=meeting.board_id, user=user, kept=True,
                 details={"reason": "time-stamping service unavailable", "signature": signing.level(), **details})


def _publish(decision: Decision, at: datetime, *, notify: bool, signer) -> DecisionLetter:
    """Publish one decision: its letter, signed by ``signer`` (the chair signing), and the notice."""
    decision.published_at = at
    letter = create_letter(decision, at, signer)
    signals.decision_published.send(decision, at=at)
    if notify:
        notify_submitter(decision)
    return letter


def publish_correction(decision: Decision, user) -> MinutesVersion:
    """A correction validated on a signed meeting: new letter, new minutes version, notification.
    Raises ServiceUnavailable like ``sign``: the caller rolls back, the correction stays a draft."""
    at = document_time()
    with force_locale(document_locale()):
        reason = _("Correction of %(ref)s (decision version %(n)d): %(reason)s", ref=decision.case.reference,
                   n=decision.version, reason=decision.correction_reason or "")
    try:
        _publish(decision, at, notify=True, signer=user)
        version = create_minutes_version(decision.meeting, user, at, reason, correction_of=decision)
    except ServiceUnavailable:
        _signature_failed("minutes.correct_failed", decision.meeting, user, case=decision.case.reference,
                          decision_version=decision.version)
        raise
    audit.record("minutes.correct", decision.meeting, board_id=decision.board_id, user=user,
                 details={"version": version.number, "case": decision.case.reference, "signature": signing.level()})
    return version
