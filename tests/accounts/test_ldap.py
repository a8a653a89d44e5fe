"""Signing in against a real OpenLDAP slapd set up like Active Directory (StartTLS with a
test CA, a service account, AD's disabled flag, an MTB group): accounts made at the first
sign-in without roles, refusals audited, sessions ended when the directory says so."""

from __future__ import annotations

import sqlalchemy as sa

from mtb.accounts import directory, external
from mtb.accounts.models import LDAP, DirectorySession, Role, User
from mtb.audit.models import AuditEvent
from mtb.extensions import db
from mtb.vocab import Specialty
from tests.fixtures.directory import LDAP_PASSWORD, PEOPLE, SIGN_IN_GROUP, THORACIC_SECRETARIES
from tests.fixtures.people import PASSWORD


def _login(client, login, password=LDAP_PASSWORD):
    return client.post("/login", data={"email": login, "password": password})


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def _user(email) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_first_sign_in_creates_the_account_without_any_board_role(client, ldap_directory):
    response = _login(client, "amartin")
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    assert client.get("/").status_code == 200
    user = _user("alice.martin@hospital.test")
    assert (user.auth_source, user.full_name, user.specialty) == (LDAP, "Dr Alice Martin", Specialty.PATHOLOGY)
    assert len(user.external_id) == 36  # entryUUID, stable when the person moves in the tree
    assert user.roles == [] and not user.is_admin
    assert user.password_hash == external.NO_PASSWORD
    created, = _events("user.create")
    assert created.object_id == user.id and created.details == {"source": "ldap"}
    assert _events("login.success")[-1].details == {"via": "ldap"}
    assert db.session.scalar(sa.select(DirectorySession).where(DirectorySession.user_id == user.id)).source == LDAP


def test_the_next_sign_in_finds_the_account_with_the_roles_an_admin_gave(client, ldap_directory, boards):
    assert _login(client, "bdurand").status_code == 302
    client.post("/logout")
    user = _user("bruno.durand@hospital.test")
    from mtb.accounts import services

    services.grant_role(user, boards["thoracic"], Role.MEMBER)
    db.session.commit()
    assert _login(client, "BDurand").status_code == 302  # logins are not case-sensitive in AD
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert user.roles_on(boards["thoracic"].id) == {Role.MEMBER}
    assert user.specialty == Specialty.MEDICAL_ONCOLOGY
    assert "Thoracic oncology" in client.get("/").get_data(as_text=True)


def test_a_windows_login_with_its_domain_is_the_account_name(app, client, ldap_directory, monkeypatch):
    assert _login(client, "HOSPITAL\\amartin").status_code == 302
    assert _user("alice.martin@hospital.test").auth_source == LDAP
    # A directory that finds people by e-mail is sent what was typed.
    monkeypatch.setitem(app.config, "LDAP_USER_FILTER", "(mail={login})")
    assert directory.login_name("HOSPITAL\\amartin") == "HOSPITAL\\amartin"


def test_a_login_with_made_up_domains_is_slowed_down_as_the_account_it_binds_as(app, client, ldap_directory):
    """"A\\B\\bdurand" was counted under "B\\bdurand" and bound as bdurand: a fresh count for
    each made-up prefix."""
    assert directory.login_name("A\\B\\bdurand") == "bdurand"
    for n in range(app.config["LOGIN_FREE_ATTEMPTS"]):
        _login(client, f"A\\P{n}\\bdurand", "not the password")
    assert _login(client, "X\\Y\\bdurand", "not the password").status_code == 429


def test_right_directory_passwords_leave_no_count_on_the_address(app, client, ldap_directory, monkeypatch):
    """Every try is counted before the directory answers; a right one is taken back from the
    address's count too (a success does not clear it): a ward behind one address is never
    slowed down by its own sign-ins."""
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_FREE_ATTEMPTS", 2)
    for _ in range(4):
        with app.test_client() as fresh:  # no device cookie: a new browser each time
            assert _login(fresh, "amartin").status_code == 302


def test_a_wrong_password_or_an_unknown_login_is_refused_and_audited(client, ldap_directory):
    body = _login(client, "amartin", "not the password").get_data(as_text=True)
    assert "Wrong username or password." in body
    assert _login(client, "nobody", "whatever it is").get_data(as_text=True).count("Wrong username or password.") == 1
    assert client.get("/").status_code == 302
    assert len(_events("login.failed")) == 2
    assert all(e.details["via"] == "ldap" and "login" in e.details for e in _events("login.failed"))
    assert _user("alice.martin@hospital.test") is None


