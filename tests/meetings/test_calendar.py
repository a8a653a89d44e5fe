"""Calendar files: one .ics per meeting, and a private feed per user."""

from datetime import datetime, timedelta

from icalendar import Calendar

from mtb.accounts import services as accounts
from mtb.extensions import db
from mtb.meetings import cadence, lifecycle, services
from mtb.meetings.models import MeetingStatus


def events(data: bytes):
    return [c for c in Calendar.from_ical(data).walk("VEVENT")]


def test_meeting_ics_has_stable_uid_utc_times_and_no_patient_data(client, login, member, secretary, create_meeting, create_case):
    meeting = create_meeting(starts_at=datetime(2030, 3, 5, 13, 0))
    services.add_case(meeting, create_case().id, secretary, meeting.agenda_version)
    db.session.commit()
    login(member)
    response = client.get(f"/meetings/{meeting.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    [event] = events(response.data)
    assert str(event["uid"]) == f"meeting-{meeting.id}@mtb.calendar"
    assert event.decoded("dtstart") == datetime(2030, 3, 5, 13, 0, tzinfo=event.decoded("dtstart").tzinfo)
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=120)
    assert "Thoracic oncology" in str(event["summary"]) and "Agenda not yet published." in str(event["description"])
    text = response.data.decode()
    assert "Jeanne Martin" not in text and "IPP0012345" not in text and "1961" not in text
    services.publish_agenda(meeting, secretary, meeting.agenda_version)
    db.session.commit()
    [event] = events(client.get(f"/meetings/{meeting.id}.ics").data)
    assert "1 case on the agenda." in str(event["description"])


def test_event_uids_do_not_follow_base_url(app, client, login, member, create_meeting):
    meeting = create_meeting()
    login(member)
    first = str(events(client.get(f"/meetings/{meeting.id}.ics").data)[0]["uid"])
    base_url = app.config["BASE_URL"]
    app.config["BASE_URL"] = "https://mtb.hospital.example"
    try:
        moved = events(client.get(f"/meetings/{meeting.id}.ics").data)[0]
    finally:
        app.config["BASE_URL"] = base_url
    assert str(moved["uid"]) == first == f"meeting-{meeting.id}@mtb.calendar"
    assert str(moved["url"]).startswith("https://mtb.hospital.example/meetings/")
    app.config["CALENDAR_UID_DOMAIN"] = "mtb.chu-example.fr"
    try:
        configured = events(client.get(f"/meetings/{meeting.id}.ics").data)[0]
    finally:
        del app.config["CALENDAR_UID_DOMAIN"]
    assert str(configured["uid"]) == f"meeting-{meeting.id}@mtb.chu-example.fr"


def test_private_feed_follows_moves_and_cancellations_without_login(client, member, boards):
    meetings = cadence.generate_meetings(boards["thoracic"])
    token = accounts.calendar_token(member)
    db.session.commit()
    before = {str(e["uid"]): e for e in events(client.get(f"/calendar/{token}.ics").data)}
    assert len(before) == 8 and all(int(e["sequence"]) == 0 for e in before.values())

    lifecycle.cancel_meeting(meetings[0], None, "Holiday")
    db.session.commit()
    after = {str(e["uid"]): e for e in events(client.get(f"/calendar/{token}.ics").data)}
    cancelled = after[f"meeting-{meetings[0].id}@mtb.calendar"]
    assert str(cancelled["status"]) == "CANCELLED" and int(cancelled["sequence"]) == 1


def test_rotating_the_token_revokes_the_old_feed_link(client, login, member):
    old = accounts.calendar_token(member)
    db.session.commit()
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    login(member)
    assert client.post("/account/calendar").status_code == 302
    db.session.refresh(member)
    assert member.calendar_token != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{member.calendar_token}.ics").status_code == 200
    html = client.get("/account/notifications").get_data(as_text=True)
    assert f"http://mtb.test/calendar/{member.calendar_token}.ics" in html


def test_feed_of_a_disabled_account_is_gone(client, member):
    token = accounts.calendar_token(member)
    member.active = False
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get("/calendar/not-a-real-token-at-all-xxxxxxxx.ics").status_code == 404


def test_feed_lists_only_my_boards(client, member, create_meeting):
    mine = create_meeting()
    create_meeting(board="dermatology")
    token = accounts.calendar_token(member)
    db.session.commit()
    uids = [str(e["uid"]) for e in events(client.get(f"/calendar/{token}.ics").data)]
    assert uids == [f"meeting-{mine.id}@mtb.calendar"]
    assert mine.status is MeetingStatus.SCHEDULED


def test_a_meetings_files_are_named_by_its_day_on_the_boards_clock(client, login, member, create_meeting):
    """00:30 in Paris on 2 December is 23:30 UTC on the 1st: the files said the 1st."""
    from datetime import datetime

    meeting = create_meeting("thoracic", datetime(2026, 12, 1, 23, 30))
    login(member)
    response = client.get(f"/meetings/{meeting.id}.ics")
    assert 'filename="mtb-thoracic-20261202.ics"' in response.headers["Content-Disposition"]


def test_the_private_feed_is_in_the_owners_language_not_the_calendar_apps(client, member, create_meeting):
    create_meeting()
    member.locale = "fr"
    token = accounts.calendar_token(member)
    db.session.commit()
    data = client.get(f"/calendar/{token}.ics", headers={"Accept-Language": "en-GB,en;q=0.9"}).data
    assert str(Calendar.from_ical(data)["x-wr-calname"]) == "Réunions RCP"
    [event] = events(data)
    assert str(event["description"]).startswith("Ordre du jour pas encore publié.")
