"""The session page's attendance rows are kept per worker between views (mtb.fragments,
keyed by all a row prints): a tick, a specialty, a renamed member or the meeting's start
shows on the next view."""

from __future__ import annotations

import re

from mtb.accounts.models import User
from mtb.decisions.session import start_meeting
from mtb.extensions import db


def _row(html: str, user) -> str:
    return re.search(rf'<tr>\s*<td><input type="checkbox" name="present" value="{user.id}".*?</tr>', html, re.S).group(0)


def test_ticks_specialties_and_names_show_on_the_next_view(client, login, team, in_session):
    member, biologist = team["member"], team["biologist"]
    login(team["secretary"])
    page = f"/meetings/{in_session.id}/session"
    html = client.get(page).get_data(as_text=True)
    assert "checked" not in _row(html, member) and "disabled" not in _row(html, member)
    response = client.post(f"/meetings/{in_session.id}/attendance", data={
        "present": [str(member.id), str(biologist.id)], f"specialty-{member.id}": "radiology"})
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "checked" in _row(html, member) and '<option value="radiology" selected>' in _row(html, member)
    assert "checked" in _row(html, biologist)
    db.session.get(User, member.id).full_name = "Dr Renamed Pathologist"
    db.session.commit()
    html = client.get(page).get_data(as_text=True)
    assert '>Dr Renamed Pathologist</label>' in _row(html, member)
    assert "Specialty of Dr Renamed Pathologist" in _row(html, member)


def test_rows_before_the_start_are_disabled_and_enabled_once_it_starts(client, login, team, started_meeting):
    meeting = started_meeting(n_cases=1)
    login(team["secretary"])
    page = f"/meetings/{meeting.id}/session"
    assert "disabled" in _row(client.get(page).get_data(as_text=True), team["member"])
    start_meeting(meeting, team["secretary"])
    db.session.commit()
    assert "disabled" not in _row(client.get(page).get_data(as_text=True), team["member"])