def test_failed_directory_logins_count_and_are_audited_for_the_account_however_spelt(app, client, ldap_directory):
    assert _login(client, "bdurand").status_code == 302
    client.post("/logout")
    bruno = _user("bruno.durand@hospital.test")
    stranger = app.test_client()
    for n in range(app.config["LOGIN_FREE_ATTEMPTS"]):
        # Full-width letters and capitals: the directory takes each for bdurand.
        assert _login(stranger, ("ｂdurand", "BDURAND", "ｂｄｕｒａｎｄ")[n % 3], "a wrong guess").status_code == 200
    assert [(e.user_id, e.object_id) for e in _events("login.failed")] == [(bruno.id, bruno.id)] * 5
    assert _login(stranger, "bdurand").status_code == 429  # one account, one slow-down


def test_a_disabled_account_or_someone_outside_the_group_cannot_sign_in(client, ldap_directory):
    for login, reason in (("cdisabled", "disabled in the directory"), ("doutside", "not in the sign-in group")):
        body = _login(client, login).get_data(as_text=True)
        assert "Your hospital account may not sign in to MTB" in body
        assert _events("login.directory_refused")[-1].details["reason"] == reason
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_filters_and_binds_cannot_be_tricked(app, ldap_directory):
    for login in ("*", "amartin)(uid=*", "*)(|(sAMAccountName=*"):
        assert directory.authenticate(login, LDAP_PASSWORD).outcome == directory.Outcome.WRONG
    # An empty password would be an anonymous bind, which LDAP servers accept.
    assert directory.authenticate("amartin", "").outcome == directory.Outcome.WRONG
    assert directory.authenticate("amartin", LDAP_PASSWORD).outcome == directory.Outcome.OK


