"""Attendance ticked on the session page but not saved is never thrown away: the page's
script sends it along with the other form the secretary submits (a decision, a deferral,
closing, a validation), and the server records it first, so the quorum counts the ticks."""

from __future__ import annotations

from html import unescape

import pytest
import sqlalchemy as sa

from mtb.decisions import services
from mtb.decisions.attendance import record_attendance
from mtb.decisions.models import Attendance, Decision
from mtb.decisions.queries import latest_decision
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from tests.decisions.helpers import form_post, targeted


def _carried(*users) -> dict:
    return {"attendance-carried": "1", "present": [str(u.id) for u in users]}


def test_decision_saved_with_unsaved_ticks_records_the_attendance_and_is_quorate(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    login(team["secretary"])
    data = form_post("EGFR L858R: osimertinib.", [targeted(item.case)])
    data.update(_carried(team["chair"], team["member"], team["biologist"]))
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=data)
    assert response.status_code == 302
    present = set(db.session.scalars(sa.select(Attendance.user_id)))
    assert present == {team["chair"].id, team["member"].id, team["biologist"].id}
    decision = db.session.scalar(sa.select(Decision))
    assert decision.quorum_met and decision.quorum_missing == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Attendance saved." in page and "saved as a draft" in page


def test_decision_refused_for_its_fields_still_saves_the_ticks_sent_along(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    login(team["secretary"])
    data = form_post("", [targeted(item.case)])  # no summary: refused
    data.update(_carried(team["chair"], team["member"]))
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=data)
    assert response.status_code == 200
    assert db.session.scalar(sa.select(Decision)) is None
    assert set(db.session.scalars(sa.select(Attendance.user_id))) == {team["chair"].id, team["member"].id}


def test_refused_attendance_sent_along_keeps_the_ticks_on_the_page_and_saves_nothing(client, login, team, started_meeting, make_user):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    stranger = make_user("stranger@example.org", {"paediatric": ["member"]})
    login(team["secretary"])
    data = form_post("Discussed.", [targeted(item.case)])
    data.update(_carried(team["chair"], stranger))
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Only members of the board can be recorded as present." in html
    assert f'id="present-{team["chair"].id}" checked' in html and "data-unsaved-initial" in html
    assert db.session.scalar(sa.select(Decision)) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


@pytest.mark.parametrize("action", ["defer", "close"])
def test_deferring_or_closing_with_unsaved_ticks_records_them(client, login, team, started_meeting, action):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION, n_cases=1)
    item = meeting.items[0]
    login(team["secretary"])
    if action == "defer":
        url, data = f"/meetings/{meeting.id}/items/{item.id}/defer", {"defer-note": "Out of time"}
    else:
        client.post(f"/meetings/{meeting.id}/items/{item.id}/defer", data={"defer-note": ""})
        url, data = f"/meetings/{meeting.id}/session/close", {}
    data.update(_carried(team["chair"]))
    assert client.post(url, data=data).status_code == 302
    assert set(db.session.scalars(sa.select(Attendance.user_id))) == {team["chair"].id}


