"""Fixtures for running a meeting: a board team with quorum, and a meeting with cases on its agenda."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mtb.db import utcnow
from mtb.extensions import db
from mtb.meetings.models import AgendaItem, Meeting, MeetingStatus
from mtb.vocab import Specialty


@pytest.fixture
def team(make_user, secretary, member, chair):
    """Thoracic board: chair (medical oncologist), member (pathologist), biologist, secretary."""
    biologist = make_user("biologist@example.org", {"thoracic": ["member"]}, name="Dr Léa Garnier",
                          specialty=Specialty.MOLECULAR_BIOLOGY)
    return {"secretary": secretary, "member": member, "chair": chair, "biologist": biologist}


@pytest.fixture
def make_meeting(boards, create_case):
    """make_meeting(board="thoracic", cases=None, n_cases=2, status=..., starts_in=-1 h) -> Meeting with agenda items.

    The agenda items are built here with the models (cases in the "scheduled" status),
    whatever the meetings part does with submitted cases."""

    def make(board: str = "thoracic", cases=None, n_cases: int = 2, status=MeetingStatus.PUBLISHED,
             starts_in: timedelta = timedelta(hours=-1)) -> Meeting:
        b = boards[board]
        meeting = Meeting(board_id=b.id, starts_at=(utcnow() + starts_in).replace(microsecond=0),
                          duration_minutes=120, location=b.location, status=status, cutoff_hours=48)
        db.session.add(meeting)
        db.session.flush()
        if cases is None:
            cases = [create_case(board=board, status="scheduled") for _ in range(n_cases)]
        for position, case in enumerate(cases):
            db.session.add(AgendaItem(meeting_id=meeting.id, case_id=case.id, position=position, minutes=10))
        db.session.commit()
        db.session.refresh(meeting)
        return meeting

    return make
