"""Two administrators on the same account: the one who saves a page opened earlier saves
only what they changed on it. What the other saved meanwhile (a role, a disabled account)
is kept; where both changed the same field, nothing is saved and the page says so,
keeping what was typed."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from mtb.accounts import services as accounts
from mtb.accounts.models import BoardRole, Role, User
from mtb.audit.models import AuditEvent
from mtb.extensions import db


class _Form(HTMLParser):
    """The fields of a page's form as a browser posts them (ticked boxes, chosen options)."""

    def __init__(self):
        super().__init__()
        self.data, self._select = {}, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and "disabled" not in a:
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.data[a["name"]] = a.get("value") or ("y" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = a["name"]
            self.data.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def page_form(client, url) -> dict:
    parser = _Form()
    parser.feed(client.get(url).get_data(as_text=True))
    return {name: value for name, value in parser.data.items() if name not in ("csrf_token", "next", "locale")}


def _roles(person) -> set[tuple[str, str]]:
    return {(r.board.slug, r.role.value) for r in db.session.scalars(
        sa.select(BoardRole).where(BoardRole.user_id == person.id))}


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.fixture
def person(make_user):
    return make_user("p@example.org", {"thoracic": ["member"]}, name="Dr P")


def test_a_role_granted_meanwhile_is_kept_when_a_page_opened_earlier_is_saved(
        client, login, admin, person, boards):
    login(admin)
    url = f"/admin/users/{person.id}"
    stale = page_form(client, url)
    accounts.grant_role(person, boards["paediatric"], Role.SECRETARY)  # another administrator, meanwhile
    db.session.commit()
    stale["full_name"] = "Dr P. Person"  # the first one only corrects the name
    response = client.post(url, data=stale)
    assert response.status_code == 302
    assert "Someone else had changed it meanwhile: their changes are kept." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, person.id).full_name == "Dr P. Person"
    assert _roles(person) == {("thoracic", "member"), ("paediatric", "secretary")}
    assert _events("role.revoke") == []
    update, = _events("user.update")  # audited as before, by the administrator who saved
    assert update.details == {"full_name": "Dr P. Person"} and update.user_id == admin.id


def test_an_account_disabled_meanwhile_stays_disabled_when_a_page_opened_earlier_is_saved(
        client, login, admin, person):
    login(admin)
    url = f"/admin/users/{person.id}"
    stale = page_form(client, url)
    assert stale["active"] == "y"
    accounts.update_user(person, full_name=person.full_name, active=False, is_admin=False, specialty=None)
    db.session.commit()
    stale["full_name"] = "Dr P. Person"
    assert client.post(url, data=stale).status_code == 302
    db.session.expire_all()
    saved = db.session.get(User, person.id)
    assert (saved.full_name, saved.active) == ("Dr P. Person", False)


def test_roles_changed_on_a_page_opened_earlier_are_still_applied(client, login, admin, person, boards):
    login(admin)
    url = f"/admin/users/{person.id}"
    stale = page_form(client, url)
    accounts.grant_role(person, boards["paediatric"], Role.SECRETARY)
    db.session.commit()
    del stale[f"role-{boards['thoracic'].id}-member"]  # the first administrator moves the member role
    stale[f"role-{boards['dermatology'].id}-member"] = "1"
    assert client.post(url, data=stale).status_code == 302
    assert _roles(person) == {("dermatology", "member"), ("paediatric", "secretary")}
    revoked, = _events("role.revoke")
    assert revoked.user_id == admin.id and revoked.board_id == boards["thoracic"].id


def test_a_name_both_changed_is_not_saved_and_the_page_keeps_what_was_typed(client, login, admin, person, boards):
    login(admin)
    url = f"/admin/users/{person.id}"
    stale = page_form(client, url)
    accounts.update_user(person, full_name="Dr Paula P", active=True, is_admin=False, specialty=None)
    accounts.grant_role(person, boards["paediatric"], Role.SECRETARY)
    db.session.commit()
    stale.update({"full_name": "Dr P. Person", f"role-{boards['dermatology'].id}-chair": "1",
                  "password": "a brand new long password"})
    response = client.post(url, data=stale)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this account while you were editing it." in html
    assert "Changed meanwhile by someone else to: Dr Paula P." in html
    assert "Not saved yet: type the new password again." in html
    again = _Form()
    again.feed(html)
    # What this administrator typed, with the other's role, ready to be saved again.
    assert again.data["full_name"] == "Dr P. Person"
    assert again.data[f"role-{boards['dermatology'].id}-chair"] and again.data[f"role-{boards['paediatric'].id}-secretary"]
    db.session.expire_all()
    assert db.session.get(User, person.id).full_name == "Dr Paula P"  # nothing saved
    assert ("dermatology", "chair") not in _roles(person)
    # Saving the page shown now replaces the name and keeps both roles.
    answer = {name: value for name, value in again.data.items() if name not in ("csrf_token", "next", "locale")}
    assert client.post(url, data=answer).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).full_name == "Dr P. Person"
    assert _roles(person) == {("thoracic", "member"), ("paediatric", "secretary"), ("dermatology", "chair")}


def test_the_same_change_made_by_both_is_no_conflict(client, login, admin, person):
    login(admin)
    url = f"/admin/users/{person.id}"
    stale = page_form(client, url)
    accounts.update_user(person, full_name="Dr P. Person", active=False, is_admin=False, specialty=None)
    db.session.commit()
    stale["full_name"] = "Dr P. Person"
    del stale["active"]
    assert client.post(url, data=stale).status_code == 302
    db.session.expire_all()
    assert (db.session.get(User, person.id).full_name, db.session.get(User, person.id).active) == ("Dr P. Person", False)


@pytest.mark.parametrize("shown", ["", "garbage", "eyJmdWxsX25hbWUiOjF9", "W10=", "é"])
def test_an_unreadable_record_of_the_page_saves_the_form_as_typed(client, login, admin, person, shown):
    login(admin)
    response = client.post(f"/admin/users/{person.id}", data={
        "email": person.email, "full_name": "Dr P. Person", "specialty": "", "shown": shown})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(User, person.id)
    assert (saved.full_name, saved.active, saved.roles) == ("Dr P. Person", False, [])


def test_a_specialty_both_changed_names_the_other_one_in_words(client, login, admin, person):
    login(admin)
    url = f"/admin/users/{person.id}"
    stale = page_form(client, url)
    accounts.update_user(person, full_name=person.full_name, active=True, is_admin=False, specialty="pathology")
    db.session.commit()
    stale["specialty"] = "genetics"
    response = client.post(url, data=stale)
    assert response.status_code == 409
    assert "Changed meanwhile by someone else to: Pathologist." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, person.id).specialty.value == "pathology"
