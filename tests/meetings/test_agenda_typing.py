"""The agenda builder keeps what the secretary typed: minutes typed on one row survive
pressing ↑, ↓, Remove or Add on another (the agenda is one form, saved before the button's
action), and the keyboard focus comes back to the button that was used."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mtb.extensions import db
from mtb.meetings import services
from mtb.meetings.models import AgendaItem


def _agenda(create_meeting, create_case, secretary, n=3):
    meeting = create_meeting()
    cases = [create_case() for _ in range(n)]
    for case in cases:
        services.add_case(meeting, case.id, secretary, meeting.agenda_version)
    db.session.commit()
    return meeting, cases


def _minutes(meeting):
    db.session.expire_all()
    return {item.case_id: item.minutes for item in db.session.scalars(
        sa.select(AgendaItem).where(AgendaItem.meeting_id == meeting.id))}


def test_moving_a_row_saves_the_minutes_typed_on_every_row_first(client, login, secretary, create_meeting, create_case):
    meeting, (a, b, c) = _agenda(create_meeting, create_case, secretary)
    first, second, third = meeting.items
    login(secretary)
    response = client.post(f"/meetings/{meeting.id}/agenda/edit", data={
        "version": meeting.agenda_version, "act": f"up:{third.id}",
        f"minutes-{first.id}": "10", f"minutes-{second.id}": "25", f"minutes-{third.id}": "10",
        f"presenter-{first.id}": "", f"presenter-{second.id}": "", f"presenter-{third.id}": "",
    })
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#item-{third.id}")
    assert _minutes(meeting)[b.id] == 25
    db.session.refresh(meeting)
    assert [item.case_id for item in meeting.items] == [a.id, c.id, b.id]


def test_a_refused_row_shows_every_typed_value_again_and_saves_nothing(client, login, secretary, create_meeting, create_case):
    meeting, (a, b, c) = _agenda(create_meeting, create_case, secretary)
    first, second, third = meeting.items
    login(secretary)
    response = client.post(f"/meetings/{meeting.id}/agenda/edit", data={
        "version": meeting.agenda_version, "act": f"remove:{third.id}",
        f"minutes-{first.id}": "17", f"minutes-{second.id}": "999", f"minutes-{third.id}": "10",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="minutes-{first.id}" name="minutes-{first.id}" min="1" max="240" value="17"' in html
    assert 'value="999" aria-invalid="true"' in html and "Enter between 1 and 240 minutes." in html
    assert set(_minutes(meeting)) == {a.id, b.id, c.id} and _minutes(meeting)[a.id] == 10


def test_a_row_half_typed_can_still_be_taken_off_the_agenda(client, login, secretary, create_meeting, create_case):
    meeting, (a, b, c) = _agenda(create_meeting, create_case, secretary)
    first, second, third = meeting.items
    login(secretary)
    response = client.post(f"/meetings/{meeting.id}/agenda/edit", data={
        "version": meeting.agenda_version, "act": f"remove:{second.id}",
        f"minutes-{first.id}": "15", f"minutes-{second.id}": "abc", f"minutes-{third.id}": "10",
    })
    assert response.status_code == 302
    assert _minutes(meeting) == {a.id: 15, c.id: 10}


def test_a_colleagues_change_meanwhile_shows_theirs_and_keeps_what_was_typed(
        client, login, secretary, create_meeting, create_case):
    meeting, (a, b, c) = _agenda(create_meeting, create_case, secretary)
    first, second, third = meeting.items
    seen = meeting.agenda_version
    services.update_item(meeting, first.id, secretary, seen, minutes=15, presenter_id=None)  # another tab, another secretary
    db.session.commit()
    login(secretary)
    response = client.post(f"/meetings/{meeting.id}/agenda/edit", data={
        "version": seen, "act": "save",
        f"minutes-{first.id}": "10", f"minutes-{second.id}": "37", f"minutes-{third.id}": "10",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f'name="minutes-{second.id}" min="1" max="240" value="37"' in html  # typed, not lost
    assert "data-unsaved-initial" in html  # and marked as not saved yet
    assert _minutes(meeting) == {a.id: 15, b.id: 10, c.id: 10}  # nothing of the refused form saved


def test_adding_a_pool_case_keeps_typed_minutes(client, login, secretary, create_meeting, create_case):
    meeting, (a, b) = _agenda(create_meeting, create_case, secretary, n=2)
    waiting = create_case()
    first, second = meeting.items
    login(secretary)
    response = client.post(f"/meetings/{meeting.id}/agenda/edit", data={
        "version": meeting.agenda_version, "act": f"add:{waiting.id}", f"minutes-{first.id}": "30",
    })
    assert response.status_code == 302
    assert _minutes(meeting) == {a.id: 30, b.id: 10, waiting.id: 10}


def _focused_label(page, expected):
    """The accessible name of the focused control, once the page's script has restored it."""
    page.wait_for_function("label => document.activeElement && document.activeElement.getAttribute('aria-label') === label",
                           arg=expected, timeout=3000)
    return page.evaluate("document.activeElement.getAttribute('aria-label')")


@pytest.mark.browser
def test_typed_minutes_survive_the_arrows_and_focus_stays_on_the_moved_row(
        page, browser_login, secretary, create_meeting, create_case):
    meeting, (a, b, c) = _agenda(create_meeting, create_case, secretary)
    browser_login(page, secretary.email)
    page.goto(f"/meetings/{meeting.id}/agenda")
    second = page.locator(".agenda-item").nth(1)
    second.get_by_label("Minutes allotted").fill("25")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Move {c.reference} up").click()
    assert page.locator(".agenda-item .ref").all_inner_texts() == [a.reference, c.reference, b.reference]
    assert page.locator(".agenda-item").nth(2).get_by_label("Minutes allotted").input_value() == "25"
    assert _focused_label(page, f"Move {c.reference} up") == f"Move {c.reference} up"
    assert _minutes(meeting)[b.id] == 25

    # Pressing ↑ until the row is first: ↑ is then disabled, the focus goes to its ↓.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".agenda-item .ref").all_inner_texts() == [c.reference, a.reference, b.reference]
    assert _focused_label(page, f"Move {c.reference} down") == f"Move {c.reference} down"
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the keyboard user goes on from there
    assert page.locator(".agenda-item .ref").all_inner_texts() == [a.reference, c.reference, b.reference]
