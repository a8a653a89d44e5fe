"""What an import from ClinicalTrials.gov makes of ages given in months, weeks or days, of a
study the registry paused, and of a file saved in another encoding than UTF-8."""

from __future__ import annotations

import codecs
import io
import json
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from mtb.extensions import db
from mtb.trials import ctgov
from mtb.trials.matching import MET, CaseFacts, match
from mtb.trials.models import Trial, TrialStatus

TODAY = date(2026, 12, 1)


def study(nct="NCT01234569", status="RECRUITING", minimum=None, maximum=None, title="Study"):
    eligibility = {k: v for k, v in (("minimumAge", minimum), ("maximumAge", maximum)) if v is not None}
    return {"protocolSection": {"identificationModule": {"nctId": nct, "briefTitle": title},
                                "statusModule": {"overallStatus": status}, "eligibilityModule": eligibility}}


def post(client, boards, content: bytes, board="paediatric"):
    return client.post("/trials/import", data={"file": (io.BytesIO(content), "study.json"),
                                               "boards": [str(boards[board].id)]},
                       content_type="multipart/form-data")


def age_verdict(age_min, age_max, born) -> str:
    trial = SimpleNamespace(alterations=[], molecular_logic="any", tmb_min=None, requires_msi_high=False,
                            pdl1_tps_min=None, requires_hrd=False, icd10_ranges=[], age_min=age_min,
                            age_max=age_max, prior_lines_min=None, prior_lines_max=None)
    return match(trial, CaseFacts(None, born, None, (), TODAY)).criteria[0].verdict


def months_old(born: date) -> int:
    """Completed months on TODAY."""
    return (TODAY.year - born.year) * 12 + TODAY.month - born.month - (TODAY.day < born.day)


# Ages ------------------------------------------------------------------------------------

@pytest.mark.parametrize("minimum, maximum, age_min, age_max", [
    ("18 Years", "17 Years", "18", "17"),  # whole years: as the registry says (its maximum is inclusive)
    ("18 Months", "21 Years", "2", "21"),  # the minimum rounded up: 12-17 months never meet it
    ("12 Months", "23 Months", "1", "1"),  # exact: 1 year old and over; under 2 years
    ("6 Weeks", "30 Months", "1", "1"),  # 30 months: a 2-year-old may be 31 months old
    ("30 Days", "6 Months", "1", "0"),  # a maximum under one year: kept as "under one year"
    ("N/A", "N/A", "", ""),
])
def test_ages_in_months_weeks_and_days_become_whole_years_that_never_admit_too_many(minimum, maximum,
                                                                                    age_min, age_max):
    values = ctgov.values_of(study(minimum=minimum, maximum=maximum))
    assert (values["age_min"], values["age_max"]) == (age_min, age_max)


@pytest.mark.parametrize("unit, days", [("Months", None), ("Weeks", 7), ("Days", 1)])
def test_no_child_outside_the_registrys_age_limits_meets_the_age_criterion(app, unit, days):
    """Every limit up to five years, every child up to seven years old: a met age criterion
    means the registry's limits take the child (except a maximum under one year, noted)."""
    top = 60 if unit == "Months" else (260 if unit == "Weeks" else 1830)
    step = 1 if unit == "Months" else (3 if unit == "Weeks" else 17)
    births = [TODAY - timedelta(days=n) for n in range(0, 7 * 366, 5)]
    for number in range(0, top + 1, step):
        text = f"{number} {unit}"
        low, high = ctgov.age_limits(study(minimum=text, maximum=text))
        for born in births:
            if unit == "Months":
                age, limit = months_old(born), number
            else:
                age, limit = (TODAY - born).days // days, number  # completed weeks or days
            if age_verdict(low.years, None, born) == MET:
                assert age >= limit, (text, born)
            if not high.under_a_year and age_verdict(None, high.years, born) == MET:
                assert age <= limit, (text, born)


def test_a_toddler_under_the_minimum_in_months_is_not_matched_on_the_paediatric_board(client, login, admin, boards):
    login(admin)
    response = post(client, boards, json.dumps(study(minimum="18 Months", maximum="17 Years")).encode())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    trial = db.session.scalar(sa.select(Trial))
    assert (trial.age_min, trial.age_max) == (2, 17)
    assert age_verdict(trial.age_min, trial.age_max, TODAY - timedelta(days=400)) != MET  # 13 months old
    assert age_verdict(trial.age_min, trial.age_max, date(2024, 6, 1)) == MET  # 2 years old


