"""The boards work in French and English: each user picks, the browser decides before login."""

from mtb.accounts.models import User
from mtb.extensions import db


def test_login_page_follows_the_browser_language(client):
    body = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)
    assert 'lang="fr"' in body
    assert "Mot de passe" in body


def test_user_switches_to_french_and_back(client, clinician, login):
    login(clinician)
    response = client.post("/account/language", data={"locale": "fr", "next": "/account/password"})
    assert response.headers["Location"] == "/account/password"
    assert db.session.get(User, clinician.id).locale == "fr"
    assert "Mot de passe" in client.get("/account/password").get_data(as_text=True)
    client.post("/account/language", data={"locale": "en"})
    assert "Change your password" in client.get("/account/password").get_data(as_text=True)


def test_unknown_language_is_refused(client, clinician, login):
    login(clinician)
    assert client.post("/account/language", data={"locale": "xx"}).status_code == 400
