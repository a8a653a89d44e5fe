"""Demo meetings: every board's next eight weeks from its cadence; the next thoracic
meeting with a published agenda built from the pool, and a few thoracic cases still in
the pool, proposed for the following meeting (they arrived after its cut-off).

The cases part seeds the thoracic cases as submitted a few days ago. So that both
pictures exist whatever the day the demo is seeded, the most recent cases are dated
just after the next meeting's cut-off; if that cut-off is still ahead, this one
meeting's cut-off is brought forward to two hours ago (a cut-off is per meeting).
"""

from __future__ import annotations

import math
from datetime import timedelta

import sqlalchemy as sa

from mtb.accounts.models import User
from mtb.boards import services as boards
from mtb.cases.models import POOL_STATUSES, Case, CaseEvent
from mtb.db import utcnow
from mtb.extensions import db
from mtb.meetings import services
from mtb.meetings.cadence import generate_meetings
from mtb.meetings.queries import upcoming_meetings

#: How many thoracic cases stay in the pool for the following meeting.
LEFT_IN_POOL = 2


def seed() -> None:
    now = utcnow().replace(second=0, microsecond=0)
    for board in boards.list_boards():
        generate_meetings(board, now)
    db.session.flush()

    thoracic = boards.get_board("thoracic")
    upcoming = upcoming_meetings([thoracic.id], now)[thoracic.id]
    if len(upcoming) < 2:
        return
    first = upcoming[0]
    secretary = db.session.scalar(sa.select(User).where(User.email == "secretary@example.org"))
    waiting = db.session.scalars(
        sa.select(Case).where(Case.board_id == thoracic.id, Case.status.in_(POOL_STATUSES))
        .order_by(Case.submitted_at, Case.id)
    ).all()
    if not waiting:
        return

    if first.cutoff_at > now - timedelta(hours=2):
        first.cutoff_hours = math.ceil((first.starts_at - (now - timedelta(hours=2))).total_seconds() / 3600)
    cutoff = first.cutoff_at
    late = waiting[-LEFT_IN_POOL:] if len(waiting) > LEFT_IN_POOL else []
    for n, case in enumerate(late, start=1):
        # Spread between the cut-off and now, the latest last.
        arrived = cutoff + (now - cutoff) * n / (len(late) + 1)
        if case.submitted_at is None or case.submitted_at <= cutoff:
            case.submitted_at = arrived
            for event in db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                                        CaseEvent.kind == "submitted")):
                event.at = arrived
    db.session.flush()

    for case in waiting:
        services.propose_for_next_meeting(case, now=now, user=secretary)
    services.add_all_proposed(first, secretary, first.agenda_version, now=now)
    services.publish_agenda(first, secretary, first.agenda_version, now=now)
    db.session.flush()
