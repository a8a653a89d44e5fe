"""Fixtures of the session's tests."""

from __future__ import annotations

import pytest

from mtb.decisions.session import start_meeting
from mtb.extensions import db


@pytest.fixture
def in_session(team, started_meeting):
    """A published thoracic meeting with two cases, started by its secretary."""
    meeting = started_meeting(n_cases=2)
    start_meeting(meeting, team["secretary"])
    db.session.commit()
    return meeting
