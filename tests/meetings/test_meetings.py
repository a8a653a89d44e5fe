"""A board's meetings: the list, extra meetings, moving and cancelling, home and case panels."""

from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from mtb import signals
from mtb.boards.cadence import utc_to_local
from mtb.cases.models import CaseStatus
from mtb.db import utcnow
from mtb.errors import InvalidInput, NotAllowed
from mtb.extensions import db
from mtb.meetings import cadence, lifecycle, panels, services
from mtb.meetings.models import Meeting, MeetingStatus
from mtb.meetings.pool import pool
from mtb.notifications.models import NotificationKind, OutboxMessage
from tests.fixtures.meetings import NOW


def mails(kind):
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)).all()


def test_board_meetings_lists_upcoming_and_past_with_secretary_actions(client, login, secretary, member, create_meeting, boards):
    cadence.generate_meetings(boards["thoracic"])
    create_meeting(starts_at=utcnow() - timedelta(days=7), status=MeetingStatus.SIGNED)
    db.session.commit()
    login(member)
    html = client.get("/boards/thoracic/meetings").get_data(as_text=True)
    assert "Upcoming" in html and "minutes signed" in html and "Build agenda" not in html
    client.post("/logout")
    login(secretary)
    html = client.get("/boards/thoracic/meetings").get_data(as_text=True)
    assert "Build agenda" in html and "Add an extra meeting" in html and "Cancel" in html


def test_board_meetings_page_uses_constant_queries(client, login, secretary, boards, create_case, query_counter):
    login(secretary)
    board = boards["thoracic"]
    cadence.generate_meetings(board, weeks=2)
    db.session.commit()
    client.get("/boards/thoracic/meetings")
    with query_counter() as few:
        client.get("/boards/thoracic/meetings")
    cadence.generate_meetings(board, weeks=8)
    for meeting in db.session.scalars(sa.select(Meeting)).all()[:3]:
        services.new_item(meeting, create_case())
    db.session.commit()
    with query_counter() as many:
        client.get("/boards/thoracic/meetings")
    assert len(many) == len(few)


def test_clinician_of_another_board_cannot_see_the_meetings(client, login, make_user):
    login(make_user(roles={"dermatology": ["clinician"]}))
    assert client.get("/boards/thoracic/meetings").status_code == 403
    assert client.get("/boards/nowhere/meetings").status_code == 404


def test_secretary_adds_an_extra_meeting(client, login, secretary):
    login(secretary)
    day = (utcnow() + timedelta(days=10)).date()
    response = client.post("/boards/thoracic/meetings/new", data={
        "date": day.isoformat(), "time": "08:15", "duration_minutes": "45", "location": "Room 9", "video_link": ""})
    assert response.status_code == 302
    meeting = db.session.scalar(sa.select(Meeting))
    assert meeting.occurrence_at is None and meeting.duration_minutes == 45
    assert utc_to_local(meeting.starts_at, "Europe/Paris") == datetime.combine(day, time(8, 15))


def test_extra_meeting_in_the_past_is_refused_and_the_form_kept(client, login, secretary):
    login(secretary)
    response = client.post("/boards/thoracic/meetings/new", data={
        "date": "2020-01-07", "time": "14:00", "duration_minutes": "60", "location": "Room kept", "video_link": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "in the past" in html
    assert 'value="Room kept"' in html and 'value="2020-01-07"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 0


def test_a_time_skipped_by_the_clock_change_is_refused(boards, secretary):
    with pytest.raises(InvalidInput, match="does not exist"):
        lifecycle.add_extra_meeting(boards["thoracic"], secretary, day=date(2027, 3, 28), at=time(2, 30),
                                   duration_minutes=60, now=NOW)


def test_moving_a_meeting_bumps_the_sequence_and_tells_attendees(boards, create_case, secretary, member):
    meeting = cadence.generate_meetings(boards["thoracic"], NOW)[1]
    case = create_case()
    services.add_case(meeting, case.id, secretary, meeting.agenda_version, now=NOW)
    db.session.commit()
    lifecycle.move_meeting(meeting, secretary, day=date(2027, 3, 11), at=time(9, 0), duration_minutes=60,
                          location="Room 4", now=NOW)
    db.session.commit()
    assert meeting.starts_at == datetime(2027, 3, 11, 8, 0) and meeting.ical_sequence == 1
    assert meeting.occurrence_at == datetime(2027, 3, 9, 13, 0)
    told = {m.to_address for m in mails(NotificationKind.MEETING_MOVED)}
    assert {member.email, secretary.email, case.submitter.email} <= told
    with pytest.raises(InvalidInput, match="past"):
        lifecycle.move_meeting(meeting, secretary, day=date(2027, 2, 1), at=time(9, 0), duration_minutes=60, now=NOW)


def test_cancelling_returns_cases_to_the_pool_and_tells_everyone(client, login, secretary, member, create_meeting, create_case):
    meeting = create_meeting()
    case = create_case()
    deferred = create_case(status="deferred")
    services.add_case(meeting, case.id, secretary, meeting.agenda_version)
    services.add_case(meeting, deferred.id, secretary, meeting.agenda_version)
    db.session.commit()
    login(secretary)
    response = client.post(f"/meetings/{meeting.id}/cancel", data={"reason": ""})
    assert response.status_code == 200 and "Say why" in response.get_data(as_text=True)
    response = client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "Congress week"})
    assert response.status_code == 302
    db.session.refresh(meeting)
    db.session.refresh(case)
    db.session.refresh(deferred)
    assert meeting.status is MeetingStatus.CANCELLED and meeting.ical_sequence == 1 and meeting.items == []
    assert case.status is CaseStatus.SUBMITTED and deferred.status is CaseStatus.DEFERRED
    assert {c.id for c in pool(meeting.board_id)} == {case.id, deferred.id}
    returned = mails(NotificationKind.CASE_RETURNED_TO_POOL)
    assert len(returned) == 2 and all("Congress week" in m.body for m in returned)
    assert member.email in {m.to_address for m in mails(NotificationKind.MEETING_CANCELLED)}


