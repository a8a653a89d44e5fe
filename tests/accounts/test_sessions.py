"""Sessions that really end (ASVS 3.3): logout, password change and reset end every
session of the account; idle and absolute time-outs; the person is told why."""

from __future__ import annotations

from flask.testing import FlaskClient

from mtb.extensions import db
from tests.fixtures.people import PASSWORD


def _second_browser(app, user) -> FlaskClient:
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other.get("/").status_code == 200
    return other


def _signed_out_with(client, words: str) -> None:
    response = client.get("/", follow_redirects=True)
    assert "/login" in response.request.path
    assert words in response.get_data(as_text=True)


def test_logging_out_ends_the_accounts_other_sessions(app, client, clinician, login):
    login(clinician)
    other = _second_browser(app, clinician)
    client.post("/logout")
    _signed_out_with(other, "sessions were ended")


def test_an_old_cookie_replayed_after_logout_reads_nothing(app, client, clinician, login, create_case):
    case = create_case(submitter=clinician)
    login(clinician)
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get(f"/cases/{case.id}")
    assert response.status_code == 302
    assert "IPP0012345" not in response.get_data(as_text=True)


def test_changing_ones_password_ends_the_other_sessions_but_keeps_this_one(app, client, clinician, login):
    login(clinician)
    other = _second_browser(app, clinician)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    _signed_out_with(other, "sessions were ended")


def test_an_administrators_password_reset_ends_the_accounts_sessions(app, client, clinician, admin, login):
    other = _second_browser(app, clinician)
    login(admin)
    response = client.post(f"/admin/users/{clinician.id}", data={
        "email": clinician.email, "full_name": clinician.full_name, "active": "y",
        "password": "reset by the administrator"})
    assert response.status_code == 302
    _signed_out_with(other, "sessions were ended")


def test_a_session_ends_after_the_idle_time_and_says_so(app, client, clinician, login):
    login(clinician)
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen"] -= idle + 1
    _signed_out_with(client, f"after {app.config['SESSION_IDLE_MINUTES']} minutes without activity")


def test_activity_keeps_a_session_alive(app, client, clinician, login):
    login(clinician)
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen"] -= idle - 120  # used two minutes before the limit
    assert client.get("/").status_code == 200  # ...and touched now
    with client.session_transaction() as session:
        session["began"] -= 60
    assert client.get("/").status_code == 200


def test_a_session_lasts_at_most_the_absolute_time(app, client, clinician, login):
    login(clinician)
    with client.session_transaction() as session:
        session["began"] -= app.config["SESSION_MAX_HOURS"] * 3600 + 1
    _signed_out_with(client, f"at most {app.config['SESSION_MAX_HOURS']} hours")


def test_disabling_an_account_ends_its_sessions(app, client, clinician, admin, login):
    other = _second_browser(app, clinician)
    login(admin)
    client.post(f"/admin/users/{clinician.id}", data={"email": clinician.email, "full_name": clinician.full_name})
    db.session.expire_all()
    assert other.get("/").status_code == 302
