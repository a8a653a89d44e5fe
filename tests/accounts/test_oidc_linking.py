"""Who a hospital identity may become, and how long a group keeps it signed in: an e-mail
the provider does not vouch for never joins an existing account, a site administrator's
account is never joined by e-mail, and someone removed from the sign-in group loses the
session even when the provider leaves the empty groups claim out (Keycloak, Entra ID)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import request

from mtb.accounts.external import NO_PASSWORD
from mtb.accounts.models import LDAP, LOCAL, OIDC, User
from mtb.audit.models import AuditEvent
from mtb.extensions import db
from tests.accounts.test_oidc import _sign_in
from tests.fixtures.people import PASSWORD


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def _accounts(email) -> list[User]:
    return db.session.scalars(sa.select(User).where(User.email == email)).all()


@pytest.fixture
def unverified(oidc_provider, monkeypatch):
    """The provider sends the e-mail without email_verified, as Entra ID does."""
    original = oidc_provider.user_info

    def user_info(person, scope):
        info = original(person, scope)
        info.pop("email_verified", None)
        return info

    monkeypatch.setattr(oidc_provider, "user_info", user_info)
    return oidc_provider


@pytest.fixture
def denies_verification(oidc_provider, monkeypatch):
    """The provider says the e-mail is not verified (email_verified: false)."""
    original = oidc_provider.user_info

    def user_info(person, scope):
        info = original(person, scope)
        if "email" in info:
            info["email_verified"] = False
        return info

    monkeypatch.setattr(oidc_provider, "user_info", user_info)
    return oidc_provider


@pytest.fixture
def omits_empty_groups(oidc_provider, monkeypatch):
    """The provider leaves an empty groups claim out, as Keycloak and Entra ID do."""
    original = oidc_provider.user_info

    def user_info(person, scope):
        info = original(person, scope)
        if not info.get("groups"):
            info.pop("groups")
        return info

    monkeypatch.setattr(oidc_provider, "user_info", user_info)
    return oidc_provider


# -- joining an existing account by e-mail ------------------------------------------------


def test_an_unverified_e_mail_does_not_take_over_a_local_account(client, unverified, make_user, boards):
    local = make_user("hugo.outsider@hospital.test", {"thoracic": ["clinician"]})
    response = _sign_in(client, unverified, "houtside")
    assert response.status_code == 403
    assert ("An account already uses the e-mail address hugo.outsider@hospital.test, and your hospital sign-in "
            "does not confirm that this address is yours.") in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    db.session.refresh(local)
    assert (local.auth_source, local.external_id) == (LOCAL, None)
    assert _accounts("hugo.outsider@hospital.test") == [local]  # no second account with the e-mail either
    details = _events("login.directory_conflict")[0].details
    assert {"via": "oidc", "reason": "e-mail not verified", "external_id": unverified.people["houtside"].sub}.items() \
        <= details.items()
    assert _events("user.linked") == []


def test_an_administrator_links_the_refused_sign_in_after_checking_and_it_then_opens_the_account(
        app, client, unverified, make_user, boards, login):
    local = make_user("hugo.outsider@hospital.test", {"thoracic": ["clinician"]}, name="Hugo Outsider")
    admin = make_user("admin@hospital.test", admin=True)
    assert _sign_in(client, unverified, "houtside").status_code == 403
    sub = unverified.people["houtside"].sub

    login(admin)
    page = client.get(f"/admin/users/{local.id}").get_data(as_text=True)
    assert "Hospital sign-ins waiting to be linked" in page and sub in page
    assert client.post(f"/admin/users/{local.id}/link", data={"event": "999999"}).status_code == 302
    assert "can no longer be linked" in client.get(f"/admin/users/{local.id}").get_data(as_text=True)
    event = _events("login.directory_conflict")[0]
    response = client.post(f"/admin/users/{local.id}/link", data={"event": str(event.id)})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "now signs in through the hospital&#39;s directory (OpenID Connect); roles kept." in page
    assert "Hospital sign-ins waiting to be linked" not in page
    db.session.refresh(local)
    assert (local.auth_source, local.external_id) == (OIDC, sub)
    assert local.password_hash == NO_PASSWORD  # the local password does not lie dormant
    linked = _events("user.linked")
    assert [(e.object_id, e.user_id) for e in linked] == [(local.id, admin.id)]
    assert linked[0].details["external_id"] == sub and linked[0].details["refused_event"] == event.id

    person = app.test_client()  # Hugo, on his own computer
    assert _sign_in(person, unverified, "houtside").status_code == 302
    assert person.get("/").status_code == 200
    assert _accounts("hugo.outsider@hospital.test") == [local] and local.roles_on(boards["thoracic"].id)


def test_an_administrators_account_is_never_offered_for_linking(client, unverified, make_user, login):
    chief = make_user("hugo.outsider@hospital.test", admin=True)
    assert _sign_in(client, unverified, "houtside").status_code == 403
    login(make_user("other.admin@hospital.test", admin=True))
    assert "waiting to be linked" not in client.get(f"/admin/users/{chief.id}").get_data(as_text=True)
    event = _events("login.directory_conflict")[0]
    client.post(f"/admin/users/{chief.id}/link", data={"event": str(event.id)})
    db.session.refresh(chief)
    assert chief.auth_source == LOCAL


def test_an_unverified_e_mail_never_becomes_the_site_administrator(client, unverified, make_user):
    admin = make_user("chief@hospital.test", admin=True)
    unverified.people["houtside"].email = "chief@hospital.test"
    assert _sign_in(client, unverified, "houtside").status_code == 403
    assert client.get("/admin/users").status_code == 302  # to the login page: nobody signed in
    db.session.refresh(admin)
    assert admin.auth_source == LOCAL


def test_a_verified_e_mail_takes_over_a_local_account_with_its_roles(client, oidc_provider, make_user, boards):
    local = make_user("hugo.outsider@hospital.test", {"thoracic": ["clinician"]})
    assert _sign_in(client, oidc_provider, "houtside").status_code == 302
    db.session.refresh(local)
    assert (local.auth_source, local.external_id) == (OIDC, oidc_provider.people["houtside"].sub)
    assert local.roles_on(boards["thoracic"].id)
    assert _events("user.linked")[0].object_id == local.id


def test_even_a_verified_e_mail_does_not_take_over_an_administrator_account(client, oidc_provider, make_user):
    admin = make_user("hugo.outsider@hospital.test", admin=True)
    response = _sign_in(client, oidc_provider, "houtside")
    assert response.status_code == 403
    assert ("The e-mail address hugo.outsider@hospital.test belongs to a site administrator&#39;s account, which "
            "a hospital sign-in never takes over.") in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.auth_source == LOCAL
    assert {"via": "oidc", "reason": "administrator account"}.items() <= _events("login.directory_conflict")[0].details.items()
    # The administrator's own break-glass password still opens it.
    assert client.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 302


def test_without_email_verified_a_first_sign_in_still_creates_the_account(client, unverified):
    assert _sign_in(client, unverified, "houtside").status_code == 302
    user, = _accounts("hugo.outsider@hospital.test")
    assert (user.auth_source, user.external_id) == (OIDC, unverified.people["houtside"].sub)
    client.post("/logout")
    assert _sign_in(client, unverified, "houtside").status_code == 302  # found by its id, not its e-mail


def test_email_verified_false_only_keeps_the_e_mail_from_joining_an_account(client, denies_verification,
                                                                            make_user):
    assert _sign_in(client, denies_verification, "fnoel").status_code == 302  # a brand-new account
    client.post("/logout")
    assert _sign_in(client, denies_verification, "fnoel").status_code == 302  # found by its "sub"
    client.post("/logout")
    local = make_user("hugo.outsider@hospital.test")
    response = _sign_in(client, denies_verification, "houtside")
    assert response.status_code == 403 and "does not confirm that this address is yours" in response.get_data(
        as_text=True)
    db.session.refresh(local)
    assert local.auth_source == LOCAL
    assert _events("login.oidc_refused") == []


def test_an_unverified_e_mail_does_not_join_an_account_from_ldap(client, unverified, ldap_directory):
    from tests.fixtures.directory import LDAP_PASSWORD
    from tests.fixtures.oidc_provider import Person

    assert client.post("/login", data={"email": "amartin", "password": LDAP_PASSWORD}).status_code == 302
    client.post("/logout")
    unverified.people["intruder"] = Person("intruder", "Someone Else", "alice.martin@hospital.test")
    assert _sign_in(client, unverified, "intruder").status_code == 403
    assert client.get("/").status_code == 302
    assert _accounts("alice.martin@hospital.test")[0].auth_source == LDAP


def test_an_ldap_sign_in_does_not_take_over_an_administrator_account(client, ldap_directory, make_user):
    from tests.fixtures.directory import LDAP_PASSWORD

    admin = make_user("alice.martin@hospital.test", admin=True)
    response = client.post("/login", data={"email": "amartin", "password": LDAP_PASSWORD})
    assert "belongs to a site administrator" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    db.session.refresh(admin)
    assert admin.auth_source == LOCAL
    assert {"via": "ldap", "reason": "administrator account"}.items() <= _events("login.directory_conflict")[0].details.items()


# -- the sign-in group, re-checked -----------------------------------------------------------


def test_removal_from_the_last_group_ends_the_session_though_the_claim_is_left_out(app, client, omits_empty_groups,
                                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_REQUIRED_GROUP", "mtb-users")
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    assert _sign_in(client, omits_empty_groups, "gpetit").status_code == 302
    assert client.get("/").status_code == 200
    omits_empty_groups.people["gpetit"].groups = []
    response = client.get("/", follow_redirects=True)
    assert response.request.path == "/login"
    assert "may no longer sign in to MTB" in response.get_data(as_text=True)
    assert _events("session.directory_ended")[0].details == {"via": "oidc", "reason": "not in the sign-in group"}
    # A new sign-in is refused the same way.
    assert _sign_in(app.test_client(), omits_empty_groups, "gpetit").status_code == 403


def test_a_refresh_without_a_new_id_token_still_asks_for_the_group(app, client, oidc_provider, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_REQUIRED_GROUP", "mtb-users")
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    assert _sign_in(client, oidc_provider, "gpetit").status_code == 302
    # From now on the token endpoint answers refresh grants without an ID token.
    oidc_provider.misbehave = "no_id_token"
    monkeypatch.setattr(oidc_provider, "tamper", lambda id_token: "")
    assert client.get("/").status_code == 200  # UserInfo says he is still in the group
    oidc_provider.people["gpetit"].groups = []
    assert client.get("/").status_code == 302
    assert _events("session.directory_ended")[0].details["reason"] == "not in the sign-in group"


def test_groups_told_only_by_userinfo_count_at_sign_in_and_at_each_recheck(app, client, oidc_provider, monkeypatch):
    original = oidc_provider.user_info

    def user_info(person, scope):
        info = original(person, scope)
        if request.path != "/userinfo":
            info.pop("groups")  # the ID token carries no groups claim; the UserInfo answer does
        return info

    monkeypatch.setattr(oidc_provider, "user_info", user_info)
    monkeypatch.setitem(app.config, "OIDC_REQUIRED_GROUP", "mtb-users")
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    assert _sign_in(client, oidc_provider, "gpetit").status_code == 302
    assert client.get("/").status_code == 200
    oidc_provider.people["gpetit"].groups = []
    assert client.get("/").status_code == 302


def test_a_userinfo_that_cannot_answer_postpones_the_group_check(app, client, oidc_provider, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_REQUIRED_GROUP", "mtb-users")
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    assert _sign_in(client, oidc_provider, "gpetit").status_code == 302
    original = oidc_provider.user_info

    def user_info(person, scope):
        if request.path == "/userinfo":
            raise RuntimeError("the provider's UserInfo is down")
        info = original(person, scope)
        info.pop("groups")
        return info

    monkeypatch.setattr(oidc_provider, "user_info", user_info)
    assert client.get("/").status_code == 200  # unknown is not "outside": ask again later
    assert _events("session.directory_ended") == []


# -- an e-mail the provider does not confirm never becomes a join key ------------------------


def test_an_unconfirmed_e_mail_change_is_not_written_and_never_joins_another_person(client, unverified,
                                                                                     ldap_directory):
    from tests.fixtures.directory import LDAP_PASSWORD

    assert _sign_in(client, unverified, "fnoel").status_code == 302
    client.post("/logout")
    fanny, = _accounts("fanny.noel@hospital.test")
    # Her provider now sends another person's address, without confirming it.
    unverified.people["fnoel"].email = "alice.martin@hospital.test"
    assert _sign_in(client, unverified, "fnoel").status_code == 302  # linked by its sub: she signs in
    client.post("/logout")
    db.session.refresh(fanny)
    assert fanny.email == "fanny.noel@hospital.test"
    refused, = _events("user.email_refused")
    assert (refused.object_id, refused.user_id) == (fanny.id, fanny.id)
    assert refused.details == {"source": "oidc", "reason": "e-mail not verified",
                               "email": "alice.martin@hospital.test"}
    # Alice, whose directory entry holds that address, signs in for the first time: her own account.
    assert client.post("/login", data={"email": "amartin", "password": LDAP_PASSWORD}).status_code == 302
    alice, = _accounts("alice.martin@hospital.test")
    assert alice.id != fanny.id and alice.auth_source == LDAP


def test_an_account_made_from_an_unconfirmed_e_mail_is_not_joined_by_it(client, unverified, ldap_directory):
    from tests.fixtures.directory import LDAP_PASSWORD

    unverified.people["houtside"].email = "alice.martin@hospital.test"
    assert _sign_in(client, unverified, "houtside").status_code == 302  # nobody had the address: made
    client.post("/logout")
    squatter, = _accounts("alice.martin@hospital.test")
    assert _events("user.create")[0].details == {"source": "oidc", "email_verified": False}
    response = client.post("/login", data={"email": "amartin", "password": LDAP_PASSWORD})
    assert ("An account already uses the e-mail address alice.martin@hospital.test, but the hospital sign-in "
            "that gave it this address did not confirm it.") in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    db.session.refresh(squatter)
    assert (squatter.auth_source, squatter.external_id) == (OIDC, unverified.people["houtside"].sub)
    assert {"via": "ldap", "reason": "account e-mail not verified"}.items() \
        <= _events("login.directory_conflict")[0].details.items()


def test_an_account_made_from_a_confirmed_e_mail_is_joined_by_the_other_route(client, oidc_provider,
                                                                               ldap_directory):
    from tests.fixtures.directory import LDAP_PASSWORD
    from tests.fixtures.oidc_provider import Person

    oidc_provider.people["amartin"] = Person("amartin", "Dr Alice Martin", "alice.martin@hospital.test")
    assert _sign_in(client, oidc_provider, "amartin").status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"email": "amartin", "password": LDAP_PASSWORD}).status_code == 302
    alice, = _accounts("alice.martin@hospital.test")
    assert alice.auth_source == OIDC
