"""A meeting's date must be one a board could mean: not in the past, at most five years
ahead. A mistyped year gets a message beside the date field, never a server error, and a
far date stored before the bound existed still leaves every calendar open."""

import re
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from mtb.accounts import services as accounts
from mtb.boards.cadence import utc_to_local
from mtb.errors import InvalidInput
from mtb.extensions import db
from mtb.meetings import cadence, lifecycle
from mtb.meetings.models import MAX_DAYS_AHEAD, Meeting, MeetingStatus
from tests.fixtures.meetings import NOW


def date_error(html: str) -> str:
    match = re.search(r'<p class="error" id="date-error">(.*?)</p>', html, re.DOTALL)
    return match.group(1) if match else ""


def meeting_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Meeting))


@pytest.mark.parametrize("day, message", [
    ("0001-01-01", "in the past"),
    ("9999-12-31", "at most five years ahead"),
])
def test_an_extra_meeting_on_an_impossible_date_is_refused_beside_the_date(client, login, secretary, boards,
                                                                           day, message):
    login(secretary)
    before = meeting_count()
    response = client.post("/boards/thoracic/meetings/new",
                           data={"date": day, "time": "23:00" if day.startswith("9999") else "00:00",
                                 "duration_minutes": "600", "location": "Room 3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in date_error(html)
    assert 'value="Room 3"' in html  # nothing typed is lost
    assert meeting_count() == before


@pytest.mark.parametrize("day, at", [(date(1, 1, 1), time(0, 0)), (date(9999, 12, 31), time(23, 0))])
def test_moving_a_meeting_to_an_impossible_date_is_refused_and_leaves_it_as_it_was(boards, secretary, request_ctx,
                                                                                   day, at):
    meeting = cadence.generate_meetings(boards["thoracic"], NOW)[0]
    starts_at = meeting.starts_at
    with pytest.raises(InvalidInput) as refused:
        lifecycle.move_meeting(meeting, secretary, day=day, at=at, duration_minutes=600,
                               location="Room 3", now=NOW)
    assert refused.value.field == "date"
    assert meeting.starts_at == starts_at and meeting.ical_sequence == 0


def test_a_meeting_can_be_set_up_to_five_years_ahead_not_a_day_more(boards, secretary, request_ctx):
    board = boards["thoracic"]
    last = utc_to_local(NOW, board.timezone).date() + timedelta(days=MAX_DAYS_AHEAD)
    meeting = lifecycle.add_extra_meeting(board, secretary, day=last, at=time(14, 0), duration_minutes=60, now=NOW)
    assert meeting.local_day == last
    with pytest.raises(InvalidInput, match="five years ahead"):
        lifecycle.add_extra_meeting(board, secretary, day=last + timedelta(days=1), at=time(14, 0),
                                    duration_minutes=60, now=NOW)


def test_a_meeting_stored_at_the_end_of_year_9999_leaves_its_pages_and_the_feed_open(client, login, secretary,
                                                                                     member, boards):
    # Saved before dates were bounded: 9999-12-31 23:00 in Paris, 600 minutes.
    meeting = Meeting(board_id=boards["thoracic"].id, starts_at=datetime(9999, 12, 31, 22, 0), occurrence_at=None,
                      duration_minutes=600, cutoff_hours=48, status=MeetingStatus.SCHEDULED)
    db.session.add(meeting)
    token = accounts.calendar_token(member)
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    login(secretary)
    for url in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}.ics"):
        assert client.get(url).status_code == 200, url
