"""The demo cases: a dozen realistic cases, each submitted one with its NGS report PDF."""

import io
from decimal import Decimal

import sqlalchemy as sa
from pypdf import PdfReader

from mtb.cases import demo
from mtb.cases.models import Biomarker, Case, CaseStatus, MolecularReport, SpecimenType, VariantOrigin
from mtb.extensions import db


def test_demo_cases_span_the_boards_with_reports(make_user):
    make_user("clinician@example.org", {slug: ["clinician"] for slug in ("thoracic", "paediatric", "dermatology")})
    demo.seed()
    db.session.commit()
    cases = db.session.scalars(sa.select(Case).order_by(Case.id)).all()
    assert len(cases) == 12
    assert {c.board.slug for c in cases} == {"thoracic", "paediatric", "dermatology"}
    assert all(c.submitter.email == "clinician@example.org" for c in cases)
    drafts = [c for c in cases if c.status is CaseStatus.DRAFT]
    assert 1 <= len(drafts) <= 2
    labels = {b.label for c in cases for b in c.biomarkers}
    assert {"EGFR p.Leu858Arg", "BRAF p.Val600Glu", "ALK fusion EML4::ALK", "NTRK3 fusion ETV6::NTRK3",
            "KRAS p.Gly12Cys", "NRAS p.Gln61Arg", "ALK p.Phe1174Leu", "MSI-H"} <= labels
    for case in cases:
        if case.status is CaseStatus.DRAFT:
            continue
        assert case.attachments and all(a.file_type == "pdf" for a in case.attachments)
        text = PdfReader(io.BytesIO(case.attachments[0].data)).pages[0].extract_text()
        assert case.reference in text and "Somatic tumour profiling report" in text


def test_demo_cases_use_the_fields_a_board_decides_on(make_user):
    make_user("clinician@example.org", {slug: ["clinician"] for slug in ("thoracic", "paediatric", "dermatology")})
    demo.seed()
    db.session.commit()
    biomarkers = db.session.scalars(sa.select(Biomarker)).all()
    reports = db.session.scalars(sa.select(MolecularReport)).all()
    assert {b.origin for b in biomarkers} >= {VariantOrigin.SOMATIC, VariantOrigin.GERMLINE}
    assert any(b.classification and b.classification.is_tier for b in biomarkers)
    assert any(b.classification and not b.classification.is_tier for b in biomarkers)
    assert any(b.is_negative and "MET exon 14" in b.not_detected for b in biomarkers)
    assert any(b.partner_unknown and b.full_label == "ROS1 rearrangement, partner unknown" for b in biomarkers)
    assert any(r.tumour_content is not None and r.specimen_type is SpecimenType.FFPE_TISSUE for r in reports)
    assert any(r.specimen_type is SpecimenType.PLASMA for r in reports)
    assert any(b.vaf == Decimal("0.004") for b in biomarkers)  # a ctDNA VAF is not 0
    assert all(b.report is not None for b in biomarkers)
    # The NGS report PDF prints tier, tumour content and the negative panel.
    faure = db.session.scalar(sa.select(Case).where(Case.patient_name == "FAURE Thomas"))
    text = PdfReader(io.BytesIO(faure.attachments[0].data)).pages[0].extract_text()
    assert "Tier I" in text and "30 %" in text and "Tested, not detected" in text and "MET exon 14" in text
