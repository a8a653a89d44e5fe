"""A board sits once at a time: a meeting added or moved onto another of the board's is
refused beside its date (what was typed stays); a second meeting the same day, at another
time, is allowed with a warning (a long backlog may need it, a mistyped date is caught)."""

import re
from datetime import date, time

import pytest
import sqlalchemy as sa

from mtb.boards.cadence import utc_to_local
from mtb.errors import InvalidInput
from mtb.extensions import db
from mtb.meetings import cadence, lifecycle
from mtb.meetings.models import Meeting
from tests.fixtures.meetings import NOW

#: Tuesday 16 March 2027: thoracic meets 14:00-16:00 Paris.
TUESDAY = date(2027, 3, 16)


@pytest.fixture
def tuesdays(boards):
    meetings = cadence.generate_meetings(boards["thoracic"], NOW)
    db.session.commit()
    assert utc_to_local(meetings[2].starts_at, "Europe/Paris").date() == TUESDAY
    return meetings


def _date_error(html: str) -> str:
    match = re.search(r'<p class="error" id="date-error">(.*?)</p>', html, re.DOTALL)
    return match.group(1) if match else ""


def test_an_extra_meeting_at_the_start_of_another_is_refused(boards, secretary, tuesdays, request_ctx):
    with pytest.raises(InvalidInput, match="already has a meeting at this date and time") as refused:
        lifecycle.add_extra_meeting(boards["thoracic"], secretary, day=TUESDAY, at=time(14, 0), duration_minutes=60,
                                    now=NOW)
    assert refused.value.field == "date"


def test_an_extra_meeting_overlapping_another_is_refused(boards, secretary, tuesdays, request_ctx):
    with pytest.raises(InvalidInput, match=r"overlaps the board's meeting of .* \(until 16:00\)"):
        lifecycle.add_extra_meeting(boards["thoracic"], secretary, day=TUESDAY, at=time(15, 0), duration_minutes=60,
                                    now=NOW)
    with pytest.raises(InvalidInput, match="overlaps"):  # ends inside it
        lifecycle.add_extra_meeting(boards["thoracic"], secretary, day=TUESDAY, at=time(13, 0), duration_minutes=90,
                                    now=NOW)
    # Ending as it starts is no overlap.
    lifecycle.add_extra_meeting(boards["thoracic"], secretary, day=TUESDAY, at=time(13, 0), duration_minutes=60,
                                now=NOW)


def test_a_cancelled_meeting_leaves_its_time_free(boards, secretary, tuesdays, request_ctx):
    lifecycle.cancel_meeting(tuesdays[2], secretary, "Room unavailable", now=NOW)
    extra = lifecycle.add_extra_meeting(boards["thoracic"], secretary, day=TUESDAY, at=time(14, 0),
                                        duration_minutes=60, location="Room 3", now=NOW)
    assert extra.starts_at == tuesdays[2].starts_at


def test_moving_a_meeting_onto_another_is_refused_beside_the_date_and_the_typing_kept(client, login, secretary,
                                                                                     tuesdays):
    moved, target = tuesdays[1], tuesdays[2]
    starts_at = moved.starts_at
    login(secretary)
    response = client.post(f"/meetings/{moved.id}/move", data={
        "date": TUESDAY.isoformat(), "time": "14:00", "duration_minutes": "90", "location": "Amphi B"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already has a meeting at this date and time" in _date_error(html)
    assert f'value="{TUESDAY.isoformat()}"' in html and 'value="Amphi B"' in html and 'value="90"' in html
    db.session.expire_all()
    assert db.session.get(Meeting, moved.id).starts_at == starts_at
    assert db.session.get(Meeting, target.id).starts_at != starts_at


def test_a_meeting_keeps_its_own_time_when_only_its_room_changes(boards, secretary, tuesdays, request_ctx):
    meeting = tuesdays[2]
    lifecycle.move_meeting(meeting, secretary, day=TUESDAY, at=time(14, 0), duration_minutes=120,
                           location="Room 3", now=NOW)
    assert meeting.location == "Room 3"


def test_a_second_meeting_the_same_day_is_added_with_a_warning(client, login, secretary, tuesdays):
    login(secretary)
    response = client.post("/boards/thoracic/meetings/new", data={
        "date": TUESDAY.isoformat(), "time": "09:00", "duration_minutes": "60", "location": "Room 3"},
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Extra meeting added" in html
    assert "The board has another meeting that day" in html and "14:00" in html
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(Meeting.starts_at > NOW))
    assert count == len(tuesdays) + 1
