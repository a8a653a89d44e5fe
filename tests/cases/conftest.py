"""Cases fixtures: valid form data, and files of each type built in memory."""

from __future__ import annotations

import gzip
import io

import pytest

#: A small but real PDF (pypdf can open it).
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x00" * 40
VCF = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n7\t140753336\t.\tA\tT\t50\tPASS\t.\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50


def put_on_meeting(case, status: str = "scheduled", outcome: str = "pending"):
    """Put the case on the agenda of a new meeting of its board in ``status``
    (rows built directly, like create_case: these tests do not go through the agenda pages)."""
    from datetime import timedelta

    from mtb.db import utcnow
    from mtb.extensions import db
    from mtb.meetings.models import AgendaItem, ItemOutcome, Meeting, MeetingStatus

    meeting = Meeting(board_id=case.board_id, starts_at=utcnow().replace(microsecond=0) + timedelta(days=3),
                      duration_minutes=60, cutoff_hours=48, status=MeetingStatus(status))
    db.session.add(meeting)
    db.session.add(AgendaItem(meeting=meeting, case=case, minutes=10, outcome=ItemOutcome(outcome)))
    db.session.commit()
    return meeting


@pytest.fixture
def files():
    return {
        "pdf": MINIMAL_PDF, "png": PNG, "jpeg": JPEG, "vcf": VCF, "vcf.gz": gzip.compress(VCF), "exe": EXE,
        "csv": "gene;variant;vaf\nEGFR;p.Leu858Arg;32\nTP53;p.Arg273His;41\n".encode(),
        "tsv": b"gene\tvariant\tvaf\nEGFR\tp.Leu858Arg\t32\n",
    }


def upload(data: bytes, name: str):
    """A (stream, filename) pair the test client sends as a file."""
    return (io.BytesIO(data), name)


def case_form(**overrides) -> dict:
    """A complete case form (one EGFR variant row) as the browser posts it."""
    data = {
        "version": "",
        "patient_record_number": "IPP0099001",
        "patient_name": "DURAND Marie",
        "patient_sex": "female",
        "patient_birth_date": "1965-05-12",
        "diagnosis": "Lung adenocarcinoma, stage IV",
        "icd10_code": "c341",
        "icdo3_morphology": "8140/3",
        "stage": "IVA",
        "ecog": "1",
        "prior_lines": "1",
        "prior_treatments": "Carboplatin-pemetrexed",
        "clinical_question": "Second-line options?",
        "urgency": "routine",
        "research_consent": ["BIOCART"],
        "biomarkers-0-kind": "variant",
        "biomarkers-0-gene": "EGFR",
        "biomarkers-0-hgvs_c": "c.2573T>G",
        "biomarkers-0-hgvs_p": "p.L858R",
        "biomarkers-0-vaf": "32",
        "biomarkers-0-assay": "Oncomine Focus",
        "biomarkers-0-reported_on": "2026-01-10",
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


@pytest.fixture
def other_clinician(make_user):
    """A clinician of the paediatric board only."""
    return make_user("paed@example.org", {"paediatric": ["clinician"]}, name="Dr Nora Haddad")


@pytest.fixture
def request_ctx(app):
    """Messages are translated for a request's locale: service-level tests run in one."""
    with app.test_request_context("/"):
        yield
