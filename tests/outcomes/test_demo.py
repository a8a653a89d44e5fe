"""The demo's year of history gives the dashboards real shapes and the demo people work to do."""

from __future__ import annotations

import re

import sqlalchemy as sa

from mtb.boards.services import get_board
from mtb.extensions import db
from mtb.outcomes.models import FollowUp


def _login(client, app, email):
    assert client.post("/login", data={"email": email, "password": app.config["DEMO_PASSWORD"]}).status_code == 302


def test_the_demo_has_a_year_of_follow_ups_and_every_outcome_page_opens(app, client, demo):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) > 150
    _login(client, app, "admin@example.org")
    site = client.get("/outcomes").get_data(as_text=True)
    rates = [float(value) for value in re.findall(r'<td class="rate nowrap">([\d.]+) %</td>', site)]
    assert rates and all(5 < rate < 60 for rate in rates), rates
    for slug in ("thoracic", "paediatric", "dermatology"):
        html = client.get(f"/outcomes/boards/{slug}").get_data(as_text=True)
        assert "Cases slower than the target" in html and "<svg" in html
        assert client.get(f"/outcomes/boards/{slug}/follow-ups").status_code == 200
        assert client.get(f"/outcomes/boards/{slug}/export").status_code == 200
    client.post("/logout")
    _login(client, app, "clinician@example.org")
    assert "Follow-ups to record" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    _login(client, app, "secretary@example.org")
    home = client.get("/").get_data(as_text=True)
    assert "Follow-ups due on Thoracic oncology" in home


def test_the_demo_boards_ask_for_their_results(app, demo):
    assert "PD-L1" in get_board("thoracic").completeness_requirements
    assert get_board("dermatology").completeness_requirements == ["BRAF", "NRAS", "KIT"]
    assert get_board("paediatric").completeness_requirements == ["germline"]
