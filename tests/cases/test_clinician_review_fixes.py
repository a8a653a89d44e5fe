"""What a referring clinician found using the demo: an infant's age in years ("1 years"),
a decimal point in a French message, chosen files dropped without a word when the form
comes back, a label said twice in a message, "1 file(s)", and a case on today's meeting
in session shown with no next meeting."""

import re
from datetime import date, timedelta
from types import SimpleNamespace

from mtb.db import utcnow
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from mtb.trials.matching import FAILED, MET, CaseFacts, match
from tests.fixtures.cases import case_form, upload

NEW = "/boards/thoracic/cases/new"


def trial(**criteria):
    """A trial with only the criteria given (as ``tests/trials/test_matching.py`` builds them)."""
    base = dict(alterations=[], molecular_logic="any", tmb_min=None, requires_msi_high=False, pdl1_tps_min=None,
                requires_hrd=False, icd10_ranges=[], age_min=None, age_max=None, prior_lines_min=None,
                prior_lines_max=None)
    base.update(criteria)
    return SimpleNamespace(**base)


def months_ago(months: int, today: date) -> date:
    """The date ``months`` whole months before ``today`` (day 1, so every month has it)."""
    total = today.year * 12 + today.month - 1 - months
    return date(total // 12, total % 12 + 1, 1)


# --- 1. Ages: plural, and months under two years ---------------------------------------

def test_ages_read_in_years_from_two_and_in_months_or_days_below(app):
    from mtb.formatting import age_text

    on = date(2026, 6, 15)
    with app.test_request_context("/"):
        assert age_text(date(1961, 4, 2), on) == "65 years"
        assert age_text(date(2024, 6, 15), on) == "2 years"
        assert age_text(date(2024, 6, 16), on) == "23 months"  # a day short of two years
        assert age_text(date(2025, 5, 15), on) == "13 months"
        assert age_text(date(2026, 5, 15), on) == "1 month"
        assert age_text(date(2026, 6, 14), on) == "1 day"
        assert age_text(date(2026, 6, 3), on) == "12 days"
        assert age_text(None, on) == ""


def test_an_infants_age_on_the_case_page_is_in_months(client, clinician, login, create_case):
    today = utcnow().date()
    infant = create_case(submitter=clinician, patient_birth_date=months_ago(20, today))
    adult = create_case(submitter=clinician)
    login(clinician)
    html = client.get(f"/cases/{infant.id}").get_data(as_text=True)
    assert "(20 months)" in html and "years)" not in html
    html = client.get(f"/cases/{adult.id}").get_data(as_text=True)
    assert re.search(r"\(\d+ years\)", html)


def test_trial_age_criteria_say_year_or_years_and_an_infant_in_months(app):
    today = date(2026, 12, 1)
    child = CaseFacts("C49.2", date(2025, 1, 1), 0, (), today)  # 23 months old
    with app.test_request_context("/"):
        [criterion] = match(trial(age_min=1), child).criteria
        assert (criterion.text, criterion.verdict, criterion.because) == ("Age ≥ 1 year", MET, "23 months")
        [criterion] = match(trial(age_max=1), child).criteria  # 1 year old: whole years, as trials count them
        assert (criterion.text, criterion.verdict) == ("Age ≤ 1 year", MET)
        [criterion] = match(trial(age_max=0), child).criteria
        assert (criterion.text, criterion.verdict) == ("Age ≤ 0 years", FAILED)
        [criterion] = match(trial(age_min=1, age_max=21), child).criteria
        assert criterion.text == "Age 1 to 21 years"
        adult = CaseFacts("C34.1", date(1960, 5, 1), 1, (), today)
        assert match(trial(age_min=18), adult).criteria[0].because == "66 years"


# --- 2. Numbers in French messages -----------------------------------------------------

def test_a_low_vaf_warning_writes_the_vaf_as_a_french_reader_does(client, clinician, login):
    clinician.locale = "fr"
    db.session.commit()
    login(clinician)
    response = client.post(NEW, data=case_form(action="draft", **{"biomarkers-0-vaf": "0.48"}), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Une VAF de 0,48 %" in html
    assert "Une VAF de 0.48" not in html


def test_a_pdl1_category_message_writes_the_score_as_a_french_reader_does(client, clinician, login):
    clinician.locale = "fr"
    db.session.commit()
    login(clinician)
    data = case_form(action="draft", **{"biomarkers-0-kind": "pdl1", "biomarkers-0-gene": None,
                                       "biomarkers-0-hgvs_c": None, "biomarkers-0-hgvs_p": None,
                                       "biomarkers-0-vaf": None, "biomarkers-0-pdl1_tps": "0.5",
                                       "biomarkers-0-pdl1_category": "50_or_more"})
    response = client.post(NEW, data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Un TPS de 0,5 %" in html
    assert "Un TPS de 0.5" not in html


def test_trial_criteria_write_their_numbers_as_a_french_reader_does(app):
    from decimal import Decimal

    from flask_babel import force_locale

    from mtb.cases.findings import BiomarkerKind
    from mtb.trials.matching import Finding

    facts = CaseFacts("C34.1", date(1960, 5, 1), 1, (Finding(BiomarkerKind.TMB, tmb=Decimal("12.5")),), date(2026, 12, 1))
    with app.test_request_context("/"), force_locale("fr"):
        [criterion] = match(trial(tmb_min=Decimal("10.5")), facts).criteria
        assert "10,5" in criterion.text and "12,5" in criterion.because


# --- 3. Files chosen on a form shown again ---------------------------------------------

def test_files_chosen_on_a_refused_form_are_named_beside_the_file_field(client, clinician, login, files):
    login(clinician)
    data = case_form(action="submit", **{"reports-0-assay": "TSO500", "reports-0-tumour_content": "150"},
                     report_files=[upload(files["pdf"], "ngs.pdf"), upload(files["vcf"], "tumour.vcf")])
    response = client.post(NEW, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    beside = re.search(r'<p class="notice" role="status" id="report_files-again">(.*?)</p>', html, re.S)
    assert beside, "no message beside the file field"
    assert beside.group(1).strip() == "The files you chose (ngs.pdf, tumour.vcf) were not saved: choose them again."
    # Right after the file field, in the report files' section.
    field_at, note_at = html.index('id="report_files"'), beside.start()
    assert field_at < note_at < html.index("</fieldset>", field_at)


def test_one_file_chosen_again_is_said_in_the_singular(client, clinician, login, files):
    login(clinician)
    data = case_form(action="submit", diagnosis="", report_files=[upload(files["pdf"], "ngs.pdf")])
    html = client.post(NEW, data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "The file you chose (ngs.pdf) was not saved: choose it again." in html


# --- 4. A note after a save names its field once ---------------------------------------

def test_the_transcript_taken_from_the_coding_change_is_not_labelled_twice(client, clinician, login):
    login(clinician)
    data = case_form(action="submit", **{"biomarkers-0-hgvs_c": "NM_005228.5:c.2573T>G"})
    html = client.post(NEW, data=data, follow_redirects=True).get_data(as_text=True)
    assert "Finding 1 · Transcript: NM_005228.5, taken from the coding change." in html
    assert "Transcript: Transcript" not in html


# --- 5. Counted files in the singular and the plural -----------------------------------

def test_attached_files_are_counted_in_the_singular_and_the_plural(client, clinician, login, create_case, files):
    case = create_case(submitter=clinician)
    login(clinician)
    one = client.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data", follow_redirects=True,
                      data={"files": [upload(files["pdf"], "ngs.pdf")]}).get_data(as_text=True)
    assert "1 file attached." in one and "file(s)" not in one
    two = client.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data", follow_redirects=True,
                      data={"files": [upload(files["pdf"], "a.pdf"), upload(files["csv"], "b.csv")]})
    assert "2 files attached." in two.get_data(as_text=True)


def test_findings_added_from_a_vcf_are_counted_in_the_plural(client, login, case_with):
    case, attachment, clinician = case_with("vep_tumour_normal.vcf")
    login(clinician)
    html = client.post(f"/cases/{case.id}/attachments/{attachment.id}/variants", follow_redirects=True,
                       data={"row": ["23", "22"], "version": case.version, "filtered": "1"}).get_data(as_text=True)
    assert "2 findings added from vep_tumour_normal.vcf." in html and "finding(s)" not in html


# --- 6. A case on the meeting in session ------------------------------------------------

def test_my_case_on_the_meeting_in_session_shows_that_meeting_as_next(client, clinician, login, create_case,
                                                                      create_meeting):
    first = create_case(board="thoracic", submitter=clinician, status="scheduled")
    mine = create_case(board="thoracic", submitter=clinician, status="scheduled")
    meeting = create_meeting(starts_in=-timedelta(minutes=30), status=MeetingStatus.IN_SESSION, cases=[first, mine])
    login(clinician)
    html = client.get("/cases/mine").get_data(as_text=True)
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{re.escape(mine.reference)}(?:(?!</tr>).)*</tr>", html, re.S)
    assert row and f"/meetings/{meeting.id}" in row.group(0)
