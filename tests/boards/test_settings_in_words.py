"""Board settings in words: the cadence as a day, a time and every N weeks (the rule is
built and shown), the quorum as groups of specialties ticked from the list."""

from __future__ import annotations

import re

from mtb.extensions import db


def _page_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _form(board, **overrides):
    data = {
        "name": board.name, "cadence_mode": "weekly", "cadence_weekday": "TU", "cadence_time": "14:00",
        "cadence_every_weeks": "1", "cadence_rrule": board.cadence_rrule,
        "cadence_anchor": board.cadence_anchor.isoformat(), "meeting_length_minutes": board.meeting_length_minutes,
        "minutes_per_case": board.minutes_per_case, "cutoff_hours": board.cutoff_hours,
        "location": board.location or "", "video_link": board.video_link or "",
    }
    data.update(overrides)
    return data


def test_the_page_says_the_cadence_in_words_and_offers_the_quorum_as_specialties(client, admin, login, boards):
    login(admin)
    html = client.get("/boards/paediatric/settings").get_data(as_text=True)
    text = _page_text(html)
    assert "Every other Thursday at 13:00" in text
    assert re.search(r'<option(?=[^>]*value="TH")(?=[^>]*selected)[^>]*>', html)
    assert "<textarea" not in html  # no raw codes to type
    assert 'name="quorum-0" value="paediatric_oncology" checked' in html
    assert "Paediatric oncologist" in text and "Geneticist" in text


def test_a_secretary_sets_every_other_thursday_at_half_past_one_and_the_rule_is_built(client, secretary, login, boards):
    board = boards["thoracic"]
    login(secretary)
    response = client.post("/boards/thoracic/settings", data=_form(
        board, cadence_weekday="TH", cadence_time="13:30", cadence_every_weeks="2"))
    assert response.status_code == 302
    db.session.refresh(board)
    assert board.cadence_rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=13;BYMINUTE=30"
    text = _page_text(client.get("/boards/thoracic/settings").get_data(as_text=True))
    assert "Every other Thursday at 13:30" in text and "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=13;BYMINUTE=30" in text


def test_another_rhythm_is_written_as_a_rule(client, secretary, login, boards):
    board = boards["thoracic"]
    login(secretary)
    rule = "FREQ=MONTHLY;BYDAY=1TH;BYHOUR=14;BYMINUTE=0"
    assert client.post("/boards/thoracic/settings", data=_form(board, cadence_mode="rule", cadence_rrule=rule)).status_code == 302
    db.session.refresh(board)
    assert board.cadence_rrule == rule
    html = client.get("/boards/thoracic/settings").get_data(as_text=True)
    assert re.search(r'<input(?=[^>]*value="rule")(?=[^>]*checked)[^>]*>', html)


def test_a_weekly_cadence_without_a_time_is_explained_next_to_the_field(client, secretary, login, boards):
    login(secretary)
    response = client.post("/boards/thoracic/settings", data=_form(boards["thoracic"], cadence_time=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="cadence_time-error"' in html and "Give the meeting time" in html


def test_the_admin_ticks_the_quorum_groups(client, admin, login, boards):
    board = boards["thoracic"]
    login(admin)
    data = _form(board)
    data.update({"quorum-groups": "3", "quorum-0": ["medical_oncology"], "quorum-1": ["pathology"],
                 "quorum-2": ["molecular_biology", "genetics"]})
    assert client.post("/boards/thoracic/settings", data=data).status_code == 302
    db.session.refresh(board)
    assert board.quorum_specialties == ["medical_oncology", "pathology", "molecular_biology|genetics"]
    data.update({"quorum-groups": "2", "quorum-0": ["pathology"], "quorum-1": ["astrology"]})
    data.pop("quorum-2")
    html = client.post("/boards/thoracic/settings", data=data).get_data(as_text=True)
    assert "Unknown specialty: astrology" in html
    db.session.refresh(board)
    assert board.quorum_specialties == ["medical_oncology", "pathology", "molecular_biology|genetics"]
