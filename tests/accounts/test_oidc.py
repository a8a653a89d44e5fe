"""Signing in through a real OpenID Connect provider started by the tests (Authlib's server
side, RS256 keys, discovery, PKCE required): ID tokens for another audience, expired,
altered after signing, replayed or from another issuer are refused; the account made at
the first sign-in has no role; a provider that disables the account ends its sessions."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa

from mtb.accounts.models import OIDC, DirectorySession, Role, User
from mtb.audit.models import AuditEvent
from mtb.extensions import db
from tests.fixtures.oidc_provider import OIDC_PASSWORD


def _authorize(client, provider, username="fnoel", password=OIDC_PASSWORD):
    """Start at MTB, sign in at the provider: the callback URL the browser would follow."""
    start = client.get("/login/oidc")
    assert start.status_code == 302, start.get_data(as_text=True)[:500]
    location = start.headers["Location"]
    assert location.startswith(provider.issuer + "/authorize?")
    answer = requests.post(location, data={"username": username, "password": password}, allow_redirects=False,
                           timeout=10)
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["Location"])
    return f"{callback.path}?{callback.query}", parse_qs(urlsplit(location).query)


def _sign_in(client, provider, username="fnoel"):
    callback, _request = _authorize(client, provider, username)
    return client.get(callback)


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def _user(email) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_first_sign_in_creates_the_account_without_any_board_role(client, oidc_provider):
    callback, sent = _authorize(client, oidc_provider)
    # The authorisation request carries PKCE (S256), a nonce and a state.
    assert sent["code_challenge_method"] == ["S256"] and sent["code_challenge"][0]
    assert sent["nonce"][0] and sent["state"][0] and sent["scope"] == ["openid email profile"]
    response = client.get(callback)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    assert client.get("/").status_code == 200
    user = _user("fanny.noel@hospital.test")
    person = oidc_provider.people["fnoel"]
    assert (user.auth_source, user.external_id, user.full_name) == (OIDC, person.sub, "Dr Fanny Noël")
    assert user.roles == []
    assert _events("user.create")[0].details == {"source": "oidc"}
    assert _events("login.success")[-1].details == {"via": "oidc"}
    row = db.session.scalar(sa.select(DirectorySession).where(DirectorySession.user_id == user.id))
    assert row.refresh_token and row.id_token and row.expires_at


def test_the_next_sign_in_lands_with_the_roles_an_admin_gave(client, oidc_provider, boards):
    assert _sign_in(client, oidc_provider).status_code == 302
    client.post("/logout")
    user = _user("fanny.noel@hospital.test")
    from mtb.accounts import services

    services.grant_role(user, boards["dermatology"], Role.CHAIR)
    db.session.commit()
    assert _sign_in(client, oidc_provider).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert "Dermatology (melanoma)" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("misbehave, reason", [
    ("wrong_audience", "invalid_claim"),
    ("expired", "expired_token"),
    ("bad_signature", "bad_signature"),
    ("wrong_issuer", "invalid_claim"),
])
def test_a_bad_id_token_is_refused(client, oidc_provider, misbehave, reason):
    oidc_provider.misbehave = misbehave
    response = _sign_in(client, oidc_provider)
    assert response.status_code == 403
    assert "The hospital sign-in could not be completed" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert _events("login.oidc_refused")[0].details == {"via": "oidc", "reason": reason}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_an_id_token_replayed_from_an_earlier_sign_in_is_refused(client, oidc_provider):
    assert _sign_in(client, oidc_provider).status_code == 302
    client.post("/logout")
    oidc_provider.misbehave = "replay"  # the token is genuine, unexpired, for MTB: only its nonce is old
    response = _sign_in(client, oidc_provider)
    assert response.status_code == 403
    assert _events("login.oidc_refused")[0].details["reason"] == "invalid_claim"
    assert client.get("/").status_code == 302


def test_a_replayed_callback_is_refused(app, client, oidc_provider):
    callback, _sent = _authorize(client, oidc_provider)
    assert client.get(callback).status_code == 302
    client.post("/logout")
    assert client.get(callback).status_code == 403  # its state was used up
    other = app.test_client()  # nor does it work in another browser
    assert other.get(callback).status_code == 403
    assert [e.details["reason"] for e in _events("login.oidc_refused")] == ["state", "state"]


def test_someone_outside_the_required_group_is_refused(app, client, oidc_provider, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_REQUIRED_GROUP", "mtb-users")
    response = _sign_in(client, oidc_provider, "houtside")
    assert response.status_code == 403
    assert "Your hospital account may not sign in to MTB" in response.get_data(as_text=True)
    assert _sign_in(client, oidc_provider, "gpetit").status_code == 302


def test_groups_claims_can_carry_board_roles(app, client, oidc_provider, boards, monkeypatch):
    monkeypatch.setitem(app.config, "DIRECTORY_ROLE_MAP", "dermatology:chair=MTB-derm-chairs;dermatology:member=mtb-derm-chairs")
    assert _sign_in(client, oidc_provider).status_code == 302
    assert _user("fanny.noel@hospital.test").roles_on(boards["dermatology"].id) == {Role.CHAIR, Role.MEMBER}


def test_an_issuer_that_does_not_match_its_discovery_document_is_not_trusted(app, client, oidc_provider, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_ISSUER", oidc_provider.issuer + "/")
    response = client.get("/login/oidc")
    assert response.status_code == 503
    assert "cannot be reached" in response.get_data(as_text=True)


def test_an_unreachable_provider_gets_a_clear_answer(app, client, oidc_provider, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_ISSUER", "http://127.0.0.1:9")
    assert client.get("/login/oidc").status_code == 503


def test_disabling_the_account_at_the_provider_ends_each_session_at_its_recheck(app, client, oidc_provider,
                                                                               monkeypatch):
    assert _sign_in(client, oidc_provider).status_code == 302
    other = app.test_client()
    assert _sign_in(other, oidc_provider).status_code == 302
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    assert client.get("/").status_code == 200  # the refresh token still works: fresh tokens kept
    oidc_provider.people["fnoel"].enabled = False
    response = client.get("/", follow_redirects=True)
    assert response.request.path == "/login"
    assert "Your hospital sign-in on this browser has expired" in response.get_data(as_text=True)
    assert _events("session.directory_expired")[0].details == {"via": "oidc", "reason": "invalid_grant"}
    assert other.get("/").status_code == 302  # its own refresh token is refused too


def test_a_refresh_token_the_provider_no_longer_accepts_ends_that_browsers_session_only(app, client, oidc_provider,
                                                                                      monkeypatch):
    assert _sign_in(client, oidc_provider).status_code == 302
    row = db.session.scalar(sa.select(DirectorySession))
    oidc_provider.tokens[row.refresh_token].revoked = True  # expired, or revoked at the provider
    other = app.test_client()
    assert _sign_in(other, oidc_provider).status_code == 302
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    response = client.get("/", follow_redirects=True)
    assert response.request.path == "/login"
    body = response.get_data(as_text=True)
    assert "Your hospital sign-in on this browser has expired. Please sign in again." in body
    assert "may no longer sign in" not in body
    assert other.get("/").status_code == 200  # the person's other browser carries on
    assert _events("session.directory_ended") == []
    assert _sign_in(client, oidc_provider).status_code == 302


def test_two_requests_of_one_session_at_once_spend_the_refresh_token_once(app, client, oidc_provider, monkeypatch):
    """SQLite takes no row lock: the second request must not ask with the token the first
    one is spending (the provider would refuse it, and the person would be signed out)."""
    import time
    from concurrent.futures import ThreadPoolExecutor
    from datetime import timedelta

    from flask.testing import FlaskClient

    from mtb.accounts import directory_sessions, oidc
    from mtb.db import utcnow

    assert _sign_in(client, oidc_provider).status_code == 302
    cookie = client.get_cookie("session").value
    later = utcnow() + timedelta(minutes=10)  # both requests come after the re-check is due
    monkeypatch.setattr(directory_sessions, "utcnow", lambda: later)
    asked, original = [], oidc.refresh

    def slow_refresh(*args):
        asked.append(args)
        time.sleep(0.5)  # the provider takes its time: the other request arrives meanwhile
        return original(*args)

    monkeypatch.setattr(oidc, "refresh", slow_refresh)
    db.session.commit()

    def one_request(_n):
        browser = FlaskClient(app)  # a plain client: its own app context and session, in its thread
        browser.set_cookie("session", cookie)
        return browser.get("/").status_code

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(one_request, range(2)))
    assert answers == [200, 200]
    assert len(asked) == 1
    assert _events("session.directory_ended") == _events("session.directory_expired") == []


def test_without_a_refresh_token_the_session_ends_with_the_id_token(app, client, oidc_provider, monkeypatch):
    from datetime import timedelta

    assert _sign_in(client, oidc_provider).status_code == 302
    row = db.session.scalar(sa.select(DirectorySession))
    row.refresh_token = None
    row.expires_at -= timedelta(hours=1)
    db.session.commit()
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    response = client.get("/", follow_redirects=True)
    assert "Your hospital sign-in has expired" in response.get_data(as_text=True)


def test_logout_ends_the_mtb_session_and_offers_the_providers_sign_out(client, oidc_provider):
    assert _sign_in(client, oidc_provider).status_code == 302
    row = db.session.scalar(sa.select(DirectorySession))
    id_token = row.id_token
    response = client.post("/logout")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "You are logged out of MTB" in body
    link = next(part.split('"')[0] for part in body.split('href="') if part.startswith(oidc_provider.issuer))
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert query["id_token_hint"] == [id_token] and query["post_logout_redirect_uri"] == ["http://localhost/login"]
    assert client.get("/").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DirectorySession)) == 0


def test_the_login_page_shows_the_hospital_button_and_folds_local_passwords(app, client, oidc_provider, monkeypatch):
    body = client.get("/login").get_data(as_text=True)
    assert "Sign in with your hospital account" in body and "<details>" not in body
    monkeypatch.setitem(app.config, "LOCAL_PASSWORDS", "admins")
    body = client.get("/login").get_data(as_text=True)
    assert "Sign in with your hospital account" in body and "Administrator sign-in with a local password" in body


def test_local_passwords_can_be_turned_off_except_for_admins(app, client, oidc_provider, make_user, monkeypatch):
    from tests.fixtures.people import PASSWORD

    monkeypatch.setitem(app.config, "LOCAL_PASSWORDS", "admins")
    clinician = make_user("clinician@example.org", {"thoracic": ["clinician"]})
    admin = make_user("admin@example.org", admin=True)
    response = client.post("/login", data={"email": clinician.email, "password": PASSWORD})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Wrong e-mail or password." in body
    assert "<details open>" in body  # the folded break-glass form shows its error
    assert client.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 302


def test_a_person_reached_through_both_routes_has_one_account(app, client, oidc_provider, ldap_directory, monkeypatch):
    from tests.fixtures.directory import LDAP_PASSWORD
    from tests.fixtures.oidc_provider import Person

    oidc_provider.people["amartin"] = Person("amartin", "Dr Alice Martin", "alice.martin@hospital.test", ["mtb-users"])
    assert client.post("/login", data={"email": "amartin", "password": LDAP_PASSWORD}).status_code == 302
    client.post("/logout")
    assert _sign_in(client, oidc_provider, "amartin").status_code == 302
    user = _user("alice.martin@hospital.test")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert user.auth_source == "ldap"  # the first route's link stays; the session knows its own id
    row = db.session.scalar(sa.select(DirectorySession).where(DirectorySession.source == OIDC))
    assert row.external_id == oidc_provider.people["amartin"].sub
    # Each route re-checks its own identity: the provider disabling it ends the session.
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    oidc_provider.people["amartin"].enabled = False
    assert client.get("/").status_code == 302


def test_another_person_of_the_same_directory_with_the_e_mail_is_refused(client, oidc_provider):
    assert _sign_in(client, oidc_provider).status_code == 302
    client.post("/logout")
    oidc_provider.people["fnoel"].sub = "a-recreated-account"  # a new identity, the same e-mail
    response = _sign_in(client, oidc_provider)
    assert response.status_code == 403
    assert "Another account already uses the e-mail address fanny.noel@hospital.test" in response.get_data(as_text=True)
    assert _events("login.directory_conflict")


def test_a_page_refused_after_a_recheck_keeps_what_the_provider_answered(app, client, oidc_provider, monkeypatch):
    """The re-check on a page that answers 404: the provider has replaced the refresh token
    it was given, so the new one must be kept, or the next re-check signs the person out."""
    assert _sign_in(client, oidc_provider).status_code == 302
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    assert client.get("/cases/999999").status_code == 404
    assert client.get("/").status_code == 200
    assert _events("session.directory_ended") == []


def test_sessions_the_directory_ended_on_a_refused_page_stay_ended(app, client, oidc_provider, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_REQUIRED_GROUP", "mtb-users")
    assert _sign_in(client, oidc_provider).status_code == 302
    other = app.test_client()
    assert _sign_in(other, oidc_provider).status_code == 302
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    oidc_provider.people["fnoel"].groups = []
    assert client.get("/no-such-page").status_code == 404
    assert [e.details for e in _events("session.directory_ended")] == [
        {"via": "oidc", "reason": "not in the sign-in group"}]
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 5)
    assert other.get("/").status_code == 302  # the account's other sessions ended with it
