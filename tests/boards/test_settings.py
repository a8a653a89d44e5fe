"""Board settings: secretaries edit the week, admins the board itself."""

import re
from datetime import date, datetime

import pytest

from mtb.boards import services
from mtb.boards.cadence import occurrences
from mtb.boards.validation import validate_rrule
from mtb.errors import InvalidInput, NotAllowed
from mtb.extensions import db

NOW = datetime(2027, 3, 1, 8, 0)


def _settings(board, **overrides):
    data = {
        "name": board.name, "cadence_rrule": board.cadence_rrule, "cadence_anchor": board.cadence_anchor.isoformat(),
        "meeting_length_minutes": board.meeting_length_minutes, "minutes_per_case": board.minutes_per_case,
        "cutoff_hours": board.cutoff_hours, "location": board.location or "", "video_link": board.video_link or "",
        "quorum_specialties": "\n".join(board.quorum_specialties),
    }
    data.update(overrides)
    return data


def test_default_boards_exist_with_their_settings(boards):
    assert set(boards) == {"thoracic", "paediatric", "dermatology"}
    assert "BYDAY=TU" in boards["thoracic"].cadence_rrule
    assert "INTERVAL=2" in boards["paediatric"].cadence_rrule
    assert "molecular_biology|genetics" in boards["thoracic"].quorum_specialties


def test_secretary_changes_cadence_and_cutoff(client, secretary, login, boards):
    login(secretary)
    board = boards["thoracic"]
    response = client.post("/boards/thoracic/settings", data=_settings(
        board, cadence_rrule="FREQ=WEEKLY;BYDAY=WE;BYHOUR=15;BYMINUTE=30", cutoff_hours=24))
    assert response.status_code == 302
    db.session.refresh(board)
    assert board.cadence_rrule == "FREQ=WEEKLY;BYDAY=WE;BYHOUR=15;BYMINUTE=30"
    assert board.cutoff_hours == 24


