"""ClinicalTrials.gov records with values of the wrong type, too long, too deep or without
a status: imported as far as they make sense, or refused with a message; never a 500."""

import copy
import io
import json
from pathlib import Path

import sqlalchemy as sa

from mtb.extensions import db
from mtb.trials.models import Trial, TrialStatus

DATA = Path(__file__).parent / "data"
RECORD = json.loads((DATA / "NCT09990001.json").read_text())


def post(client, boards, content: bytes):
    return client.post("/trials/import", data={"file": (io.BytesIO(content), "study.json"),
                                               "boards": [str(boards["thoracic"].id)]},
                       content_type="multipart/form-data")


def record(**modules):
    study = copy.deepcopy(RECORD)
    for name, changes in modules.items():
        study["protocolSection"][name] = changes if changes is None else {**study["protocolSection"].get(name, {}),
                                                                          **changes}
    return json.dumps(study).encode()


def test_values_of_the_wrong_type_are_skipped_and_the_study_imported(client, login, admin, boards):
    login(admin)
    content = record(
        identificationModule={"secondaryIdInfos": {"id": "2021-000123-45"}, "acronym": "A" * 90,
                              "briefTitle": "T" * 700},
        statusModule={"overallStatus": ["RECRUITING"]},
        designModule={"phases": [{"phase": "PHASE3"}, "PHASE2"]},
        conditionsModule={"conditions": [None, "Lung cancer", 3]},
        contactsLocationsModule={"centralContacts": {"name": "Dr A", "email": "a@example.org"}},
        sponsorCollaboratorsModule={"leadSponsor": "Gustave Roussy"},
    )
    response = post(client, boards, content)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    trial = db.session.scalar(sa.select(Trial))
    assert trial.registry_ids == "NCT09990001, 2021-000123-45"
    assert len(trial.acronym) == 60 and len(trial.title) == 500
    assert trial.phase == "2" and trial.conditions == "Lung cancer"
    assert trial.contact == "Dr A · a@example.org" and trial.sponsor == "Gustave Roussy"
    assert trial.status is TrialStatus.ON_HOLD  # a status that is not a string says nothing


def test_other_shapes_do_not_break_the_import(client, login, admin, boards):
    login(admin)
    content = record(
        identificationModule={"secondaryIdInfos": ["2021-000123-45", None, 7]},
        conditionsModule={"conditions": "Lung cancer"},
        contactsLocationsModule={"centralContacts": ["Dr A"]},
        sponsorCollaboratorsModule={"leadSponsor": None},
        eligibilityModule={"minimumAge": 18, "eligibilityCriteria": {"text": "x"}},
    )
    response = post(client, boards, content)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    trial = db.session.scalar(sa.select(Trial))
    assert trial.registry_ids == "NCT09990001, 2021-000123-45" and trial.conditions == "Lung cancer"
    assert not trial.contact and not trial.sponsor and trial.age_min is None


def test_a_deeply_nested_file_is_refused_as_not_a_study(client, login, admin, boards):
    login(admin)
    response = post(client, boards, b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 422
    assert 'id="file-error"' in response.get_data(as_text=True)


def test_a_missing_status_does_not_close_an_existing_trial(client, login, admin, boards, create_trial):
    trial = create_trial(ids="NCT09990001", status="recruiting", title="Old title")
    login(admin)
    study = copy.deepcopy(RECORD)
    del study["protocolSection"]["statusModule"]["overallStatus"]
    response = post(client, boards, json.dumps(study).encode())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(trial)
    assert trial.title != "Old title"  # the registry's fields were read
    assert trial.status is TrialStatus.RECRUITING
    # An explicit closing status still closes it.
    study["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    post(client, boards, json.dumps(study).encode())
    db.session.refresh(trial)
    assert trial.status is TrialStatus.CLOSED


def test_a_lone_surrogate_refuses_the_file_next_to_the_field(client, login, admin, boards):
    login(admin)
    study = copy.deepcopy(RECORD)
    study["protocolSection"]["identificationModule"]["briefTitle"] = "Sotorasib \ud800 in KRAS G12C"
    response = post(client, boards, json.dumps(study).encode())  # json.dumps writes the escape "\ud800"
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="file-error"' in html and "not valid Unicode" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trial)) == 0


def test_an_absurd_age_reads_as_no_age(client, login, admin, boards):
    login(admin)
    content = record(eligibilityModule={"minimumAge": "9" * 5000 + " Years", "maximumAge": "17 Years"})
    response = post(client, boards, content)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    trial = db.session.scalar(sa.select(Trial))
    assert trial.age_min is None and trial.age_max == 17
