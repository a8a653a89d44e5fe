"""The demo cases: a dozen realistic cases, each submitted one with its NGS report PDF."""

import io

import sqlalchemy as sa
from pypdf import PdfReader

from mtb.cases.models import Case, CaseStatus
from mtb.extensions import db
from mtb.cases import demo


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
        [report] = case.attachments
        assert report.file_type == "pdf"
        text = PdfReader(io.BytesIO(report.data)).pages[0].extract_text()
        assert case.reference in text and "Somatic tumour profiling report" in text
