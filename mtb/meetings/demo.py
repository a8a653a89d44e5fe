"""Demo meetings: every board's next eight weeks from its cadence, and the next thoracic
meeting with a published agenda holding the demo's submitted thoracic cases."""

from __future__ import annotations

import sqlalchemy as sa

from mtb.accounts.models import User
from mtb.boards import services as boards
from mtb.cases.models import POOL_STATUSES, Case
from mtb.db import utcnow
from mtb.extensions import db
from mtb.meetings import services
from mtb.meetings.models import AgendaItem, Meeting


def seed() -> None:
    from mtb.notifications.services import outside_requests

    with outside_requests():
        _seed()


def _seed() -> None:
    now = utcnow()
    for board in boards.list_boards():
        services.generate_meetings(board, now)
    db.session.flush()

    thoracic = boards.get_board("thoracic")
    secretary = db.session.scalar(sa.select(User).where(User.email == "secretary@example.org"))
    waiting = db.session.scalars(
        sa.select(Case).where(Case.board_id == thoracic.id, Case.status.in_(POOL_STATUSES)).order_by(Case.id)
    ).all()
    for case in waiting:
        services.propose_for_next_meeting(case, now=now, user=secretary)
    db.session.flush()

    meeting = db.session.scalar(
        sa.select(Meeting).join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(Meeting.board_id == thoracic.id, Meeting.starts_at > now, Meeting.agenda_publications == 0)
        .order_by(Meeting.starts_at).limit(1)
    )
    if meeting is not None:
        services.publish_agenda(meeting, secretary, meeting.agenda_version, now=now)
    db.session.flush()