def test_the_servers_certificate_is_checked(app, client, ldap_directory, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_CA_FILE", ldap_directory.rogue_ca_file)
    body = _login(client, "amartin").get_data(as_text=True)
    assert "The hospital directory cannot be reached" in body
    assert _events("login.directory_unavailable")
    # And the name: the certificate is for 127.0.0.1 and localhost, not 127.0.0.2.
    monkeypatch.setitem(app.config, "LDAP_CA_FILE", ldap_directory.ca_file)
    assert directory.authenticate("amartin", LDAP_PASSWORD).outcome == directory.Outcome.OK
    monkeypatch.setitem(app.config, "LDAP_URL", ldap_directory.other_url)
    assert directory.authenticate("amartin", LDAP_PASSWORD).outcome == directory.Outcome.UNAVAILABLE


def test_ldaps_works_as_well_as_starttls(app, client, ldap_directory, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_URL", ldap_directory.ldaps_url)
    monkeypatch.setitem(app.config, "LDAP_START_TLS", False)
    external.check_settings(app.config)
    assert _login(client, "evincent").status_code == 302
    monkeypatch.setitem(app.config, "LDAP_CA_FILE", ldap_directory.rogue_ca_file)
    assert directory.authenticate("evincent", LDAP_PASSWORD).outcome == directory.Outcome.UNAVAILABLE


def test_passwords_never_travel_in_clear(app, ldap_directory, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_START_TLS", False)
    assert directory.authenticate("amartin", LDAP_PASSWORD).outcome == directory.Outcome.UNAVAILABLE
    try:
        external.check_settings(app.config)
    except ValueError as error:
        assert "clear" in str(error)
    else:
        raise AssertionError("plain LDAP accepted")


def test_without_a_service_account_it_binds_through_the_dn_template(app, client, ldap_directory, monkeypatch):
    for key in ("LDAP_SERVICE_DN", "LDAP_SERVICE_PASSWORD"):
        monkeypatch.setitem(app.config, key, "")
    monkeypatch.setitem(app.config, "LDAP_BIND_DN_TEMPLATE", f"uid={{login}},{PEOPLE}")
    monkeypatch.setitem(app.config, "LDAP_USER_FILTER", "(uid={login})")
    assert "Wrong username or password." in _login(client, "evincent", "nope nope").get_data(as_text=True)
    assert "may not sign in" in _login(client, "cdisabled").get_data(as_text=True)
    assert _login(client, "evincent").status_code == 302
    assert _user("emma.vincent@hospital.test").auth_source == LDAP


def test_directory_groups_can_carry_board_roles(app, client, ldap_directory, boards, monkeypatch):
    monkeypatch.setitem(app.config, "DIRECTORY_ROLE_MAP",
                        f"thoracic:secretary={THORACIC_SECRETARIES.upper()}; thoracic:member={THORACIC_SECRETARIES}")
    assert _login(client, "amartin").status_code == 302
    user = _user("alice.martin@hospital.test")
    assert user.roles_on(boards["thoracic"].id) == {Role.SECRETARY, Role.MEMBER}
    granted = _events("role.grant")
    assert [(e.user_id, e.object_id) for e in granted] == [(user.id, user.id)] * 2
    assert {e.details["source"] for e in granted} == {"directory role map"}
    assert {e.details["via"] for e in granted} == {"ldap"}
    from mtb.accounts import services

    services.grant_role(user, boards["dermatology"], Role.CLINICIAN)  # not in the map: MTB's own
    db.session.commit()
    client.post("/logout")
    ldap_directory.remove_from_group("amartin", THORACIC_SECRETARIES)
    assert _login(client, "amartin").status_code == 302
    assert user.roles_on(boards["thoracic"].id) == set()
    assert user.roles_on(boards["dermatology"].id) == {Role.CLINICIAN}
    assert {e.details["role"] for e in _events("role.revoke")} == {"secretary", "member"}
    assert {(e.user_id, e.details["source"]) for e in _events("role.revoke")} == {(user.id, "directory role map")}


def test_a_mapped_group_is_asked_about_as_configured_though_compared_without_case(app, client, ldap_directory,
                                                                                 boards, monkeypatch):
    from tests.fixtures.directory import GROUPS

    group = f"cn=MTB-Straße,{GROUPS}"  # casefolded, "ß" becomes "ss": another DN to LDAP
    admin = ldap_directory.admin()
    try:
        assert admin.add(group, ["groupOfNames"], {"cn": "MTB-Straße", "member": [ldap_directory.dn("amartin")]})
        monkeypatch.setitem(app.config, "DIRECTORY_ROLE_MAP", f"thoracic:member={group}")
        assert _login(client, "amartin").status_code == 302
        assert _user("alice.martin@hospital.test").roles_on(boards["thoracic"].id) == {Role.MEMBER}
    finally:
        admin.delete(group)
        admin.unbind()


def test_a_local_account_with_the_same_e_mail_is_taken_over_with_its_roles(client, ldap_directory, make_user, boards):
    local = make_user("alice.martin@hospital.test", {"thoracic": ["clinician"]}, name="A. Martin")
    assert _login(client, "amartin").status_code == 302
    db.session.refresh(local)
    assert (local.auth_source, local.full_name) == (LDAP, "Dr Alice Martin")
    assert local.roles_on(boards["thoracic"].id) == {Role.CLINICIAN}
    assert _events("user.linked")[0].object_id == local.id
    client.post("/logout")
    # The old local password no longer opens the account: the directory decides now.
    assert _login(client, "alice.martin@hospital.test", PASSWORD).status_code == 200


def test_a_taken_over_account_keeps_no_local_password_even_made_an_administrator(client, ldap_directory, make_user):
    local = make_user("alice.martin@hospital.test", {"thoracic": ["clinician"]})
    assert _login(client, "amartin").status_code == 302
    client.post("/logout")
    db.session.refresh(local)
    assert local.password_hash == external.NO_PASSWORD
    local.is_admin = True  # an administrator later makes her one
    db.session.commit()
    assert _login(client, local.email, PASSWORD).status_code == 200
    assert client.get("/").status_code == 302


def test_disabling_the_account_in_the_directory_ends_its_sessions(app, client, ldap_directory, monkeypatch):
    assert _login(client, "amartin").status_code == 302
    other = app.test_client()
    assert _login(other, "amartin").status_code == 302
    ldap_directory.disable("amartin")
    assert client.get("/").status_code == 200  # not asked again before DIRECTORY_RECHECK_MINUTES
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    response = client.get("/", follow_redirects=True)
    assert response.request.path == "/login"
    assert "may no longer sign in to MTB" in response.get_data(as_text=True)
    ended, = _events("session.directory_ended")
    assert ended.details == {"via": "ldap", "reason": "disabled in the directory"}
    assert other.get("/").status_code == 302  # every session of the account ended
    assert "may not sign in" in _login(client, "amartin").get_data(as_text=True)


def test_a_directory_session_left_by_a_disabled_account_does_not_reach_the_next_person(app, client, ldap_directory,
                                                                                     make_user, monkeypatch):
    assert _login(client, "amartin").status_code == 302
    alice = _user("alice.martin@hospital.test")
    alice.active = False  # an administrator disables her account in MTB
    db.session.commit()
    assert client.get("/").status_code == 302
    with client.session_transaction() as browser_session:
        assert "directory" not in browser_session and "_user_id" not in browser_session
    clinician = make_user("local.clinician@hospital.test", {"thoracic": ["clinician"]})
    assert _login(client, clinician.email, PASSWORD).status_code == 302
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    assert client.get("/").status_code == 200  # not signed out over Alice's directory session


def test_signing_in_starts_from_a_clean_session(client, ldap_directory, make_user):
    clinician = make_user("local.clinician@hospital.test", {"thoracic": ["clinician"]})
    with client.session_transaction() as browser_session:
        browser_session["directory"] = {"id": "left-behind", "checked": 0}
        browser_session["login_next"] = "/somewhere"
    assert _login(client, clinician.email, PASSWORD).status_code == 302
    with client.session_transaction() as browser_session:
        assert "directory" not in browser_session and "login_next" not in browser_session


def test_removal_from_the_group_ends_the_session_too(app, client, ldap_directory, monkeypatch):
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    assert _login(client, "bdurand").status_code == 302
    assert client.get("/").status_code == 200
    ldap_directory.remove_from_group("bdurand", SIGN_IN_GROUP)
    assert client.get("/").status_code == 302
    assert _events("session.directory_ended")[0].details["reason"] == "not in the sign-in group"


def test_an_unreachable_directory_does_not_sign_everyone_out(app, client, ldap_directory, monkeypatch):
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    assert _login(client, "bdurand").status_code == 302
    monkeypatch.setitem(app.config, "LDAP_URL", "ldap://127.0.0.1:9")  # nothing listens there
    assert client.get("/").status_code == 200
    assert _events("session.directory_ended") == []


def test_break_glass_admins_keep_their_local_password(app, client, ldap_directory, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOCAL_PASSWORDS", "admins")
    admin = make_user("breakglass@hospital.test", admin=True)
    clinician = make_user("local.clinician@hospital.test", {"thoracic": ["clinician"]})
    monkeypatch.setitem(app.config, "LDAP_URL", "ldap://127.0.0.1:9")  # even with the directory down
    assert "cannot be reached" in _login(client, clinician.email, PASSWORD).get_data(as_text=True)
    assert _login(client, admin.email, PASSWORD).status_code == 302


def test_the_login_page_and_password_page_speak_of_the_directory(client, ldap_directory):
    assert "Username or e-mail" in client.get("/login").get_data(as_text=True)
    _login(client, "amartin")
    body = client.get("/account/password").get_data(as_text=True)
    assert "You sign in with your hospital account" in body and "current_password" not in body


def test_settings_are_checked_at_start(app):
    config = dict(app.config)
    for bad in ({"LOCAL_PASSWORDS": "nobody"}, {"DIRECTORY_ROLE_MAP": "thoracic=cn=x"},
                {"DIRECTORY_ROLE_MAP": "thoracic:boss=cn=x"},
                {"LDAP_URL": "ldaps://dc.hospital.test", "LDAP_USER_SEARCH_BASE": PEOPLE},
                {"OIDC_ISSUER": "https://sso.hospital.test"}, {"OIDC_ISSUER": "http://sso.hospital.test",
                                                              "OIDC_CLIENT_ID": "mtb"}):
        try:
            external.check_settings({**config, **bad})
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")
    assert external.parse_role_map("thoracic:secretary = CN=Secr, OU=Groups ;dermatology:chair=Derm chairs\n") == [
        ("thoracic", Role.SECRETARY, "cn=secr,ou=groups"), ("dermatology", Role.CHAIR, "derm chairs")]


def test_the_ldap_settings_can_be_tried_from_the_command_line(app, ldap_directory, monkeypatch):
    monkeypatch.setitem(app.config, "DIRECTORY_ROLE_MAP", f"thoracic:secretary={THORACIC_SECRETARIES}")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "check-ldap", "amartin", "--password", LDAP_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "e-mail: alice.martin@hospital.test" in result.output and "mapped roles: thoracic:secretary" in result.output
    assert "specialty: pathology (Pathologist)" in result.output
    result = runner.invoke(args=["users", "check-ldap", "cdisabled", "--password", LDAP_PASSWORD])
    assert result.exit_code == 1 and "disabled in the directory" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
