"""The case form in Chromium: a clinician creates and submits a case with a report;
a bad upload is refused with everything typed still in the form."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from mtb.cases.models import Biomarker, Case
from mtb.extensions import db
from tests.fixtures.cases import MINIMAL_PDF, PNG

pytestmark = pytest.mark.browser


def fill_case(page):
    page.get_by_label("Hospital record number").fill("IPP0077001")
    page.get_by_label("Patient name").fill("VIDAL Anne")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Date of birth").fill("1958-02-14")
    page.get_by_label("Diagnosis", exact=True).fill("Cutaneous melanoma, stage IV")
    page.get_by_label("ICD-10 code").fill("c435")
    expect(page.locator("#icd10-description")).to_contain_text("melanoma of trunk")
    page.get_by_label("ECOG performance status").select_option("1")
    page.get_by_label("Question to the board").fill("BRAF V600E: targeted therapy or immunotherapy first?")
    card = page.locator(".bm-card").first
    card.get_by_label("Kind of finding").select_option("variant")
    expect(card.get_by_label("TMB (mut/Mb)")).to_be_hidden()  # fields of other kinds hide
    card.get_by_label("Gene (HGNC symbol)").fill("BRAF")
    card.get_by_label("HGVS p.").fill("p.V600E")
    card.get_by_label("VAF (%)").fill("41")
    # A second row added in the page, then removed again: nothing else changes.
    page.get_by_role("button", name="Add biomarker row").click()
    expect(page.locator(".bm-card")).to_have_count(2)
    page.locator(".bm-card").nth(1).get_by_label("Kind of finding").select_option("tmb")
    page.locator(".bm-card").nth(1).get_by_label("TMB (mut/Mb)").fill("14")


def test_clinician_creates_and_submits_a_case_with_a_report(page, browser_login, make_user, tmp_path):
    make_user("clinician@example.org", {"dermatology": ["clinician"]}, name="Dr Claire Dubois")
    browser_login(page, "clinician@example.org")
    page.goto("/boards/dermatology/cases")
    page.get_by_role("link", name="New case").click()
    fill_case(page)
    report = tmp_path / "NGS report.pdf"
    report.write_bytes(MINIMAL_PDF)
    page.get_by_label("Reports and data files").set_input_files(str(report))
    page.get_by_role("button", name="Save and submit to the board").click()
    expect(page.locator(".flash-success")).to_contain_text("submitted")
    expect(page.locator("h1")).to_contain_text(re.compile(r"DER-\d{4}-0001"))
    expect(page.get_by_text("BRAF p.Val600Glu")).to_be_visible()
    expect(page.get_by_text("TMB 14 mut/Mb")).to_be_visible()
    expect(page.get_by_role("link", name="NGS report.pdf")).to_be_visible()
    page.screenshot(path="test-artifacts/h1-case-page.png", full_page=True)
    page.get_by_role("link", name="Dermatology (melanoma)").first.click()
    expect(page.locator("table.case-list")).to_contain_text("BRAF p.Val600Glu")
    page.screenshot(path="test-artifacts/h1-list.png", full_page=True)


def test_bad_upload_is_refused_with_the_form_intact(page, browser_login, make_user, tmp_path):
    make_user("clinician@example.org", {"dermatology": ["clinician"]}, name="Dr Claire Dubois")
    browser_login(page, "clinician@example.org")
    page.goto("/boards/dermatology/cases/new")
    fill_case(page)
    fake = tmp_path / "report.pdf"
    fake.write_bytes(PNG)
    page.get_by_label("Reports and data files").set_input_files(str(fake))
    page.get_by_role("button", name="Save and submit to the board").click()
    expect(page.locator("#report_files-error")).to_contain_text("contains a PNG file")
    # Keyboard and screen-reader users start at the list of problems.
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_label("Patient name")).to_have_value("VIDAL Anne")
    expect(page.get_by_label("Question to the board")).to_have_value("BRAF V600E: targeted therapy or immunotherapy first?")
    cards = page.locator(".bm-card")
    expect(cards).to_have_count(2)
    expect(cards.first.get_by_label("HGVS p.")).to_have_value("p.V600E")
    expect(cards.nth(1).get_by_label("TMB (mut/Mb)")).to_have_value("14")
    page.screenshot(path="test-artifacts/h1-form-error.png", full_page=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_pasted_references_are_split_and_normalised_on_the_case_page_and_in_the_letter(
        page, browser_login, team, clinician, started_meeting):
    """NM_004333.6:c.1799T>A and NP_004324.2:p.V600E pasted as a report prints them: the form
    shows live what a save stores, the case page and the decision letter print it so."""
    import io

    from pypdf import PdfReader

    from mtb.cases.lifecycle import change_status
    from mtb.cases.models import CaseStatus
    from mtb.decisions import services as decisions
    from mtb.decisions.attendance import record_attendance
    from mtb.decisions.session import close_meeting
    from mtb.meetings.models import MeetingStatus
    from mtb.minutes import services as minutes
    from mtb.minutes.models import DecisionLetter
    from tests.decisions.helpers import targeted

    browser_login(page, "clinician@example.org")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/boards/thoracic/cases/new")
    page.get_by_label("Hospital record number").fill("IPP0077002")
    page.get_by_label("Patient name").fill("VIDAL Anne")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Date of birth").fill("1958-02-14")
    page.get_by_label("Diagnosis", exact=True).fill("Lung adenocarcinoma, stage IV")
    page.get_by_label("ICD-10 code").fill("C34.1")
    page.get_by_label("Question to the board").fill("BRAF V600E: dabrafenib and trametinib?")
    report = page.locator(".report-card").first
    report.get_by_label("Assay / panel").fill("Oncomine Focus")
    report.get_by_label("Specimen").select_option("ffpe_tissue")
    report.get_by_label("Tumour cells (%)").fill("40")
    card = page.locator(".bm-card").first
    card.get_by_label("Kind of finding").select_option("variant")
    card.get_by_label("Gene (HGNC symbol)").fill("BRAF")
    card.get_by_label("HGVS c.").fill("NM_004333.6:c.1799T>A")
    card.get_by_label("HGVS p.").fill("NP_004324.2:p.V600E")
    expect(card.locator("#biomarkers-0-hgvs_c-note")).to_contain_text("Stored as c.1799T>A")
    expect(card.locator("#biomarkers-0-hgvs_c-note")).to_contain_text("NM_004333.6")
    expect(card.locator("#biomarkers-0-hgvs_p-note")).to_contain_text("Stored as p.Val600Glu")
    expect(card.locator("#biomarkers-0-hgvs_p-note")).to_contain_text("NP_004324.2")
    card.get_by_label("Origin").select_option("somatic")
    card.get_by_label("Classification").select_option("tier_1")
    page.evaluate("document.querySelector('.bm-card').scrollIntoView({block: 'start'})")
    page.screenshot(path="test-artifacts/i8-live-hint.png")
    page.get_by_role("button", name="Save and submit to the board").click()
    expect(page.locator(".flash-success")).to_contain_text("submitted")
    finding = page.locator("table.biomarkers tbody tr").first
    expect(finding).to_contain_text("BRAF NM_004333.6:c.1799T>A p.Val600Glu")
    expect(finding).to_contain_text("protein NP_004324.2")
    expect(finding).to_contain_text("somatic · Tier I")
    expect(page.locator(".reports-list")).to_contain_text("tumour cells 40 %")
    assert "c.NM_" not in page.content() and "AsnPro" not in page.content()
    page.screenshot(path="test-artifacts/i8-case-page.png", full_page=True)

    # The board decides and the chair signs: the letter prints the finding as stored.
    case = db.session.scalars(sa.select(Case)).one()
    [variant] = case.biomarkers
    assert (variant.transcript, variant.hgvs_c, variant.protein_reference, variant.hgvs_p) == (
        "NM_004333.6", "c.1799T>A", "NP_004324.2", "p.Val600Glu")
    if case.status is not CaseStatus.SCHEDULED:
        change_status(case, CaseStatus.SCHEDULED, team["secretary"])
    meeting = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION)
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"])})
    decisions.save_draft(meeting.items[0], team["secretary"], "BRAF V600E.",
                         [targeted(case, 0, drug="Dabrafenib + trametinib")])
    close_meeting(meeting, team["secretary"])
    minutes.sign(meeting, team["chair"], notify=False)
    db.session.commit()
    letter = db.session.scalars(sa.select(DecisionLetter)).one()
    response = page.request.get(f"/letters/{letter.id}.pdf")
    assert response.ok
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages).split())
    assert "BRAF NM_004333.6:c.1799T>A p.Val600Glu" in text and "protein NP_004324.2" in text
    assert "somatic · Tier I" in text and "tumour cells 40 %" in text


def test_findings_keep_their_reports_when_a_report_is_removed_in_the_page(page, browser_login, make_user):
    """The script removes report 2 of 3: the browser posts reports-0 and -2, and each finding
    is saved with the report it names, not the one renumbered into the gap."""
    make_user("clinician@example.org", {"dermatology": ["clinician"]}, name="Dr Claire Dubois")
    browser_login(page, "clinician@example.org")
    page.goto("/boards/dermatology/cases/new")
    fill_case(page)
    for _n in range(2):
        page.get_by_role("button", name="Add report").click()
    reports = page.locator(".report-card")
    for n, assay in enumerate(("Oncomine Focus", "FISH ALK", "TSO500")):
        reports.nth(n).get_by_label("Assay / panel").fill(assay)
    cards = page.locator(".bm-card")
    cards.nth(0).get_by_label("From report").select_option("reports-0")
    cards.nth(1).get_by_label("From report").select_option("reports-2")
    reports.nth(1).get_by_role("button", name="Remove report").click()
    expect(page.locator(".report-card")).to_have_count(2)
    expect(cards.nth(1).get_by_label("From report")).to_have_value("reports-2")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash-success")).to_contain_text("Draft")
    found = {b.gene or b.kind.value: b.report.assay for b in db.session.scalars(sa.select(Biomarker))}
    assert found == {"BRAF": "Oncomine Focus", "tmb": "TSO500"}


def test_add_report_at_the_limit_says_why_nothing_is_added(page, browser_login, make_user):
    make_user("clinician@example.org", {"dermatology": ["clinician"]}, name="Dr Claire Dubois")
    browser_login(page, "clinician@example.org")
    page.goto("/boards/dermatology/cases/new")
    note = page.locator("#reports-limit")
    expect(note).to_be_hidden()
    add = page.get_by_role("button", name="Add report")
    for _n in range(9):
        add.click()
    expect(page.locator(".report-card")).to_have_count(10)
    expect(note).to_have_text("A case holds at most 10 reports: remove one to add another.")
    add.click()
    expect(page.locator(".report-card")).to_have_count(10)
    expect(note).to_be_visible()
    page.locator(".report-card").first.get_by_role("button", name="Remove report").click()
    expect(note).to_be_hidden()


def test_a_tmb_typed_with_a_decimal_comma_in_an_english_browser_is_stored_as_typed(page, browser_login, make_user):
    """A number input in an English-locale Chromium drops the comma of "8,5" and sends 85:
    TMB-low would read TMB-high. The field is text, the server reads the comma."""
    make_user("clinician@example.org", {"dermatology": ["clinician"]}, name="Dr Claire Dubois")
    browser_login(page, "clinician@example.org")
    page.goto("/boards/dermatology/cases/new")
    fill_case(page)
    box = page.locator(".bm-card").nth(1).get_by_label("TMB (mut/Mb)")
    box.fill("")
    box.press_sequentially("8,5")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    db.session.expire_all()
    tmb = db.session.scalar(sa.select(Biomarker.tmb).where(Biomarker.tmb.is_not(None)))
    assert str(tmb) in ("8.5", "8.50")
