"""The follow-up reminder e-mail: to the referring clinician when a milestone is reached.

Queued by the scheduler's daily job (``remind_due``), once per case and milestone (a dedupe
key), even when two schedulers run it at the same moment. Named by the case's reference only:
no patient identity in e-mails.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import render_template

from mtb.accounts.models import User
from mtb.boards.models import Board
from mtb.db import utcnow
from mtb.extensions import db
from mtb.formatting import local_datetime
from mtb.i18n import gettext as _
from mtb.notifications.models import NotificationKind
from mtb.notifications.services import absolute_url, in_language_of, notify_once
from mtb.outcomes import queries

log = logging.getLogger(__name__)

#: Milestones reached within this many days are e-mailed (older ones are on the home page).
WINDOW_DAYS = 30
KIND = NotificationKind.FOLLOW_UP_DUE


def follow_up_due(board, months: int, due_items, first_version_id: int | None = None) -> tuple[str, str, str]:
    """To the referring clinician: one case's recommendations whose milestone is reached.
    Keyed on the decision's first version (``first_version_id``, default the decision's own):
    a correction validated later does not send the same milestone's reminder again."""
    first = due_items[0]
    subject = _("Follow-up due: %(ref)s, %(months)d months after the board", ref=first.reference, months=months)
    body = render_template(
        "outcomes/emails/follow_up_due.txt", board=board, reference=first.reference, months=months,
        lines=[item.what for item in due_items],
        decided=local_datetime(first.decided_at, board.timezone, "d MMM yyyy"),
        url=absolute_url("outcomes.record", recommendation_id=first.recommendation_id, months=months),
    )
    return subject, body, f"follow-up:{first_version_id or first.decision_id}:{months}"


def remind_due(now: datetime | None = None) -> int:
    """Scheduler job: one e-mail per case and milestone reached in the last ``WINDOW_DAYS``
    days and not yet recorded, to the case's submitter. Returns how many were queued."""
    now = now or utcnow()
    boards = {board.id: board for board in db.session.scalars(sa.select(Board))}
    grouped: dict[tuple[int, int], list] = {}
    for item in queries.due_follow_ups(now, boards=boards.values(), since=now - timedelta(days=WINDOW_DAYS),
                                       limit=10_000):
        grouped.setdefault((item.decision_id, item.months), []).append(item)
    corrected = {items[0].decision_id for items in grouped.values() if items[0].version > 1}
    first_versions = queries.first_versions(corrected)
    people = {user.id: user for user in db.session.scalars(
        sa.select(User).where(User.id.in_({items[0].submitter_id for items in grouped.values()})))}
    queued = 0
    for (decision_id, months), items in grouped.items():
        person = people.get(items[0].submitter_id)
        with in_language_of(person):
            subject, body, key = follow_up_due(boards[items[0].board_id], months, items,
                                               first_versions.get(decision_id))
        queued += int(notify_once(person, KIND, subject, body, key))
    return queued
