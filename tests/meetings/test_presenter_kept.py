"""A presenter chosen on the agenda stays chosen when their account is later disabled or
their role on the board removed: the builder shows them, marked, and saving the agenda for
another reason (moving a row, adding a case, publishing) keeps them. Choosing someone new
who is not on the board is still refused."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from mtb.accounts import services as accounts
from mtb.accounts.models import Role
from mtb.audit.models import AuditEvent
from mtb.boards import services as boards_service
from mtb.extensions import db
from mtb.meetings import services
from mtb.meetings.models import AgendaItem


def _browser_form(html: str) -> dict:
    """The agenda form as a browser posts it: each select's selected option, else its first."""
    data = dict(re.findall(r'<input type="hidden" name="(version|order)" value="([^"]*)"', html))
    data.update(re.findall(r'name="(minutes-\d+)" min="1" max="\d+" value="([^"]*)"', html))
    for name, body in re.findall(r'<select id="presenter-\d+" name="(presenter-\d+)"[^>]*>(.*?)</select>', html, re.DOTALL):
        chosen = re.search(r'<option value="([^"]*)" selected', body) or re.search(r'<option value="([^"]*)"', body)
        data[name] = chosen.group(1)
    return data


@pytest.fixture
def agenda_with_presenter(make_user, secretary, create_meeting, create_case):
    """A meeting of two cases; the first presented by Dr Presenter, a member of the board."""
    presenter = make_user("onco@example.org", {"thoracic": ["member"]}, name="Dr Presenter")
    meeting = create_meeting()
    for case in (create_case(), create_case()):
        services.add_case(meeting, case.id, secretary, meeting.agenda_version)
    db.session.commit()
    first, second = meeting.items
    services.update_item(meeting, first.id, secretary, meeting.agenda_version, minutes=15,
                         presenter_id=str(presenter.id))
    db.session.commit()
    return meeting, first, second, presenter


def _item_changes() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "agenda.item"))


def _disable(presenter) -> None:
    presenter.active = False  # left the hospital
    db.session.commit()


def _remove_role(presenter) -> None:
    accounts.revoke_role(presenter, boards_service.get_board("thoracic"), Role.MEMBER)
    db.session.commit()


@pytest.mark.parametrize("leaves", [_disable, _remove_role], ids=["account disabled", "role removed"])
def test_moving_another_row_keeps_a_presenter_who_left_the_board(
        leaves, client, login, secretary, agenda_with_presenter):
    meeting, first, second, presenter = agenda_with_presenter
    leaves(presenter)
    changes = _item_changes()
    login(secretary)
    html = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    # The secretary sees who presents the case, and why they are not in the list.
    assert f'<option value="{presenter.id}" selected>Dr Presenter (no longer on the board)</option>' in html
    data = _browser_form(html)
    data["act"] = f"up:{second.id}"
    response = client.post(f"/meetings/{meeting.id}/agenda/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(AgendaItem, first.id).presenter_id == presenter.id
    assert _item_changes() == changes  # nothing recorded as changed by the secretary
    assert "Saved." not in client.get(response.headers["Location"]).get_data(as_text=True)


def test_publishing_keeps_a_presenter_who_left_the_board(client, login, secretary, agenda_with_presenter):
    meeting, first, _second, presenter = agenda_with_presenter
    _disable(presenter)
    login(secretary)
    data = _browser_form(client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True))
    data["act"] = "publish"
    assert client.post(f"/meetings/{meeting.id}/agenda/edit", data=data).status_code == 302
    db.session.expire_all()
    item = db.session.get(AgendaItem, first.id)
    assert item.presenter_id == presenter.id and item.published_presenter_id == presenter.id


def test_choosing_someone_new_who_is_not_on_the_board_is_still_refused(
        client, login, secretary, make_user, agenda_with_presenter):
    meeting, _first, second, _presenter = agenda_with_presenter
    gone = make_user("gone@example.org", {"thoracic": ["member"]}, name="Dr Gone", active=False)
    login(secretary)
    data = _browser_form(client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True))
    data.update({f"presenter-{second.id}": str(gone.id), "act": "save"})
    response = client.post(f"/meetings/{meeting.id}/agenda/edit", data=data)
    assert response.status_code == 422
    assert "The presenter must be one of the board&#39;s clinicians or members." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AgendaItem, second.id).presenter_id is None


def test_former_presenters_are_listed_on_their_own_rows_only(
        client, login, secretary, make_user, agenda_with_presenter):
    meeting, _first, second, presenter = agenda_with_presenter
    for n in range(20):  # the board's other people: listed once, in the shared <template>
        make_user(roles={"thoracic": ["member"]}, name=f"Dr Member {n}")
    _disable(presenter)
    login(secretary)
    html = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert html.count("(no longer on the board)") == 1
    shared = re.search(r'<template id="presenter-options">(.*?)</template>', html, re.DOTALL).group(1)
    assert "Dr Presenter" not in shared and shared.count("<option") >= 20
    row = re.search(rf'<select id="presenter-{second.id}".*?</select>', html, re.DOTALL).group(0)
    assert "Dr Presenter" not in row


def test_changing_the_minutes_keeps_a_presenter_who_left_the_board(client, login, secretary, agenda_with_presenter):
    meeting, first, _second, presenter = agenda_with_presenter
    _disable(presenter)
    login(secretary)
    data = _browser_form(client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True))
    data.update({f"minutes-{first.id}": "20", "act": "save"})
    assert client.post(f"/meetings/{meeting.id}/agenda/edit", data=data).status_code == 302
    db.session.expire_all()
    item = db.session.get(AgendaItem, first.id)
    assert (item.minutes, item.presenter_id) == (20, presenter.id)
