"""The admin's account pages and the users CLI."""

import sqlalchemy as sa

from mtb.accounts.models import Role, User
from mtb.extensions import db
from tests.fixtures.people import PASSWORD


def _form(boards, **overrides):
    data = {"email": "new.doctor@example.org", "full_name": "Dr New Doctor", "specialty": "pathology",
            "password": "a long enough password", "active": "y"}
    data.update(overrides)
    return data


def test_admin_creates_account_with_board_roles(client, admin, login, boards):
    login(admin)
    thoracic = boards["thoracic"]
    data = _form(boards, **{f"role-{thoracic.id}-member": "1", f"role-{thoracic.id}-chair": "1"})
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "new.doctor@example.org"))
    assert user.roles_on(thoracic.id) == {Role.MEMBER, Role.CHAIR}
    assert user.specialty.value == "pathology"
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": "a long enough password"}).status_code == 302


def test_an_internal_domain_is_a_valid_address_for_a_new_account(client, admin, login, boards):
    login(admin)
    assert client.post("/admin/users/new", data=_form(boards, email="jdoe@chu.local")).status_code == 302
    assert db.session.scalar(sa.select(User).where(User.email == "jdoe@chu.local")) is not None
    body = client.post("/admin/users/new", data=_form(boards, email="jdoe at chu.local")).get_data(as_text=True)
    assert "Enter an e-mail address such as j.doe@hospital.org (an internal domain such as chu.local is accepted)." \
        in body


def test_duplicate_email_is_refused_next_to_the_field(client, admin, login, boards, clinician):
    login(admin)
    response = client.post("/admin/users/new", data=_form(boards, email=clinician.email, full_name="Typed Name"))
    body = response.get_data(as_text=True)
    assert "already exists" in body
    assert 'value="Typed Name"' in body


def test_admin_revokes_a_role_and_disables_account(client, admin, login, boards, clinician):
    login(admin)
    response = client.post(f"/admin/users/{clinician.id}", data={
        "email": clinician.email, "full_name": clinician.full_name, "specialty": "",
    })
    assert response.status_code == 302
    user = db.session.get(User, clinician.id)
    assert user.roles == [] and not user.active


def test_an_administrator_cannot_give_a_directory_account_a_local_password(client, admin, login, make_user):
    from mtb.accounts.external import NO_PASSWORD
    from mtb.accounts.models import LDAP

    person = make_user("dir.person@hospital.test", name="Dr Dir Person")
    person.auth_source, person.external_id, person.password_hash = LDAP, "entry-1", NO_PASSWORD
    db.session.commit()
    login(admin)
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert 'name="password"' not in page and "directory checks this person" in page
    response = client.post(f"/admin/users/{person.id}", data={
        "email": person.email, "full_name": person.full_name, "active": "y", "password": "a long enough password"})
    assert response.status_code == 200
    assert "which checks its password: MTB keeps none for it." in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.password_hash == NO_PASSWORD


def test_non_admin_cannot_open_admin_pages(client, secretary, login):
    login(secretary)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_admin_reads_the_audit_trail(client, admin, login):
    login(admin)
    body = client.get("/admin/audit").get_data(as_text=True)
    assert "login.success" in body


def test_cli_creates_user_and_grants_roles(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "cli@example.org", "--name", "Dr Cli",
                                 "--password", PASSWORD, "--role", "paediatric:secretary"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "grant", "cli@example.org", "dermatology:member"])
    assert result.exit_code == 0, result.output
    assert "dermatology:member" in result.output and "paediatric:secretary" in result.output
    result = runner.invoke(args=["users", "grant", "cli@example.org", "nowhere:member"])
    assert result.exit_code != 0 and "no board" in result.output


def test_audit_trail_names_people_and_cases_and_filters_by_them(client, admin, login, clinician, create_case):
    case = create_case()
    client.post("/login", data={"email": clinician.email, "password": PASSWORD})
    client.get(f"/cases/{case.id}")
    client.post("/logout")
    login(admin)
    body = client.get("/admin/audit?who=clinician&text=" + case.reference).get_data(as_text=True)
    assert "case.view" in body and case.reference in body and "Dr Claire Dubois" in body
    assert "login.success" not in body  # the admin's own login is filtered out by person and case
    assert "case.view" not in client.get("/admin/audit?who=nobody-such").get_data(as_text=True)


def test_disabling_an_account_is_audited_with_what_changed(client, admin, login, clinician):
    from mtb.audit.models import AuditEvent

    login(admin)
    client.post(f"/admin/users/{clinician.id}", data={"email": clinician.email, "full_name": clinician.full_name})
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.update")).one()
    assert event.details["active"] == "False"


def test_an_administrator_who_sets_their_own_password_stays_signed_in(client, admin, login):
    login(admin)
    response = client.post(f"/admin/users/{admin.id}", data={
        "email": admin.email, "full_name": admin.full_name, "specialty": "", "active": "y", "is_admin": "y",
        "password": "a brand new long password"})
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200  # not sent back to the sign-in page


def test_roles_that_follow_the_directory_are_shown_but_not_changed_on_the_admin_page(app, client, admin, login,
                                                                                   make_user, boards, monkeypatch):
    import re

    from mtb.accounts.models import LDAP

    monkeypatch.setitem(app.config, "DIRECTORY_ROLE_MAP", "thoracic:secretary=cn=mtb-tho-secr,ou=groups,dc=h")
    person = make_user("ldap.person@hospital.test", {"thoracic": ["clinician"]})
    person.auth_source, person.external_id = LDAP, "uuid-1"
    db.session.commit()
    thoracic = boards["thoracic"].id
    login(admin)
    html = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="role-%d-secretary"[^>]*>' % thoracic, html)[0]
    assert "disabled" in box and "they follow the person's directory groups" in html
    response = client.post(f"/admin/users/{person.id}", data={
        "email": person.email, "full_name": person.full_name, "specialty": "", "active": "y",
        f"role-{thoracic}-secretary": "1", f"role-{thoracic}-clinician": "1", f"role-{thoracic}-member": "1"})
    assert response.status_code == 302
    db.session.refresh(person)
    assert {r.role.value for r in person.roles} == {"clinician", "member"}  # the mapped role untouched
