"""Sessions that really end (ASVS 3.3): logout, password change and reset end every
session of the account; idle and absolute time-outs; the person is told why."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

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


# Typing is never lost to an ended session (static/js/mtb.js keeps the session alive while
# someone types, and keeps what a save sent in the tab until the save goes through).

def _keep_alive(client):
    return client.get("/login", headers={"Accept": "application/json"})


def test_a_page_script_keeps_a_session_alive_while_someone_types(app, client, clinician, login):
    login(clinician)
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen"] -= idle - 60  # typing for the whole idle time, no page asked meanwhile
    response = _keep_alive(client)
    assert response.status_code == 204 and not response.get_data()
    with client.session_transaction() as session:
        session["seen"] -= 120
    assert client.get("/").status_code == 200  # the script's request counted as activity


def test_the_keep_alive_does_not_bring_an_ended_session_back(app, client, clinician, login):
    assert _keep_alive(client).status_code == 401
    login(clinician)
    with client.session_transaction() as session:
        session["seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    response = _keep_alive(client)
    assert response.status_code == 401 and response.json == {"signed_in": False}
    _signed_out_with(client, "minutes without activity")  # and the person is told why
    assert client.get("/login").status_code == 200  # the page itself is unchanged


def test_signed_in_pages_tell_the_script_how_to_keep_typing_safe(app, client, clinician, login):
    login(clinician)
    html = client.get("/boards/thoracic/cases/new").get_data(as_text=True)
    assert f'data-user="{clinician.id}"' in html
    assert 'data-keepalive-url="/login" data-keepalive-every="300"' in html  # 5 minutes, within the 30 idle
    assert 'action="/logout" class="inline" data-forget-typed' in html  # signing out forgets kept typing
    assert '<template id="typed-kept">' in html and "Restore what you typed at {time}" in html
    assert "data-keeps-typed" not in html  # a form page ends a save: kept typing is forgotten after it


def test_the_sign_in_and_error_pages_keep_what_a_save_sent(app, client, clinician, login, monkeypatch):
    html = client.get("/login").get_data(as_text=True)
    assert "data-keeps-typed" in html and "data-typed-kept-note hidden" in html
    assert "data-user=" not in html and "data-keepalive-url" not in html
    login(clinician)
    html = client.get("/cases/999999").get_data(as_text=True)
    assert "data-keeps-typed" in html and "Back to the form" in html


def test_a_form_expired_page_says_the_typed_values_can_be_restored(app, client, clinician, login, monkeypatch):
    login(clinician)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/boards/thoracic/cases/new", data={"csrf_token": "from-an-ended-session",
                                                                "clinical_question": "Osimertinib?"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Form expired" in html
    assert "it offers to restore what you typed in this browser tab" in html and "data-keeps-typed" in html


def test_a_form_sent_after_its_session_ended_goes_to_the_sign_in_not_form_expired(app, client, clinician, login,
                                                                                   monkeypatch):
    """The session ended on an earlier request (a page's script asking while the person
    typed), taking the form's CSRF secret with it: signing in is what the form needs."""
    login(clinician)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    html = client.get("/boards/thoracic/cases/new").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    with client.session_transaction() as session:
        session["seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    assert client.get("/cases/icd10?code=C34").status_code == 302  # ended here
    response = client.post("/boards/thoracic/cases/new", data={"csrf_token": token, "clinical_question": "Q?"})
    assert response.status_code == 302
    assert response.location.endswith("/login?next=%2Fboards%2Fthoracic%2Fcases%2Fnew")


def test_a_page_script_asking_without_a_session_is_told_401_and_the_session_is_left_alone(app, client, clinician):
    """The case form's field checks run while someone signs in again in the same tab: an
    answer that redirected them to the sign-in page started another session (another form
    token), and the sign-in sent at that moment was refused as expired."""
    response = client.get("/cases/icd10?code=C34", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.get_json() == {"signed_in": False, "error": "Not signed in"}
    assert "Set-Cookie" not in response.headers
    # A page asked for by the browser still goes to the sign-in page, and back.
    response = client.get("/cases/icd10?code=C34")
    assert response.status_code == 302 and "/login?next=" in response.location


def test_the_sign_in_page_says_why_in_the_readers_language(app, client):
    html = client.get("/", follow_redirects=True, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Veuillez vous connecter pour voir cette page." in html
    other = app.test_client()
    html = other.get("/", follow_redirects=True, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Please sign in to see this page." in html


def test_an_expired_sign_in_form_is_offered_again_not_refused(app, client, clinician, monkeypatch):
    """A sign-in page left open past its token's life (or whose session another tab
    replaced) gives a fresh form with a word of why, and the page asked for after it."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/login?next=%2Fcases%2F12", data={"csrf_token": "from-another-session",
                                                              "email": clinician.email, "password": PASSWORD})
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login" and parse_qs(urlsplit(response.location).query) == {
        "next": ["/cases/12"]}
    html = client.get(response.location).get_data(as_text=True)
    assert "The sign-in form had expired" in html
    token = html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login?next=%2Fcases%2F12", data={"csrf_token": token, "email": clinician.email,
                                                              "password": PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/cases/12")


def test_signing_in_on_a_browser_where_someone_is_signed_in_switches_to_the_new_person(
        client, login, clinician, member):
    """A shared computer in the meeting room: the second person's sign-in is not ignored (they
    would go on acting in the first person's name); the first person's session here ends."""
    login(clinician)
    assert clinician.full_name in client.get("/").get_data(as_text=True)
    response = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert member.full_name in home and clinician.full_name not in home
    # A wrong password changes nobody: the page says so, the signed-in person stays.
    response = client.post("/login", data={"email": clinician.email, "password": "wrong password"})
    assert response.status_code == 200 and member.full_name in client.get("/").get_data(as_text=True)
    assert client.get("/login").status_code == 302  # the sign-in page itself still leads home


def test_a_form_sent_after_the_session_ended_leads_back_to_its_page_after_signing_in(client, clinician,
                                                                                    create_case):
    """A POST-only address (attach a file) as the sign-in's "next" answered 405 after signing
    in: the person comes back to the page the form was on."""
    case = create_case(submitter=clinician)
    response = client.post(f"/cases/{case.id}/attachments", data={},
                           headers={"Referer": f"http://localhost/cases/{case.id}"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    next_url = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    assert next_url == f"/cases/{case.id}"
    signed_in = client.post(response.headers["Location"], data={"email": clinician.email, "password": PASSWORD})
    assert signed_in.headers["Location"].endswith(f"/cases/{case.id}")
    # Sent from another site: no way back there, home after signing in.
    client.post("/logout")
    response = client.post(f"/cases/{case.id}/attachments", headers={"Referer": "https://evil.example/x"})
    assert response.status_code == 302 and "next=" not in response.headers["Location"]