def test_bad_recurrence_rule_is_explained_and_kept(client, secretary, login, boards):
    login(secretary)
    response = client.post("/boards/thoracic/settings", data=_settings(boards["thoracic"], cadence_rrule="FREQ=WEEKLY;BYDAY=XX;BYHOUR=14;BYMINUTE=0"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "BYDAY takes days written MO, TU, WE, TH, FR, SA or SU" in body
    assert "Example: FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0" in body
    assert "FREQ=WEEKLY;BYDAY=XX;BYHOUR=14;BYMINUTE=0" in body


def test_a_numbered_day_in_a_weekly_rule_is_refused_beside_the_field_and_kept(client, secretary, login, boards):
    login(secretary)
    rule = "FREQ=WEEKLY;BYDAY=2MO;BYHOUR=14;BYMINUTE=0"
    response = client.post("/boards/thoracic/settings", data=_settings(boards["thoracic"], cadence_rrule=rule))
    body = response.get_data(as_text=True)
    error = re.search(r'id="cadence_rrule-error"[^>]*>(.*?)</', body, re.S)
    assert error and "A numbered day such as 2MO needs FREQ=MONTHLY" in error.group(1)
    assert f'value="{rule}"' in body
    db.session.refresh(boards["thoracic"])
    assert boards["thoracic"].cadence_rrule == "FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0"


def test_rule_without_time_of_day_is_refused(client, secretary, login, boards):
    login(secretary)
    body = client.post("/boards/thoracic/settings", data=_settings(boards["thoracic"], cadence_rrule="FREQ=WEEKLY;BYDAY=TU")).get_data(as_text=True)
    assert "BYHOUR" in body


def test_secretary_cannot_change_quorum_but_admin_can(client, secretary, admin, login, boards):
    board = boards["thoracic"]
    login(secretary)
    client.post("/boards/thoracic/settings", data=_settings(board, quorum_specialties="pathology"))
    db.session.refresh(board)
    assert board.quorum_specialties != ["pathology"]
    client.post("/logout")
    login(admin)
    client.post("/boards/thoracic/settings", data=_settings(board, quorum_specialties="pathology\nmedical_oncology|pulmonology"))
    db.session.refresh(board)
    assert board.quorum_specialties == ["pathology", "medical_oncology|pulmonology"]


def test_unknown_quorum_specialty_is_refused(client, admin, login, boards):
    login(admin)
    body = client.post("/boards/thoracic/settings", data=_settings(boards["thoracic"], quorum_specialties="astrology")).get_data(as_text=True)
    assert "Unknown specialty: astrology" in body


def test_member_and_other_board_secretary_cannot_edit(client, member, make_user, login):
    login(member)
    assert client.get("/boards/thoracic/settings").status_code == 403
    client.post("/logout")
    other = make_user("psec@example.org", {"paediatric": ["secretary"]})
    login(other)
    assert client.get("/boards/thoracic/settings").status_code == 403
    assert client.get("/boards/paediatric/settings").status_code == 200
    assert client.get("/boards/nowhere/settings").status_code == 404


def test_until_in_utc_is_accepted_and_ends_the_cadence(client, secretary, login, boards):
    rule = "FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0;UNTIL=20300101T000000Z"
    login(secretary)
    response = client.post("/boards/thoracic/settings", data=_settings(boards["thoracic"], cadence_rrule=rule))
    assert response.status_code == 302
    db.session.refresh(boards["thoracic"])
    assert boards["thoracic"].cadence_rrule == rule
    found = occurrences(rule, date(2026, 1, 6), "Europe/Paris", datetime(2029, 12, 1), datetime(2030, 2, 1))
    # Tuesday 14:00 Paris = 13:00Z in winter; the last one is 31 December 2029.
    assert found == [datetime(2029, 12, d, 13, 0) for d in (4, 11, 18, 25)]


@pytest.mark.parametrize("until, last", [
    ("20291225T130000Z", datetime(2029, 12, 25, 13, 0)),  # exactly the last meeting's start (14:00 Paris)
    ("20291225T125959Z", datetime(2029, 12, 18, 13, 0)),  # a second before: that one is out
    ("20291225", datetime(2029, 12, 25, 13, 0)),  # a date: the whole day counts
])
def test_until_is_applied_in_utc_or_as_a_whole_day(until, last):
    rule = f"FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0;UNTIL={until}"
    assert validate_rrule(rule, date(2026, 1, 6), "Europe/Paris", now=NOW) == rule
    found = occurrences(rule, date(2026, 1, 6), "Europe/Paris", datetime(2029, 12, 1), datetime(2030, 2, 1))
    assert found[-1] == last


@pytest.mark.parametrize("rule, expected", [
    ("FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0;UNTIL=20200101T000000Z", "has no future meetings"),
    ("FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0;UNTIL=20270101", "has no future meetings"),
    ("FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0;UNTIL=20300101T000000", "UTC time ending in Z"),
    ("FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0;UNTIL=next-year", "Write UNTIL as a date"),
    ("FREQ=WEEKLY;BYDAY", "Each part of the rule is NAME=VALUE"),
    ("FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE", "Each part of the rule is NAME=VALUE"),
    ("FREQ=SECONDLY;BYHOUR=14;BYMINUTE=0", "use FREQ=DAILY, FREQ=WEEKLY or FREQ=MONTHLY (not SECONDLY)"),
    ("FREQ=YEARLY;BYHOUR=14;BYMINUTE=0", "at most once a day: use FREQ=DAILY, FREQ=WEEKLY or FREQ=MONTHLY"),
    ("BYDAY=TU;BYHOUR=14;BYMINUTE=0", "FREQ=DAILY, FREQ=WEEKLY or FREQ=MONTHLY"),
    ("FREQ=WEEKLY;INTERVAL=100000;BYDAY=TU;BYHOUR=14;BYMINUTE=0", "a whole number from 1 to 52"),
    ("FREQ=WEEKLY;INTERVAL=0;BYDAY=TU;BYHOUR=14;BYMINUTE=0", "a whole number from 1 to 52"),
    ("FREQ=WEEKLY;INTERVAL=two;BYDAY=TU;BYHOUR=14;BYMINUTE=0", "a whole number from 1 to 52"),
    ("FREQ=WEEKLY;BYDAY=TU;BYHOUR=25;BYMINUTE=0", "BYHOUR is the hour of the meeting, from 0 to 23"),
    ("FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=75", "BYMINUTE is the minute of the meeting, from 0 to 59"),
    ("FREQ=WEEKLY;BYDAY=TUESDAY;BYHOUR=14;BYMINUTE=0", "BYDAY takes days written MO, TU"),
    ("FREQ=MONTHLY;BYMONTHDAY=40;BYHOUR=14;BYMINUTE=0", "BYMONTHDAY takes days of the month"),
    ("FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2;BYHOUR=14;BYMINUTE=0", "gives no meeting date"),
    ("FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0;COUNT=3;UNTIL=20300101", "either UNTIL"),
    ("FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0;BYSECOND=5", "BYSECOND cannot be used here"),
    ("FREQ=WEEKLY;FREQ=DAILY;BYHOUR=14;BYMINUTE=0", "FREQ is given twice"),
    ("", "Enter a recurrence rule"),
    # RFC 5545: an ordinal day only in a monthly rule, a day of the month never in a weekly one
    # (dateutil would drop them and meet every week).
    ("FREQ=WEEKLY;BYDAY=2MO;BYHOUR=14;BYMINUTE=0", "A numbered day such as 2MO needs FREQ=MONTHLY"),
    ("FREQ=DAILY;BYDAY=-1FR;BYHOUR=14;BYMINUTE=0", "with FREQ=DAILY write the day alone (BYDAY=FR)"),
    ("FREQ=WEEKLY;BYMONTHDAY=15;BYHOUR=14;BYMINUTE=0", "BYMONTHDAY (a day of the month) does not go with FREQ=WEEKLY"),
])
def test_bad_rules_get_a_plain_message_with_an_example(rule, expected):
    with pytest.raises(InvalidInput) as error:
        validate_rrule(rule, date(2026, 1, 6), "Europe/Paris", now=NOW)
    message = error.value.message
    assert error.value.field == "cadence_rrule"
    assert expected in message
    assert "Example: FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0" in message
    for python_text in ("unpack", "invalid literal", "UNTIL values must be specified", "Traceback"):
        assert python_text not in message


def test_good_rules_are_normalised(boards):
    assert validate_rrule(" rrule:freq=monthly;byday=1th;byhour=13;byminute=0; ", date(2026, 1, 8), now=NOW) == \
        "FREQ=MONTHLY;BYDAY=1TH;BYHOUR=13;BYMINUTE=0"


def test_settings_posted_without_quorum_keep_the_stored_quorum(client, admin, login, boards):
    board = boards["thoracic"]
    before = list(board.quorum_specialties)
    login(admin)
    data = _settings(board)
    del data["quorum_specialties"]
    assert client.post("/boards/thoracic/settings", data=data).status_code == 302
    db.session.refresh(board)
    assert board.quorum_specialties == before


def test_the_settings_service_refuses_what_the_page_refuses(boards, secretary, member, make_user):
    board = boards["thoracic"]
    other_board_secretary = make_user("derm.secretary@example.org", {"dermatology": ["secretary"]})
    for user in (member, other_board_secretary):
        with pytest.raises(NotAllowed):
            services.update_settings(board, user, cutoff_hours=12)
    with pytest.raises(NotAllowed):
        services.update_settings(board, secretary, name="Renamed by a secretary")
    services.update_settings(board, secretary, cutoff_hours=12)
    assert board.cutoff_hours == 12 and board.name == "Thoracic oncology"


def test_completeness_requirements_are_saved_as_a_case_can_carry_them(client, admin, login, boards):
    """The case form takes approved symbols only: an alias is saved as its gene (HER2 is
    ERBB2), PDL1 is the PD-L1 item, and a word no case can carry is refused beside the field."""
    board = boards["thoracic"]
    login(admin)
    data = _settings(board, follow_up_months="3, 6, 12", turnaround_target_days="14")
    response = client.post("/boards/thoracic/settings", data=data | {"completeness_requirements": "HER2, PDL1, msi-h, egfr"})
    assert response.status_code == 302
    db.session.refresh(board)
    assert board.completeness_requirements == ["ERBB2", "PD-L1", "MSI", "EGFR"]

    response = client.post("/boards/thoracic/settings", data=data | {"completeness_requirements": "EGFR, NOTAGENE1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "“NOTAGENE1” is neither an approved gene symbol" in html
    assert 'value="EGFR, NOTAGENE1"' in html or "EGFR, NOTAGENE1</" in html  # kept as typed
    db.session.refresh(board)
    assert board.completeness_requirements == ["ERBB2", "PD-L1", "MSI", "EGFR"]


def test_a_cut_off_of_zero_hours_takes_cases_until_the_meeting_starts(client, secretary, login, boards):
    board = boards["thoracic"]
    login(secretary)
    assert client.post("/boards/thoracic/settings", data=_settings(board, cutoff_hours="0")).status_code == 302
    db.session.refresh(board)
    assert board.cutoff_hours == 0


def test_a_save_says_which_coming_meetings_it_cancelled_and_which_it_left_as_published(client, secretary, login,
                                                                                      boards):
    from mtb.meetings import cadence
    from mtb.meetings.models import MeetingStatus

    board = boards["thoracic"]
    cadence.generate_meetings(board)
    meetings = sorted(board_meetings := [m for m in _meetings(board) if m.status is MeetingStatus.SCHEDULED],
                      key=lambda m: m.starts_at)
    published = meetings[0]
    published.agenda_publications = 1
    db.session.commit()
    login(secretary)
    response = client.post("/boards/thoracic/settings", follow_redirects=True,
                           data=_settings(board, cadence_rrule="FREQ=WEEKLY;BYDAY=WE;BYHOUR=14;BYMINUTE=0"))
    html = response.get_data(as_text=True)
    cancelled = len(board_meetings) - 1
    assert f"{cancelled} coming meetings left the cadence and were cancelled" in html
    assert "meetings added to follow the cadence" in html
    assert "1 meeting with a published agenda was left as announced" in html
    db.session.refresh(published)
    assert published.status is MeetingStatus.SCHEDULED


def _meetings(board):
    import sqlalchemy as sa

    from mtb.meetings.models import Meeting
    return db.session.scalars(sa.select(Meeting).where(Meeting.board_id == board.id)).all()


def test_a_refused_save_by_a_secretary_shows_the_administrators_fields_as_text(client, secretary, login, boards):
    board = boards["thoracic"]
    board.completeness_requirements = ["EGFR", "ALK"]
    board.follow_up_months = [3, 6, 12]
    db.session.commit()
    login(secretary)
    data = {k: v for k, v in _settings(board, cadence_rrule="FREQ=WEEKLY;BYDAY=XX;BYHOUR=14;BYMINUTE=0").items()
            if k not in ("name", "quorum_specialties")}
    html = client.post("/boards/thoracic/settings", data=data).get_data(as_text=True)
    assert "BYDAY takes days" in html
    assert 'value="3, 6, 12"' in html and "EGFR, ALK" in html
    assert "[&#39;EGFR&#39;" not in html and "[3, 6, 12]" not in html


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.DOTALL)
    return match.group(1) if match else ""


@pytest.mark.parametrize("anchor", ["0001-01-01", "1999-12-31", "9999-12-31"])
def test_a_cadence_counted_from_an_implausible_day_is_refused_beside_the_field(client, secretary, login, boards,
                                                                                anchor):
    board = boards["thoracic"]
    login(secretary)
    response = client.post("/boards/thoracic/settings", data=_settings(
        board, cadence_anchor=anchor, cadence_rrule="FREQ=DAILY;BYHOUR=14;BYMINUTE=0"))
    assert response.status_code == 200
    assert "between 1 January 2000 and five years from today" in _field_error(response.get_data(as_text=True),
                                                                              "cadence_anchor")
    db.session.refresh(board)
    assert board.cadence_anchor == date(2026, 1, 6) and "BYDAY=TU" in board.cadence_rrule


def test_a_board_counted_from_before_2000_still_saves_its_other_settings(boards, secretary):
    board = boards["thoracic"]
    board.cadence_anchor = date(1999, 1, 5)
    db.session.commit()
    services.update_settings(board, secretary, cadence_anchor=date(1999, 1, 5), cutoff_hours=24, now=NOW)
    assert board.cutoff_hours == 24


def test_a_published_meeting_left_as_announced_is_named_when_the_settings_change(client, secretary, login, boards,
                                                                                create_case):
    from mtb.meetings import cadence
    from mtb.meetings import services as meetings

    board = boards["thoracic"]
    meeting = cadence.generate_meetings(board)[1]
    meetings.add_case(meeting, create_case().id, secretary, meeting.agenda_version)
    with client.application.test_request_context("/"):
        meetings.publish_agenda(meeting, secretary, meeting.agenda_version)
    db.session.commit()
    login(secretary)
    response = client.post("/boards/thoracic/settings", follow_redirects=True,
                           data=_settings(board, location="Room 3"))
    assert "1 meeting with a published agenda was left as announced" in response.get_data(as_text=True)
    db.session.refresh(meeting)
    assert meeting.location == "Pavilion B, room 2.14"


def test_saving_the_settings_keeps_the_room_a_secretary_moved_a_meeting_to(client, secretary, login, boards):
    from mtb.boards.cadence import utc_to_local
    from mtb.meetings import cadence

    board = boards["thoracic"]
    meeting = cadence.generate_meetings(board)[1]
    db.session.commit()
    local = utc_to_local(meeting.starts_at, board.timezone)
    login(secretary)
    assert client.post(f"/meetings/{meeting.id}/move", data={
        "date": local.date().isoformat(), "time": local.strftime("%H:%M"), "duration_minutes": "210",
        "location": "Amphi B, 3rd floor"}).status_code == 302
    # Later the cut-off changes: the moved meeting keeps its own room and length.
    assert client.post("/boards/thoracic/settings", data=_settings(board, cutoff_hours=24)).status_code == 302
    db.session.refresh(meeting)
    assert (meeting.location, meeting.duration_minutes, meeting.cutoff_hours) == ("Amphi B, 3rd floor", 210, 24)