def test_an_age_whole_years_cannot_keep_is_noted_for_the_secretary(app):
    toddler = ctgov.import_notes(study(nct="NCT01234569", minimum="18 Months", maximum="6 Months"))
    assert toddler == [
        ("NCT01234569: the minimum age on ClinicalTrials.gov, 18 Months, is kept as 2 years: younger patients "
         "the trial may take are not proposed."),
        ("NCT01234569: the maximum age on ClinicalTrials.gov, 6 Months, is kept as 0 years (under one year): "
         "check that an infant is not older than that before proposing the trial."),
    ]
    assert ctgov.import_notes(study(minimum="30 Days", maximum="30 Months")) == [
        ("NCT01234569: the minimum age on ClinicalTrials.gov, 30 Days, is kept as 1 year: younger patients "
         "the trial may take are not proposed."),
        ("NCT01234569: the maximum age on ClinicalTrials.gov, 30 Months, is kept as 1 year: older patients "
         "the trial may take are not proposed."),
    ]
    assert ctgov.import_notes(study(minimum="12 Months", maximum="17 Years")) == []


# Status ----------------------------------------------------------------------------------

@pytest.mark.parametrize("registry, recruiting, on_hold, closed", [
    ("SUSPENDED", "on_hold", "on_hold", "closed"),
    ("NOT_YET_RECRUITING", "on_hold", "on_hold", "closed"),
    ("ENROLLING_BY_INVITATION", "on_hold", "on_hold", "closed"),
    ("TEMPORARILY_NOT_AVAILABLE", "on_hold", "on_hold", "closed"),
    ("COMPLETED", "closed", "closed", "closed"),
    ("ACTIVE_NOT_RECRUITING", "closed", "closed", "closed"),
    # The registry never reopens a trial the hospital closed or paused: a secretary does.
    ("RECRUITING", "recruiting", "on_hold", "closed"),
    ("UNKNOWN", "recruiting", "on_hold", "closed"),
    ("", "recruiting", "on_hold", "closed"),
])
def test_a_reimport_closes_or_pauses_a_trial_and_never_reopens_one(registry, recruiting, on_hold, closed):
    after = [ctgov.refreshed_status(local, registry).value
             for local in (TrialStatus.RECRUITING, TrialStatus.ON_HOLD, TrialStatus.CLOSED)]
    assert after == [recruiting, on_hold, closed]


def test_a_new_study_enrolling_by_invitation_starts_on_hold(client, login, admin, boards):
    login(admin)
    response = post(client, boards, json.dumps(study(status="ENROLLING_BY_INVITATION")).encode())
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Trial)).status is TrialStatus.ON_HOLD


def test_a_recruiting_trial_the_registry_suspended_is_put_on_hold_at_reimport(client, login, admin, boards,
                                                                              create_trial):
    trial = create_trial(board="paediatric", ids="NCT01234568", status="recruiting")
    login(admin)
    response = post(client, boards, json.dumps(study(nct="NCT01234568", status="SUSPENDED")).encode())
    assert response.status_code == 302
    db.session.refresh(trial)
    assert trial.status is TrialStatus.ON_HOLD


# Encoding --------------------------------------------------------------------------------

NOT_UTF8 = "The file is not UTF-8 text: export it again from ClinicalTrials.gov as JSON."


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16"])
def test_a_study_saved_in_another_encoding_is_refused_as_not_utf8(client, login, admin, boards, encoding):
    login(admin)
    content = json.dumps(study(title="Étude pédiatrique"), ensure_ascii=False).encode(encoding)
    response = post(client, boards, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="file-error"' in html and NOT_UTF8 in html and "This is not a JSON file" not in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trial)) == 0


def test_a_utf8_study_with_or_without_a_byte_order_mark_is_imported(client, login, admin, boards):
    login(admin)
    text = json.dumps(study(title="Étude pédiatrique"), ensure_ascii=False)
    assert post(client, boards, text.encode("utf-8")).status_code == 302
    assert post(client, boards, codecs.BOM_UTF8 + text.encode("utf-8")).status_code == 302
    assert db.session.scalar(sa.select(Trial)).title == "Étude pédiatrique"


def test_a_binary_file_is_still_refused_as_no_json(client, login, admin, boards):
    login(admin)
    response = post(client, boards, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This is not a JSON file" in html and NOT_UTF8 not in html


def test_the_secretary_is_told_of_an_age_limit_whole_years_could_not_keep(client, login, admin, boards):
    login(admin)
    response = post(client, boards, json.dumps(study(minimum="18 Months", maximum="17 Years")).encode())
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert "flash-warning" in html and "18 Months, is kept as 2 years" in html
