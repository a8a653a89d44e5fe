"""Meetings fixtures: meetings built directly, a fixed clock, a real SMTP server."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from mtb.boards import services as boards_service
from mtb.db import utcnow
from mtb.extensions import db
from mtb.meetings.models import Meeting, MeetingStatus

#: Monday 1 March 2027, 08:00 UTC. Thoracic meets Tuesdays 14:00 Paris (13:00Z in winter).
NOW = datetime(2027, 3, 1, 8, 0)


@pytest.fixture
def new_meeting():
    """new_meeting(board="thoracic", starts_at=None (a week from now), **fields) -> Meeting."""

    def make(board: str = "thoracic", starts_at: datetime | None = None, **fields) -> Meeting:
        board_obj = boards_service.get_board(board)
        starts_at = starts_at or (utcnow().replace(second=0, microsecond=0) + timedelta(days=7))
        values = dict(
            board_id=board_obj.id, starts_at=starts_at, occurrence_at=None,
            duration_minutes=board_obj.meeting_length_minutes, location=board_obj.location,
            cutoff_hours=board_obj.cutoff_hours, status=MeetingStatus.SCHEDULED,
        )
        values.update(fields)
        meeting = Meeting(**values)
        db.session.add(meeting)
        db.session.commit()
        return meeting

    return make
