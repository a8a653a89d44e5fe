"""A meeting keeps its date: it cannot be closed, nor its decisions validated, nor its
minutes signed before its day in the board's time zone, so no letter of the meeting of
1 December says its decision was validated on 30 November."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from mtb.decisions import services
from mtb.decisions.attendance import record_attendance
from mtb.decisions.models import Decision
from mtb.decisions.session import BeforeMeetingDay, close_meeting, start_meeting
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from mtb.minutes import services as minutes
from tests.decisions.helpers import form_post, targeted

#: Monday 30 November 2026, 18:00 Paris; the thoracic board meets on Tuesday 1 December at 14:00.
EVE = datetime(2026, 11, 30, 17, 0)
MEETING = datetime(2026, 12, 1, 13, 0)


@pytest.fixture
def meeting_tomorrow(team, create_meeting, monkeypatch):
    """Tomorrow's meeting, started today with the early-start confirmation, one decision recorded."""
    monkeypatch.setattr("mtb.decisions.session.utcnow", lambda: EVE)
    monkeypatch.setattr("mtb.meetings.models.utcnow", lambda: EVE)
    meeting = create_meeting(starts_at=MEETING, status=MeetingStatus.PUBLISHED, n_cases=1)
    start_meeting(meeting, team["secretary"], confirm_early=True)
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    services.save_draft(meeting.items[0], team["secretary"], "Osimertinib.", [targeted(meeting.items[0].case)])
    db.session.commit()
    return meeting


def test_the_day_before_a_meeting_its_decisions_cannot_be_validated_nor_the_meeting_closed(team, meeting_tomorrow):
    decision = db.session.scalar(sa.select(Decision))
    with pytest.raises(BeforeMeetingDay, match="Tuesday 1 December 2026"):
        services.validate(decision, team["chair"])
    with pytest.raises(BeforeMeetingDay, match="Tuesday 1 December 2026"):
        close_meeting(meeting_tomorrow, team["secretary"])
    assert decision.is_draft and meeting_tomorrow.is_in_session


def test_on_the_meeting_day_it_closes_and_the_letter_is_dated_that_day(team, meeting_tomorrow, monkeypatch):
    monkeypatch.setattr("mtb.meetings.models.utcnow", lambda: MEETING + timedelta(hours=1))
    monkeypatch.setattr("mtb.decisions.session.utcnow", lambda: MEETING + timedelta(hours=1))
    monkeypatch.setattr("mtb.decisions.services.utcnow", lambda: MEETING + timedelta(hours=1))
    close_meeting(meeting_tomorrow, team["secretary"])
    version = minutes.sign(meeting_tomorrow, team["chair"], notify=False, at=MEETING + timedelta(hours=2))
    decision = db.session.scalar(sa.select(Decision))
    assert decision.validated_at.date() == MEETING.date() and version.signed_at.date() == MEETING.date()


def test_minutes_cannot_be_signed_before_the_meeting_day(team, meeting_tomorrow):
    meeting_tomorrow.status = MeetingStatus.CLOSED  # as an older version of MTB could leave it
    db.session.commit()
    with pytest.raises(BeforeMeetingDay):
        minutes.sign(meeting_tomorrow, team["chair"], notify=False, at=EVE)
    assert meeting_tomorrow.is_closed


def test_the_pages_explain_why_closing_validating_and_signing_wait(client, login, team, meeting_tomorrow):
    login(team["chair"])
    decision = db.session.scalar(sa.select(Decision))
    html = client.get(f"/meetings/{meeting_tomorrow.id}/session").get_data(as_text=True)
    assert "Closing and validating wait for the meeting's day, Tuesday 1 December 2026." in html
    assert "validates this decision on the meeting's day" in html
    response = client.post(f"/decisions/{decision.id}/validate", data={"back": "session"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "its decisions are validated on that day, not before" in page
    assert db.session.get(Decision, decision.id).is_draft
    response = client.post(f"/meetings/{meeting_tomorrow.id}/session/close")
    assert "it can be closed on that day, not before" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.get(type(meeting_tomorrow), meeting_tomorrow.id).is_in_session


def test_starting_the_day_before_says_what_waits_for_the_meeting_day(client, login, team, create_meeting, monkeypatch):
    monkeypatch.setattr("mtb.decisions.session.utcnow", lambda: EVE)
    monkeypatch.setattr("mtb.meetings.models.utcnow", lambda: EVE)
    meeting = create_meeting(starts_at=MEETING, status=MeetingStatus.PUBLISHED, n_cases=1)
    login(team["secretary"])
    html = client.get(f"/meetings/{meeting.id}/session").get_data(as_text=True)
    assert "Start now anyway" in html and "decisions can be recorded but not validated" in html
    data = form_post("x", [targeted(meeting.items[0].case)])
    assert data  # the decision form is only offered once started
