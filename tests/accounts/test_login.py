"""Logging in and out, password changes, slow-down after failed logins."""

from datetime import timedelta

import sqlalchemy as sa

from mtb.accounts.models import LoginThrottle
from mtb.accounts.throttle import account_key
from mtb.audit.models import AuditEvent
from mtb.extensions import db
from tests.fixtures.people import PASSWORD


def _login(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_clinician_logs_in_and_reaches_home(client, clinician):
    response = _login(client, "Clinician@Example.org ", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_password_is_stored_as_argon2id(clinician):
    assert clinician.password_hash.startswith("$argon2id$")
    assert PASSWORD not in clinician.password_hash


def test_wrong_password_shows_message_and_keeps_email(client, clinician):
    response = _login(client, clinician.email, "wrong password here")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Wrong e-mail or password." in body
    assert 'value="clinician@example.org"' in body
    assert client.get("/").status_code == 302  # still logged out


def test_unknown_email_gets_the_same_message(client):
    body = _login(client, "nobody@example.org", "whatever it is").get_data(as_text=True)
    assert "Wrong e-mail or password." in body


def test_inactive_account_cannot_log_in(client, make_user):
    user = make_user("gone@example.org", {"thoracic": ["member"]}, active=False)
    response = _login(client, user.email, PASSWORD)
    assert "disabled" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_disabling_an_account_ends_its_session(client, clinician, login):
    login(clinician)
    assert client.get("/").status_code == 200
    clinician.active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_repeated_failures_slow_down_that_account_only(app, client, clinician, member):
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"]):
        assert _login(client, clinician.email, "wrong password here").status_code == 200
    # The next try is refused without checking the password, even the right one.
    response = _login(client, clinician.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    # Another account is not affected.
    assert _login(client, member.email, PASSWORD).status_code == 302


def test_slow_down_expires(app, client, clinician):
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"]):
        _login(client, clinician.email, "wrong password here")
    bucket = db.session.get(LoginThrottle, f"account:{account_key(clinician.email)}")
    bucket.last_failure_at -= timedelta(seconds=5)
    db.session.commit()
    assert _login(client, clinician.email, PASSWORD).status_code == 302
    assert db.session.get(LoginThrottle, f"account:{account_key(clinician.email)}").failures == 0


def test_failed_and_successful_logins_are_audited(client, clinician):
    _login(client, clinician.email, "wrong password here")
    _login(client, clinician.email, PASSWORD)
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["login.failed", "login.success"]


def test_logout_needs_post_and_ends_session(client, clinician, login):
    login(clinician)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_login_does_not_redirect_to_another_site(client, clinician):
    response = client.post("/login?next=//evil.example/x", data={"email": clinician.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_change_password(client, clinician, login):
    login(clinician)
    response = client.post("/account/password", data={
        "current_password": "not my password", "new_password": "a brand new passphrase", "confirm": "a brand new passphrase",
    })
    assert "This is not your current password." in response.get_data(as_text=True)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "short", "confirm": "short",
    })
    assert "12" in response.get_data(as_text=True)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new passphrase", "confirm": "a brand new passphrase",
    })
    assert response.status_code == 302
    client.post("/logout")
    assert _login(client, clinician.email, PASSWORD).status_code == 200
    assert _login(client, clinician.email, "a brand new passphrase").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, clinician):
    response = _login(client, clinician.email, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(client, clinician):
    response = client.post("/login", data={"email": clinician.email, "password": PASSWORD},
                           base_url="https://mtb.test")
    assert "Secure" in response.headers["Set-Cookie"]


def test_forms_are_refused_without_csrf_token(app, client, clinician, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = _login(client, clinician.email, PASSWORD)
    assert response.status_code == 302 and "/login" in response.location
    assert client.get("/").status_code == 302  # not signed in


def test_parallel_wrong_passwords_are_each_counted(app, clinician):
    """A burst of simultaneous tries cannot check more passwords than the counter shows:
    the account's row is locked while a password is checked."""
    from concurrent.futures import ThreadPoolExecutor

    from flask.testing import FlaskClient

    email = clinician.email

    def attempt(n):
        with FlaskClient(app, app.response_class) as client:  # its own contexts, in its own thread
            body = client.post("/login", data={"email": email, "password": f"wrong password {n}"})
            return "Wrong e-mail or password." in body.get_data(as_text=True)

    db.session.commit()
    with ThreadPoolExecutor(max_workers=8) as pool:
        checked = sum(pool.map(attempt, range(16)))
    db.session.expire_all()
    assert db.session.get(LoginThrottle, f"account:{account_key(email)}").failures == checked
    assert checked <= app.config["LOGIN_FREE_ATTEMPTS"] + 1


def test_simultaneous_correct_logins_all_get_in(app, clinician):
    from concurrent.futures import ThreadPoolExecutor

    from flask.testing import FlaskClient

    email = clinician.email

    def attempt(_n):
        with FlaskClient(app, app.response_class) as client:
            return client.post("/login", data={"email": email, "password": PASSWORD}).status_code

    db.session.commit()
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(attempt, range(8))) == [302] * 8