def test_home_shows_next_meetings_of_my_boards(client, login, member, create_meeting, create_case, secretary):
    meeting = create_meeting()
    create_meeting(board="dermatology")
    services.add_case(meeting, create_case().id, secretary, meeting.agenda_version)
    db.session.commit()
    section = panels.next_meetings(member)
    assert [m.id for m in section.context["meetings"]] == [meeting.id] and section.context["counts"][meeting.id] == 1
    login(member)
    html = client.get("/").get_data(as_text=True)
    assert "Next meetings of my boards" in html and "Thoracic oncology" in html and "not yet published" in html


def test_case_panel_shows_the_meeting_and_position(app, create_meeting, create_case, secretary, clinician, client, login):
    meeting = create_meeting()
    first, second = create_case(), create_case()
    services.add_case(meeting, first.id, secretary, meeting.agenda_version)
    services.add_case(meeting, second.id, secretary, meeting.agenda_version)
    db.session.commit()
    panel = panels.case_meetings(second, clinician)
    assert panel.context["agenda_items"][0].meeting_id == meeting.id and panel.context["agenda_items"][0].position == 2
    login(clinician)
    from mtb.panels import render_panel

    with app.test_request_context():
        html = render_panel(panel)
    assert "number 2 of 2" in html


def test_agenda_pages_use_constant_queries_as_cases_are_added(client, login, secretary, create_meeting, create_case,
                                                              query_counter):
    meeting = create_meeting()
    for _ in range(2):
        services.new_item(meeting, create_case())
    meeting.agenda_publications = 1
    db.session.commit()
    login(secretary)
    counts = {}
    for size in ("few", "many"):
        if size == "many":
            for _ in range(10):
                services.new_item(meeting, create_case())
            db.session.commit()
        for path in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/agenda"):
            client.get(path)
            with query_counter() as statements:
                assert client.get(path).status_code == 200
            counts[(size, path)] = len(statements)
    for path in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/agenda"):
        assert counts[("many", path)] == counts[("few", path)], path


def test_only_the_boards_secretaries_add_move_or_cancel_meetings_even_through_the_services(
        boards, create_meeting, member, make_user):
    meeting = create_meeting()
    other_board_secretary = make_user("derm.secretary@example.org", {"dermatology": ["secretary"]})
    for user in (member, other_board_secretary):
        with pytest.raises(NotAllowed, match="secretary of the board"):
            lifecycle.add_extra_meeting(boards["thoracic"], user, day=date(2027, 3, 10), at=time(9, 0),
                                        duration_minutes=60, now=NOW)
        with pytest.raises(NotAllowed):
            lifecycle.move_meeting(meeting, user, day=date(2027, 3, 10), at=time(9, 0), duration_minutes=60, now=NOW)
        with pytest.raises(NotAllowed):
            lifecycle.cancel_meeting(meeting, user, "No room")
    assert meeting.is_scheduled and meeting.ical_sequence == 0


def test_the_cases_part_learns_each_cases_next_meeting_by_asking(boards, create_case, secretary):
    meetings = cadence.generate_meetings(boards["thoracic"], NOW)
    on_agenda, waiting, draft = create_case(), create_case(), create_case(status="draft")
    services.add_case(meetings[1], on_agenda.id, secretary, meetings[1].agenda_version, now=NOW)
    answers = {}
    for _receiver, answer in signals.upcoming_meetings_wanted.send(None, cases=[on_agenda, waiting, draft], now=NOW):
        answers.update(answer)
    assert answers == {on_agenda.id: (meetings[1], False), waiting.id: (meetings[0], True)}


def test_meeting_statuses_have_one_set_of_words(create_meeting):
    assert [s.label for s in MeetingStatus] == [
        "scheduled", "agenda published", "in session", "closed", "minutes signed", "cancelled"]
    assert create_meeting(status=MeetingStatus.SIGNED).status_label == "minutes signed"
