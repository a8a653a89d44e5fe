"""What an import from ClinicalTrials.gov tells the secretary: a study without any registry
id is named by its title and skipped; a study the file holds twice is counted once."""

from __future__ import annotations

import copy
import io
import json

import sqlalchemy as sa

from mtb.extensions import db
from mtb.trials import ctgov
from mtb.trials.models import Trial
from tests.trials.test_registry_malformed import RECORD

NO_ID_TITLE = "Basket study of targeted agents in advanced solid tumours with actionable alterations, cohort B"


def study(nct: str | None, title: str, secondary: list | None = None) -> dict:
    record = copy.deepcopy(RECORD)
    ident = record["protocolSection"]["identificationModule"]
    ident.update(briefTitle=title, secondaryIdInfos=secondary or [])
    if nct is None:
        ident.pop("nctId", None)
    else:
        ident["nctId"] = nct
    return record


def import_page(client, boards, *studies) -> str:
    """Posts a search page of these studies; the page shown after (the list and its messages)."""
    content = json.dumps({"studies": list(studies)}).encode()
    response = client.post("/trials/import", data={"file": (io.BytesIO(content), "studies.json"),
                                                   "boards": [str(boards["thoracic"].id)]},
                           content_type="multipart/form-data", follow_redirects=True)
    return response.get_data(as_text=True)


def test_a_study_without_a_registry_id_is_named_by_its_title_and_skipped(client, login, admin, boards):
    login(admin)
    page = import_page(client, boards, study("NCT09990002", "A study with its id"), study(None, NO_ID_TITLE))
    assert "“Basket study of targeted agents in advanced solid tumours w…”: the study has no registry id" in page
    assert "so it was skipped" in page and "?:" not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trial)) == 1


def test_a_file_of_only_studies_without_an_id_says_so_next_to_the_file(client, login, admin, boards):
    login(admin)
    untitled = study(None, "")
    untitled["protocolSection"]["identificationModule"].pop("officialTitle", None)
    content = json.dumps({"studies": [study(None, NO_ID_TITLE), untitled]}).encode()
    response = client.post("/trials/import", data={"file": (io.BytesIO(content), "studies.json"),
                                                   "boards": [str(boards["thoracic"].id)]},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="file-error"' in html
    assert "Study 2 of the file: the study has no registry id" in html


def test_the_same_study_twice_in_one_file_is_counted_once(client, login, admin, boards):
    login(admin)
    page = import_page(client, boards, study("NCT09990002", "First copy"),
                       study("NCT09990003", "Another study"), study("NCT09990002", "Second copy"))
    assert "2 trials added, 0 updated from the registry" in page
    assert "NCT09990002 is in the file 2 times: it was read once, the other records skipped." in page
    titles = db.session.scalars(sa.select(Trial.title).order_by(Trial.primary_id)).all()
    assert titles == ["First copy", "Another study"]


def test_a_study_twice_in_a_file_already_in_the_registry_is_one_update(client, login, admin, boards, create_trial):
    create_trial(ids="NCT09990002", title="Old title")
    login(admin)
    page = import_page(client, boards, study("NCT09990002", "New title", ["2021-000123-45"]),
                       study(None, "Same study, known by its EudraCT number", ["2021-000123-45"]))
    assert "0 trials added, 1 updated from the registry" in page
    assert "NCT09990002 is in the file 2 times" in page


def test_a_note_on_a_study_without_an_nct_id_names_it_by_its_other_registry_id():
    record = study(None, "EU-only study", ["2023-503456-39-00"])
    record["protocolSection"]["eligibilityModule"]["minimumAge"] = "18 Months"
    [note] = ctgov.import_notes(record)
    assert note.startswith("2023-503456-39-00: the minimum age on ClinicalTrials.gov, 18 Months")