def test_session_page_warns_before_a_decision_is_saved_without_any_attendance(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    login(team["secretary"])
    html = client.get(f"/meetings/{meeting.id}/session").get_data(as_text=True)
    assert "No member is recorded as present yet" in html


@pytest.mark.browser
def test_ticked_attendance_counts_when_the_secretary_saves_the_decision_without_saving_attendance(
        page, browser_login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    browser_login(page, "secretary@example.org")
    page.goto(f"/meetings/{meeting.id}/session")
    for name in ("Pr Henri Laurent", "Dr Marie Petit", "Dr Léa Garnier"):
        page.get_by_label(name, exact=True).check()
    # No "Save attendance": straight to the decision.
    page.get_by_label("Discussion summary").fill("EGFR L858R: osimertinib first line.")
    page.locator("#recommendations-0-kind").select_option("standard_of_care")
    page.get_by_role("button", name="Save decision").click()
    page.get_by_text("saved as a draft").wait_for()
    assert page.get_by_text("Attendance saved.").is_visible()
    assert page.get_by_role("heading", name="Quorum met").is_visible()
    assert not page.get_by_text("Without quorum").count()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 3
    assert db.session.scalar(sa.select(Decision)).quorum_met


@pytest.mark.browser
def test_a_refused_decision_leaves_the_session_address_in_the_bar_and_reload_does_not_post_again(
        page, browser_login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    browser_login(page, "secretary@example.org")
    page.goto(f"/meetings/{meeting.id}/session?item={item.id}")
    page.locator("#recommendations-0-kind").select_option("standard_of_care")
    page.get_by_role("button", name="Save decision").click()  # no summary: refused
    page.get_by_text("The decision was not saved.").wait_for()
    # mtb.js puts the page's own address back once the page has loaded.
    page.wait_for_url(f"**/meetings/{meeting.id}/session?item={item.id}")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.reload()
    page.get_by_role("heading", name="Decision").wait_for()
    assert posts == []


def test_the_attendance_form_refused_comes_back_with_its_ticks(client, login, team, started_meeting, make_user):
    """A colleague whose role on the board ended after the page was opened: the whole table
    comes back as ticked, with the message, and nothing is saved."""
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    stranger = make_user("former.member@example.org", {"paediatric": ["member"]})
    login(team["secretary"])
    response = client.post(f"/meetings/{meeting.id}/attendance", data={
        "present": [str(team["chair"].id), str(stranger.id)], "item": str(meeting.items[1].id)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Only members of the board can be recorded as present." in html
    assert f'id="present-{team["chair"].id}" checked' in html and "data-unsaved-initial" in html
    assert "Case 2 of 2" in html  # the case the page showed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_editing_a_draft_with_attendance_ticked_alongside_is_not_a_conflict(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    record_attendance(meeting, team["secretary"], {team["chair"].id: None, team["member"].id: None})
    draft = services.save_draft(item, team["secretary"], "First text", [targeted(item.case)])
    db.session.commit()
    login(team["secretary"])
    # The biologist arrives: ticked on the page, sent along with the edited draft (the page's script).
    data = form_post("Edited text", [targeted(item.case)], row_version=str(draft.row_version))
    data.update(_carried(team["chair"], team["member"], team["biologist"]))
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=data)
    assert response.status_code == 302, response.status_code
    db.session.expire_all()
    saved = latest_decision(item)
    assert saved.summary == "Edited text" and saved.quorum_met


def test_a_draft_changed_meanwhile_is_still_a_conflict_when_ticks_are_sent_along(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    draft = services.save_draft(item, team["secretary"], "First text", [targeted(item.case)])
    db.session.commit()
    stale = str(draft.row_version)
    services.save_draft(item, team["chair"], "Chair's edit", [targeted(item.case)], row_version=draft.row_version)
    db.session.commit()
    login(team["secretary"])
    data = form_post("Secretary's edit", [targeted(item.case)], row_version=stale)
    data.update(_carried(team["chair"], team["member"]))
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=data)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "Secretary's edit" in html and "Chair's edit" in html
    db.session.expire_all()
    assert latest_decision(item).summary == "Chair's edit"


def test_attendance_saved_meanwhile_does_not_make_an_open_decision_form_a_conflict(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    draft = services.save_draft(item, team["secretary"], "First text", [targeted(item.case)])
    db.session.commit()
    opened = str(draft.row_version)  # the chair's form is open with this version
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    db.session.commit()
    db.session.refresh(draft)
    assert draft.quorum_met  # the draft's quorum follows attendance...
    login(team["chair"])
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision",
                           data=form_post("Chair's text", [targeted(item.case)], row_version=opened))
    assert response.status_code == 302  # ... without counting as someone else's edit
    db.session.expire_all()
    assert latest_decision(item).summary == "Chair's text"


@pytest.mark.parametrize("lost", ["account disabled", "role removed"])
def test_a_member_who_sat_and_then_left_the_board_stays_recorded_and_listed(client, login, team, started_meeting,
                                                                            make_user, lost):
    """An account disabled (or a directory group changed) before the minutes: the session
    page listed active members only, so the next save of the attendance dropped them unseen,
    and the draft's quorum with them."""
    from mtb.accounts.models import BoardRole

    meeting = started_meeting(n_cases=1, status=MeetingStatus.IN_SESSION)
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    services.save_draft(meeting.items[0], team["secretary"], "x", [targeted(meeting.items[0].case)])
    if lost == "account disabled":
        team["member"].active = False
    else:
        db.session.execute(sa.delete(BoardRole).where(BoardRole.user_id == team["member"].id))
    db.session.commit()
    late = make_user("late@example.org", {"thoracic": ["member"]}, name="Dr Late Arrival")
    login(team["secretary"])
    page = client.get(f"/meetings/{meeting.id}/session").get_data(as_text=True)
    assert f'id="present-{team["member"].id}" checked' in page and "Dr Late Arrival" in page
    present = [str(u.id) for u in (team["chair"], team["member"], team["biologist"], late)]
    assert client.post(f"/meetings/{meeting.id}/attendance", data={"present": present}).status_code == 302
    recorded = set(db.session.scalars(sa.select(Attendance.user_id).where(Attendance.meeting_id == meeting.id)))
    assert recorded == {int(i) for i in present}
    assert latest_decision(meeting.items[0]).quorum_met
