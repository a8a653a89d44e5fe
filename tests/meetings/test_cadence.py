"""Meetings come from each board's cadence, in local wall time, and follow setting changes."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from mtb.boards.cadence import board_occurrences, occurrences, utc_to_local
from mtb.extensions import db
from mtb.meetings import cadence, lifecycle, services
from mtb.meetings.models import AgendaItem, Meeting, MeetingStatus
from mtb.notifications.models import NotificationKind, OutboxMessage
from tests.fixtures.meetings import NOW

TUESDAY_14 = "FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0"


def test_tuesday_meeting_stays_at_14_paris_across_the_march_clock_change():
    # Clocks go forward on Sunday 28 March 2027.
    found = occurrences(TUESDAY_14, date(2026, 1, 6), "Europe/Paris", datetime(2027, 3, 20), datetime(2027, 4, 1))
    assert found == [datetime(2027, 3, 23, 13, 0), datetime(2027, 3, 30, 12, 0)]


def test_tuesday_meeting_stays_at_14_paris_across_the_october_clock_change():
    # Clocks go back on Sunday 31 October 2027.
    found = occurrences(TUESDAY_14, date(2026, 1, 6), "Europe/Paris", datetime(2027, 10, 20), datetime(2027, 11, 5))
    assert found == [datetime(2027, 10, 26, 12, 0), datetime(2027, 11, 2, 13, 0)]


def test_every_other_thursday_counts_from_the_board_anchor(boards):
    paediatric = boards["paediatric"]
    found = board_occurrences(paediatric, datetime(2026, 1, 1), datetime(2026, 2, 10))
    assert found == [datetime(2026, 1, 8, 12, 0), datetime(2026, 1, 22, 12, 0), datetime(2026, 2, 5, 12, 0)]


def test_scheduler_keeps_eight_weeks_of_meetings_and_never_duplicates(boards):
    thoracic = boards["thoracic"]
    created = cadence.generate_meetings(thoracic, NOW)
    db.session.commit()
    assert len(created) == 8
    assert created[0].starts_at == datetime(2027, 3, 2, 13, 0)
    assert created[0].duration_minutes == 120 and created[0].cutoff_hours == 48
    assert created[0].location == "Pavilion B, room 2.14"
    assert cadence.generate_meetings(thoracic, NOW) == []


def test_moved_meeting_is_not_created_again_at_its_old_time(boards, secretary):
    thoracic = boards["thoracic"]
    first = cadence.generate_meetings(thoracic, NOW)[0]
    db.session.commit()
    lifecycle.move_meeting(first, secretary, day=date(2027, 3, 3), at=datetime(2027, 1, 1, 9, 0).time(),
                          duration_minutes=90, location="Room 1", now=NOW)
    db.session.commit()
    assert cadence.generate_meetings(thoracic, NOW) == []
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(Meeting.board_id == thoracic.id))
    assert count == 8


def test_new_cadence_cancels_empty_meetings_flags_those_with_cases_and_creates_new_ones(boards, create_case):
    thoracic = boards["thoracic"]
    tuesdays = cadence.generate_meetings(thoracic, NOW)
    db.session.commit()
    case = create_case()
    with_case = tuesdays[2]
    services.new_item(with_case, case)
    published = tuesdays[3]
    published.status = MeetingStatus.PUBLISHED
    published.agenda_publications = 1
    db.session.commit()

    thoracic.cadence_rrule = "FREQ=WEEKLY;BYDAY=WE;BYHOUR=15;BYMINUTE=0"
    thoracic.meeting_length_minutes = 90
    summary = cadence.apply_board_settings(thoracic, NOW)
    db.session.commit()

    assert summary["created"] == 8 and summary["flagged"] == 1 and summary["cancelled"] == 6
    assert with_case.status is MeetingStatus.SCHEDULED and with_case.needs_review
    assert with_case.duration_minutes == 90 and with_case.ical_sequence == 1
    assert published.status is MeetingStatus.PUBLISHED and published.duration_minutes == 120
    cancelled = [m for m in tuesdays if m.status is MeetingStatus.CANCELLED]
    assert len(cancelled) == 6 and all(m.ical_sequence == 1 for m in cancelled)
    wednesdays = db.session.scalars(sa.select(Meeting).where(Meeting.starts_at == datetime(2027, 3, 3, 14, 0))).all()
    assert len(wednesdays) == 1 and wednesdays[0].duration_minutes == 90

    # Back to Tuesdays (a typo fixed): the cancelled Tuesdays return.
    thoracic.cadence_rrule = TUESDAY_14
    summary = cadence.apply_board_settings(thoracic, NOW)
    db.session.commit()
    assert summary["restored"] == 6
    assert not with_case.needs_review
    assert all(m.status is MeetingStatus.SCHEDULED for m in tuesdays if m is not published)


def test_new_cadence_a_later_submission_goes_to_the_new_day(boards, create_case):
    thoracic = boards["thoracic"]
    cadence.generate_meetings(thoracic, NOW)
    thoracic.cadence_rrule = "FREQ=WEEKLY;BYDAY=TH;BYHOUR=8;BYMINUTE=30"
    cadence.apply_board_settings(thoracic, NOW)
    db.session.commit()
    proposed = services.propose_for_next_meeting(create_case(submitted_at=NOW), now=NOW)
    # Thursday 4 March 08:30 Paris = 07:30Z; its 48 h cut-off (Tuesday 07:30Z) is ahead.
    assert proposed.starts_at == datetime(2027, 3, 4, 7, 30)


def test_secretary_saving_board_settings_regenerates_meetings(client, login, secretary, boards):
    thoracic = boards["thoracic"]
    cadence.generate_meetings(thoracic)
    db.session.commit()
    login(secretary)
    response = client.post("/boards/thoracic/settings", data={
        "name": thoracic.name, "cadence_rrule": "FREQ=WEEKLY;BYDAY=FR;BYHOUR=11;BYMINUTE=0",
        "cadence_anchor": "2026-01-02", "meeting_length_minutes": "60", "minutes_per_case": "10",
        "cutoff_hours": "24", "location": "Room 3", "video_link": "",
    })
    assert response.status_code == 302
    open_meetings = db.session.scalars(
        sa.select(Meeting).where(Meeting.board_id == thoracic.id, Meeting.status == MeetingStatus.SCHEDULED)
    ).all()
    assert open_meetings and all(m.location == "Room 3" and m.duration_minutes == 60 for m in open_meetings)
    assert all(m.starts_at.weekday() == 4 for m in open_meetings)


def test_a_bad_recurrence_rule_is_refused_with_a_message_and_nothing_changes(client, login, secretary, boards):
    cadence.generate_meetings(boards["thoracic"])
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Meeting))
    login(secretary)
    response = client.post("/boards/thoracic/settings", data={
        "name": "Thoracic oncology", "cadence_rrule": "FREQ=WEEKLY;BYDAY=XX", "cadence_anchor": "2026-01-06",
        "meeting_length_minutes": "120", "minutes_per_case": "10", "cutoff_hours": "48",
    })
    assert response.status_code == 200
    assert "FREQ=WEEKLY;BYDAY=XX" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaItem)) == 0


def test_meetings_are_created_only_ahead_not_in_the_past(boards):
    created = cadence.generate_meetings(boards["dermatology"], NOW, weeks=2)
    assert all(m.starts_at > NOW for m in created)
    assert all(m.starts_at <= NOW + timedelta(weeks=2) for m in created)
    # Monday 17:00 Paris = 16:00Z in winter.
    assert created[0].starts_at == datetime(2027, 3, 1, 16, 0)


def test_a_new_board_room_reaches_the_meetings_in_the_old_room_not_one_the_secretary_moved(boards, secretary):
    thoracic = boards["thoracic"]
    meetings = cadence.generate_meetings(thoracic, NOW)
    db.session.commit()
    moved = meetings[2]
    local = utc_to_local(moved.starts_at, thoracic.timezone)
    lifecycle.move_meeting(moved, secretary, day=local.date(), at=local.time(), duration_minutes=210,
                           location="Amphi B, 3rd floor", now=NOW)
    db.session.commit()

    # The save: the board's room changes, as update_settings tells its listeners.
    thoracic.location = "Room 3"
    summary = cadence.apply_board_settings(thoracic, NOW, previous={"location": "Pavilion B, room 2.14"})
    db.session.commit()

    assert moved.location == "Amphi B, 3rd floor" and moved.duration_minutes == 210
    others = [m for m in meetings if m is not moved]
    assert all(m.location == "Room 3" and m.ical_sequence == 1 for m in others)
    assert summary["updated"] == len(others)


def test_a_settings_save_that_changes_nothing_leaves_a_moved_meeting_as_the_secretary_set_it(boards, secretary):
    thoracic = boards["thoracic"]
    moved = cadence.generate_meetings(thoracic, NOW)[2]
    db.session.commit()
    local = utc_to_local(moved.starts_at, thoracic.timezone)
    lifecycle.move_meeting(moved, secretary, day=local.date(), at=local.time(), duration_minutes=210,
                           location="Amphi B, 3rd floor", video_link="https://visio.example.org/tho", now=NOW)
    db.session.commit()
    moved.cutoff_hours = 24  # and its cut-off, edited for this meeting
    db.session.commit()

    summary = cadence.apply_board_settings(thoracic, NOW, previous={})
    db.session.commit()

    assert (moved.location, moved.duration_minutes, moved.video_link, moved.cutoff_hours) == \
        ("Amphi B, 3rd floor", 210, "https://visio.example.org/tho", 24)
    assert moved.ical_sequence == 1  # the move's, no more
    assert summary["updated"] == 0


def test_a_published_meeting_is_left_as_announced_and_counted_for_the_secretary(boards, secretary, create_case,
                                                                              request_ctx):
    thoracic = boards["thoracic"]
    meeting = cadence.generate_meetings(thoracic, NOW)[2]
    services.add_case(meeting, create_case().id, secretary, meeting.agenda_version, now=NOW)
    services.publish_agenda(meeting, secretary, meeting.agenda_version, now=NOW)
    db.session.commit()
    assert meeting.status is MeetingStatus.PUBLISHED

    thoracic.meeting_length_minutes, thoracic.location = 150, "Room 3"
    summary = cadence.apply_board_settings(
        thoracic, NOW, previous={"meeting_length_minutes": 120, "location": "Pavilion B, room 2.14"})
    db.session.commit()

    assert summary["kept"] == 1
    assert (meeting.duration_minutes, meeting.location) == (120, "Pavilion B, room 2.14")


def test_a_room_change_after_the_day_before_reminder_is_told_as_a_move(boards, member):
    thoracic = boards["thoracic"]
    tomorrow, next_week = cadence.generate_meetings(thoracic, NOW)[:2]
    db.session.commit()
    # Monday 16:00Z: the reminder of Tuesday's meeting (24 h ahead) has gone out with the old room.
    now = tomorrow.starts_at - timedelta(hours=21)

    thoracic.location = "Room 3"
    cadence.apply_board_settings(thoracic, now, previous={"location": "Pavilion B, room 2.14"})
    db.session.commit()

    moved = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == NotificationKind.MEETING_MOVED)).all()
    assert [(m.recipient_id, m.dedupe_key) for m in moved] == [(member.id, f"moved:{tomorrow.id}:1:user:{member.id}")]
    assert "Room 3" in moved[0].body
    # Next week's meeting has no reminder yet: the one it gets names the new room.
    assert next_week.location == "Room 3"
