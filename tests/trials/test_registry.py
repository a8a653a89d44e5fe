"""The trial registry: who sees and keeps it, ids checked next to the field, structured
eligibility typed as a molecular biologist writes it, ClinicalTrials.gov records imported."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from mtb.extensions import db
from mtb.trials.models import Trial, TrialStatus

DATA = Path(__file__).parent / "data"


def new_trial(**overrides):
    data = {"registry_ids": "NCT04613596, 2023-503456-39-00", "title": "Adagrasib in KRAS G12C NSCLC",
            "acronym": "KRYSTAL-7", "phase": "2", "status": "recruiting", "boards": ["1"],
            "alterations": "KRAS p.G12C\nSTK11 mutation\nMET amplification\nALK fusion\nEGFR exon 20\nBRAF V600",
            "molecular_logic": "any", "tmb_min": "10", "pdl1_tps_min": "50", "icd10_ranges": "C34, c43-c44",
            "age_min": "18", "prior_lines_min": "1", "prior_lines_max": "2", "investigator": "Pr Anne Caron"}
    data.update(overrides)
    return data


def test_secretary_adds_a_trial_with_structured_eligibility(client, login, secretary, boards):
    login(secretary)
    thoracic = boards["thoracic"]
    response = client.post("/trials/new", data=new_trial(boards=[str(thoracic.id)]))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    trial = db.session.scalar(sa.select(Trial))
    assert trial.primary_id == "NCT04613596" and trial.registry_ids == "NCT04613596, 2023-503456-39-00"
    assert trial.alterations == [
        {"gene": "KRAS", "kind": "variant", "change": "p.Gly12Cys"},
        {"gene": "STK11", "kind": "variant", "change": ""},
        {"gene": "MET", "kind": "cnv", "change": "amplification"},
        {"gene": "ALK", "kind": "fusion", "change": ""},
        {"gene": "EGFR", "kind": "variant", "change": "exon 20"},
        {"gene": "BRAF", "kind": "variant", "change": "p.Val600"},
    ]
    assert trial.icd10_ranges == ["C34", "C43-C44"]
    assert [b.slug for b in trial.boards] == ["thoracic"]
    page = client.get("/trials").get_data(as_text=True)
    assert "KRYSTAL-7" in page and "https://clinicaltrials.gov/study/NCT04613596" in page


def test_trial_without_a_registry_id_is_refused_next_to_the_field(client, login, secretary, boards):
    login(secretary)
    response = client.post("/trials/new", data=new_trial(registry_ids="LYON-BIO-07", boards=[str(boards["thoracic"].id)]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="registry_ids-error"' in html and "Give the trial&#39;s registry id" in html
    assert "Adagrasib in KRAS G12C NSCLC" in html  # nothing typed is lost
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trial)) == 0


def test_malformed_registry_ids_are_refused_with_the_format(client, login, secretary, boards):
    login(secretary)
    for typed, message in (("NCT1234567", "NCT followed by 8 digits"), ("2023-50345-39-00", "EU CT number"),
                           ("2019-A0123-56", "ID-RCB number")):
        response = client.post("/trials/new", data=new_trial(registry_ids=typed, boards=[str(boards["thoracic"].id)]))
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)


def test_bad_eligibility_is_said_next_to_each_field(client, login, secretary, boards):
    login(secretary)
    response = client.post("/trials/new", data=new_trial(
        boards=[str(boards["thoracic"].id)], alterations="HER2 amplification\nKRAS p.G12Z", icd10_ranges="lung",
        age_min="70", age_max="18"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "HER2 is an alias or previous symbol of ERBB2" in html
    assert "KRAS p.G12Z" in html
    assert "is not an ICD-10 code or range" in html
    assert "The maximum age is below the minimum age." in html


def test_secretary_cannot_add_a_trial_to_another_board(client, login, secretary, boards):
    login(secretary)
    melanoma = boards["dermatology"]
    response = client.post("/trials/new", data=new_trial(boards=[str(melanoma.id)]))
    assert response.status_code == 422


@pytest.mark.parametrize("value", ["²", "-1", "99999999999999999999", "x"])
def test_a_board_value_that_is_no_board_is_refused_not_a_500(client, login, secretary, value):
    login(secretary)
    response = client.post("/trials/new", data=new_trial(boards=[value]))
    assert response.status_code == 422


def test_members_read_the_list_but_cannot_edit(client, login, member, create_trial):
    trial = create_trial(title="Visible to the thoracic board")
    other = create_trial(board="dermatology", title="Melanoma only")
    login(member)
    page = client.get("/trials").get_data(as_text=True)
    assert "Visible to the thoracic board" in page and "Melanoma only" not in page
    assert client.get("/trials/new").status_code == 403
    assert client.get(f"/trials/{trial.id}/edit").status_code == 403
    assert client.get(f"/trials/{other.id}/edit").status_code == 404


def test_someone_without_a_board_has_no_trial_list(client, login, make_user):
    login(make_user("outsider@example.org", {}))
    assert client.get("/trials").status_code == 403


def test_edit_keeps_the_boards_the_secretary_does_not_run(client, login, secretary, create_trial, boards):
    trial = create_trial(board=("thoracic", "dermatology"), ids="NCT04613596")
    login(secretary)
    form = client.get(f"/trials/{trial.id}/edit").get_data(as_text=True)
    assert "NCT04613596" in form and 'name="version" type="hidden" value="1"' in form
    thoracic = boards["thoracic"]
    response = client.post(f"/trials/{trial.id}/edit", data=new_trial(status="on_hold", boards=[str(thoracic.id)],
                                                                      version="1"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(trial)
    assert trial.status is TrialStatus.ON_HOLD
    assert sorted(b.slug for b in trial.boards) == ["dermatology", "thoracic"]


def test_import_a_clinicaltrials_gov_record(client, login, admin, boards):
    login(admin)
    thoracic = boards["thoracic"]
    with open(DATA / "NCT09990001.json", "rb") as f:
        response = client.post("/trials/import", data={"file": (f, "NCT09990001.json"), "boards": [str(thoracic.id)]},
                               content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    trial = db.session.scalar(sa.select(Trial))
    assert trial.registry_ids == "NCT09990001, 2021-000123-45"  # the EudraCT number kept, the sponsor's code not
    assert trial.acronym == "KRYPTON-12" and trial.phase == "3" and trial.age_min == 18 and trial.age_max is None
    assert trial.status is TrialStatus.CLOSED  # ACTIVE_NOT_RECRUITING takes no patient
    assert "KRAS G12C mutation" in trial.eligibility_text
    assert trial.conditions.startswith("Advanced Non-Small Cell Lung Cancer")


def test_a_second_import_updates_the_registry_fields_and_keeps_the_local_ones(client, login, admin, create_trial,
                                                                           boards):
    trial = create_trial(ids="NCT05009836", status="on_hold", title="Old title", investigator="Dr Nora Haddad",
                         alterations=[{"gene": "ALK", "kind": "any", "change": ""}])
    login(admin)
    with open(DATA / "search_page.json", "rb") as f:
        response = client.post("/trials/import", data={"file": (f, "studies.json"), "boards": [str(boards["thoracic"].id)]},
                               content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(trial)
    assert trial.title == "Paediatric relapsed solid tumours, targeted arms" and trial.phase == "1/2"
    assert trial.investigator == "Dr Nora Haddad" and trial.alterations[0]["gene"] == "ALK"
    assert trial.status is TrialStatus.ON_HOLD  # the local status stays
    # The record with a broken NCT id is named, not imported.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trial)) == 1
    page = client.get("/trials").get_data(as_text=True)
    assert "NCT0500" in page


def test_a_file_that_is_not_a_study_record_is_refused(client, login, admin, boards):
    login(admin)
    for content in (b"%PDF-1.4", b'{"hello": 1}'):
        response = client.post("/trials/import", data={"file": (__import__("io").BytesIO(content), "x.json"),
                                                       "boards": [str(boards["thoracic"].id)]},
                               content_type="multipart/form-data")
        assert response.status_code == 422
        assert 'id="file-error"' in response.get_data(as_text=True)


def test_an_id_another_trial_holds_second_is_refused_next_to_the_field(client, login, secretary, boards,
                                                                       create_trial):
    create_trial(ids="2016-000133-40, NCT04613596", title="Sotorasib basket")
    login(secretary)
    response = client.post("/trials/new", data=new_trial(registry_ids="NCT04613596",
                                                          boards=[str(boards["thoracic"].id)]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="registry_ids-error"' in html and "NCT04613596 is already in the registry (Sotorasib basket)" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trial)) == 1


def test_a_secretary_is_not_told_the_title_of_another_boards_trial(client, login, secretary, boards, create_trial):
    hidden = create_trial(board="dermatology", ids="NCT04613596", title="Secret melanoma basket")
    login(secretary)
    assert client.get(f"/trials/{hidden.id}/edit").status_code == 404
    response = client.post("/trials/new", data=new_trial(boards=[str(boards["thoracic"].id)]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Secret melanoma basket" not in html
    assert "NCT04613596 is already held by a trial of another board; ask an administrator" in html


@pytest.mark.parametrize("name", ["age_min", "age_max", "prior_lines_min", "prior_lines_max"])
def test_a_number_of_thousands_of_digits_is_refused_next_to_the_field(client, login, secretary, boards, name):
    login(secretary)
    response = client.post("/trials/new", data=new_trial(boards=[str(boards["thoracic"].id)], **{name: "1" * 5000}))
    assert response.status_code == 422
    assert f'id="{name}-error"' in response.get_data(as_text=True)


def test_a_reversed_icd10_range_is_refused_next_to_the_field(client, login, secretary, boards):
    login(secretary)
    for reversed_range, fixed in (("C44-C43", "C43-C44"), ("C34.9-C34.0", "C34.0-C34.9")):
        response = client.post("/trials/new", data=new_trial(boards=[str(boards["thoracic"].id)],
                                                              icd10_ranges=reversed_range))
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert 'id="icd10_ranges-error"' in html and f"write the lower code first, e.g. {fixed}" in html
    # A range from a subcategory to the end of its category holds codes: it stays.
    response = client.post("/trials/new", data=new_trial(boards=[str(boards["thoracic"].id)], icd10_ranges="C34.1-C34"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_import_updates_the_trial_that_holds_the_nct_id_second(client, login, admin, boards, create_trial):
    # Added by its EudraCT number first, like the demo's PAED-MATCH.
    trial = create_trial(ids="2021-000123-45, NCT09990001", status="recruiting")
    login(admin)
    with open(DATA / "NCT09990001.json", "rb") as f:  # ACTIVE_NOT_RECRUITING
        response = client.post("/trials/import", data={"file": (f, "NCT09990001.json"),
                                                       "boards": [str(boards["thoracic"].id)]},
                               content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trial)) == 1
    db.session.refresh(trial)
    assert trial.status is TrialStatus.CLOSED and trial.registry_ids == "2021-000123-45, NCT09990001"


def test_import_finds_a_trial_by_its_eudract_number_and_never_gives_one_id_to_two_trials(client, login, admin,
                                                                                          boards, create_trial):
    by_eudract = create_trial(ids="2021-000123-45")
    login(admin)

    def import_record():
        with open(DATA / "NCT09990001.json", "rb") as f:
            return client.post("/trials/import", data={"file": (f, "NCT09990001.json"),
                                                        "boards": [str(boards["thoracic"].id)]},
                               content_type="multipart/form-data")

    assert import_record().status_code == 302
    db.session.refresh(by_eudract)
    assert by_eudract.registry_ids == "2021-000123-45, NCT09990001"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trial)) == 1
    # Two trials each holding one of the study's ids: the NCT id's holder is updated, and
    # the EudraCT number stays with the trial that holds it.
    by_eudract.registry_ids = by_eudract.primary_id = "2021-000123-45"
    by_nct = create_trial(ids="NCT09990001")
    assert import_record().status_code == 302
    db.session.refresh(by_nct)
    assert by_nct.registry_ids == "NCT09990001" and by_nct.imported_at is not None
    db.session.refresh(by_eudract)
    assert by_eudract.registry_ids == "2021-000123-45"


def test_import_without_a_board_says_so_next_to_the_boards(client, login, secretary):
    login(secretary)
    with open(DATA / "NCT09990001.json", "rb") as f:
        response = client.post("/trials/import", data={"file": (f, "NCT09990001.json")},
                               content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="boards-error"' in html and 'id="file-error"' not in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trial)) == 0


def test_ids_typed_as_the_fields_hint_writes_them_are_stored_without_the_registry_names(client, login, secretary,
                                                                                        boards):
    login(secretary)
    typed = "NCT05000199, EU CT 2023-503456-39-00, EudraCT 2015-001234-56, ID-RCB 2019-A01234-99"
    response = client.post("/trials/new", data=new_trial(registry_ids=typed, boards=[str(boards["thoracic"].id)]))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    trial = db.session.scalar(sa.select(Trial))
    assert trial.registry_ids == "NCT05000199, 2023-503456-39-00, 2015-001234-56, 2019-A01234-99"
    page = client.get("/trials").get_data(as_text=True)
    assert "EUCT=2023-503456-39-00" in page and "EudraCT," not in page  # linked, no name shown as an id
