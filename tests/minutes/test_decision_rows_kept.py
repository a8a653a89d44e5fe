"""The decisions page's rows are kept per worker between views (mtb.minutes.display): a
case renamed, a correction published or another reader's language shows on the next view."""

from __future__ import annotations

import sqlalchemy as sa

from mtb.cases.models import Case
from mtb.decisions.models import Decision
from mtb.extensions import db
from tests.minutes.test_minutes import _decided_meeting, _published


def test_a_case_edited_after_publication_shows_its_new_diagnosis(client, login, team, started_meeting):
    meeting = _decided_meeting(team, started_meeting)
    _published(meeting, team["chair"])
    login(team["member"])
    html = client.get("/decisions").get_data(as_text=True)
    decision = db.session.scalars(sa.select(Decision)).first()
    assert "Lung adenocarcinoma" in html and "Osimertinib" in html
    db.session.get(Case, decision.case_id).diagnosis = "Lung squamous cell carcinoma"
    db.session.commit()
    html = client.get("/decisions").get_data(as_text=True)
    assert "Lung squamous cell carcinoma" in html and "Osimertinib" in html


def test_each_reader_gets_the_rows_in_their_language(client, login, team, started_meeting):
    meeting = _decided_meeting(team, started_meeting)
    _published(meeting, team["chair"])
    login(team["member"])
    assert "Targeted therapy" in client.get("/decisions").get_data(as_text=True)
    client.post("/account/language", data={"locale": "fr", "next": "/"})
    html = client.get("/decisions").get_data(as_text=True)
    assert "Targeted therapy" not in html and "Osimertinib" in html
