"""A change of cadence follows the board's new rule without undoing what a secretary did
by hand: a moved meeting keeps its slot, a cancelled occurrence stays cancelled, and no
day gets a second meeting of the board."""

from datetime import date, time

import sqlalchemy as sa

from mtb.boards.cadence import utc_to_local
from mtb.extensions import db
from mtb.meetings import cadence, lifecycle, services
from mtb.meetings.models import Meeting, MeetingStatus
from tests.fixtures.meetings import NOW

TUESDAY_14 = "FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0"
TUESDAY_1430 = "FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=30"


def _on(board, day: date) -> list[Meeting]:
    """The board's meetings on that local day, cancelled or not."""
    meetings = db.session.scalars(sa.select(Meeting).where(Meeting.board_id == board.id)).all()
    return [m for m in meetings if utc_to_local(m.starts_at, board.timezone).date() == day]


def _local_day(meeting: Meeting) -> date:
    return utc_to_local(meeting.starts_at, meeting.board.timezone).date()


def _new_cadence(board, rule: str) -> dict:
    board.cadence_rrule = rule
    summary = cadence.apply_board_settings(board, NOW, previous={"cadence_rrule": TUESDAY_14})
    db.session.commit()
    return summary


def test_a_meeting_moved_by_hand_is_never_cancelled_by_a_cadence_change_nor_doubled(boards, secretary):
    thoracic = boards["thoracic"]
    meetings = cadence.generate_meetings(thoracic, NOW)
    db.session.commit()
    moved = meetings[2]
    tuesday = _local_day(moved)
    # That week's meeting moves to Wednesday morning (its Tuesday is a bank holiday).
    lifecycle.move_meeting(moved, secretary, day=date(2027, 3, 17), at=time(9, 0), duration_minutes=120,
                           location=thoracic.location, now=NOW)
    db.session.commit()

    _new_cadence(thoracic, TUESDAY_1430)

    assert moved.status is MeetingStatus.SCHEDULED and not moved.needs_review
    assert _local_day(moved) == date(2027, 3, 17)
    # The week keeps the one meeting the secretary set: no 14:30 on the Tuesday it stands for.
    assert _on(thoracic, tuesday) == []
    # The other weeks follow the new time.
    follows = [m for m in meetings if m is not moved and m.starts_at > NOW]
    assert all(m.status is MeetingStatus.CANCELLED for m in follows)
    assert all(len([x for x in _on(thoracic, _local_day(m)) if not x.is_cancelled]) == 1 for m in follows)


def test_an_occurrence_a_secretary_cancelled_stays_cancelled_when_the_cadence_changes(boards, secretary):
    thoracic = boards["thoracic"]
    holiday = cadence.generate_meetings(thoracic, NOW)[3]
    db.session.commit()
    lifecycle.cancel_meeting(holiday, secretary, "Bank holiday", now=NOW)
    db.session.commit()

    _new_cadence(thoracic, TUESDAY_1430)
    assert [(m.id, m.status) for m in _on(thoracic, _local_day(holiday))] == [(holiday.id, MeetingStatus.CANCELLED)]
    _new_cadence(thoracic, TUESDAY_14)  # and back
    assert holiday.status is MeetingStatus.CANCELLED and holiday.cancelled_reason == "Bank holiday"
    assert len(_on(thoracic, _local_day(holiday))) == 1


def test_a_kept_published_meeting_gets_no_twin_at_the_new_time(boards, secretary, create_case, request_ctx):
    thoracic = boards["thoracic"]
    published = cadence.generate_meetings(thoracic, NOW)[2]
    services.add_case(published, create_case().id, secretary, published.agenda_version, now=NOW)
    services.publish_agenda(published, secretary, published.agenda_version, now=NOW)
    db.session.commit()

    summary = _new_cadence(thoracic, TUESDAY_1430)

    assert summary["kept"] == 1
    assert _on(thoracic, _local_day(published)) == [published]
    assert utc_to_local(published.starts_at, thoracic.timezone).time() == time(14, 0)


def test_a_meeting_with_cases_left_by_the_cadence_gets_no_twin_that_day(boards, create_case):
    thoracic = boards["thoracic"]
    with_case = cadence.generate_meetings(thoracic, NOW)[2]
    services.new_item(with_case, create_case())
    db.session.commit()

    summary = _new_cadence(thoracic, TUESDAY_1430)

    assert summary["flagged"] == 1 and with_case.needs_review
    assert _on(thoracic, _local_day(with_case)) == [with_case]


def test_a_time_changed_and_changed_back_brings_the_same_meetings_back(boards):
    thoracic = boards["thoracic"]
    tuesdays = cadence.generate_meetings(thoracic, NOW)
    db.session.commit()
    _new_cadence(thoracic, TUESDAY_1430)
    summary = _new_cadence(thoracic, TUESDAY_14)
    assert summary["restored"] == len(tuesdays) and summary["created"] == 0
    for meeting in tuesdays:
        assert meeting.status is MeetingStatus.SCHEDULED
        assert [m for m in _on(thoracic, _local_day(meeting)) if not m.is_cancelled] == [meeting]
        assert utc_to_local(meeting.starts_at, thoracic.timezone).time() == time(14, 0)
