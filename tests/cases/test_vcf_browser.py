"""In Chromium: a clinician attaches the lab's VEP-annotated VCF to a draft, reviews the
proposed rows, keeps two variants and sees them on the case page with their source."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mtb.cases.findings import GenomeBuild, MolecularReport
from mtb.extensions import db

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent / "data" / "vcf"


def test_clinician_imports_two_variants_from_a_vep_vcf(page, browser_login, make_user, create_case, tmp_path):
    clinician = make_user("clinician@example.org", {"thoracic": ["clinician"]}, name="Dr Claire Dubois")
    case = create_case(submitter=clinician, status="draft", biomarkers=())
    case.reports.append(MolecularReport(position=0, assay="TSO500", genome_build=GenomeBuild.GRCH38))
    db.session.commit()
    vcf = tmp_path / "B-26-04410_TSO500.vcf"
    shutil.copy(DATA / "vep_tumour_normal.vcf", vcf)

    browser_login(page, "clinician@example.org")
    page.goto(f"/cases/{case.id}")
    page.get_by_label("Files", exact=True).set_input_files(str(vcf))
    page.get_by_role("button", name="Attach").click()
    expect(page.locator(".flash-success")).to_contain_text("1 file attached")
    page.get_by_role("link", name="Import variants").click()

    expect(page.locator("h1")).to_contain_text("Import variants from B-26-04410_TSO500.vcf")
    rows = page.locator("table.vcf-table tbody tr")
    expect(rows).to_have_count(3)  # EGFR, BRAF, TP53: PASS and protein-altering
    page.get_by_label("Add TP53, line 25").uncheck()
    page.screenshot(path="test-artifacts/h14-vcf-review.png", full_page=True)
    page.get_by_role("button", name="Add the ticked rows to the case").click()

    expect(page.locator(".flash-success")).to_contain_text("2 findings added from B-26-04410_TSO500.vcf")
    findings = page.locator("table.biomarkers")
    expect(findings).to_contain_text("EGFR NM_005228.5:c.2573T>G p.Leu858Arg")
    expect(findings).to_contain_text("BRAF NM_004333.6:c.1799T>A p.Val600Glu")
    expect(findings).not_to_contain_text("TP53")
    expect(findings).to_contain_text("Imported from B-26-04410_TSO500.vcf, line 23")
    page.screenshot(path="test-artifacts/h14-case-after-import.png", full_page=True)
