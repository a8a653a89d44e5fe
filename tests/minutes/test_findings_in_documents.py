"""The signed minutes and the decision letter print each finding as every page does, with its
transcript, origin, tier or class and VAF, the report's specimen and tumour cell content, and
the negative panel: what the board decided on is what the documents keep."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from pypdf import PdfReader

from mtb.cases.models import GenomeBuild, MolecularReport, SampleSite, SpecimenType
from mtb.decisions import services as decisions
from mtb.decisions.attendance import record_attendance
from mtb.decisions.session import close_meeting
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from mtb.minutes import services
from mtb.minutes.context import letter_context, minutes_context
from mtb.minutes.models import DecisionLetter
from tests.decisions.helpers import targeted

FINDINGS = [
    {"kind": "variant", "gene": "BRAF", "transcript": "NM_004333.6", "hgvs_c": "c.1799T>A", "hgvs_p": "p.(Val600Glu)",
     "protein_reference": "NP_004324.2", "exon": "exon 15", "origin": "somatic", "classification": "tier_1",
     "vaf": Decimal("46")},
    {"kind": "variant", "gene": "BRCA2", "transcript": "NM_000059.4", "hgvs_c": "c.5946del",
     "hgvs_p": "p.(Ser1982ArgfsTer22)", "origin": "germline", "classification": "class_5", "vaf": Decimal("48")},
    {"kind": "fusion", "gene_3p": "ALK", "partner_unknown": True, "driver": "3p", "method": "fish"},
    {"kind": "negative", "not_detected": ["EGFR", "ALK", "ROS1", "KRAS", "MET exon 14", "RET", "NTRK"]},
]


def _text(data: bytes) -> str:
    """The PDF's words, whatever the lines they were set on."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def _decided_case(team, started_meeting, create_case):
    case = create_case(status="scheduled", biomarkers=FINDINGS)
    report = MolecularReport(case=case, position=0, assay="TSO500", lab="CHU molecular genetics",
                             specimen_type=SpecimenType.FFPE_TISSUE, sample_id="B-26-01734 A2",
                             sample_site=SampleSite.METASTASIS, site="liver", tumour_content=Decimal("40"),
                             genome_build=GenomeBuild.GRCH38, collected_on=date(2026, 1, 2))
    db.session.add(report)
    for biomarker in case.biomarkers:
        biomarker.report = report
    db.session.commit()
    meeting = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION)
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"])})
    decisions.save_draft(meeting.items[0], team["secretary"], "BRAF V600E with germline BRCA2.",
                         [targeted(case, 0, drug="Dabrafenib + trametinib")])
    close_meeting(meeting, team["secretary"])
    db.session.commit()
    return case, meeting


EXPECTED = (
    "BRAF NM_004333.6:c.1799T>A p.(Val600Glu)",   # the transcript with the description
    "exon 15 · somatic · Tier I · VAF 46 %",       # origin and AMP tier
    "germline · Class 5",                          # ACMG class of a germline variant
    "ALK rearrangement, partner unknown",
    "Not detected: EGFR, ALK, ROS1, KRAS, MET exon 14, RET, NTRK",
    "tumour cells 40 %", "FFPE tissue (B-26-01734 A2)", "metastasis, liver", "GRCh38",
)


def test_minutes_and_letter_show_transcript_origin_tier_tumour_content_and_the_negative_panel(
        team, started_meeting, create_case):
    case, meeting = _decided_case(team, started_meeting, create_case)
    version = services.sign(meeting, team["chair"], notify=False)
    minutes = _text(version.pdf)
    letter = _text(db.session.scalars(sa.select(DecisionLetter)).one().pdf)
    for expected in EXPECTED:
        assert expected in minutes, expected
        assert expected in letter, expected
    # The negative panel is listed after the findings, as excluded.
    assert minutes.index("ALK rearrangement") < minutes.index("Not detected:")


def test_the_documents_plain_context_holds_the_printed_findings(team, started_meeting, create_case, request_ctx):
    case, meeting = _decided_case(team, started_meeting, create_case)
    [item] = minutes_context(meeting, team["chair"], meeting.closed_at)["items"]
    labels = [b["label"] for b in item["biomarkers"]]
    assert labels == [b.full_label for b in case.biomarkers]
    assert item["biomarkers"][-1]["negative"] and item["biomarkers"][0]["report"] == 1
    assert "tumour cells 40 %" in item["reports"][0]["details"]
    decision = decisions_of(case)
    assert letter_context(decision)["biomarkers"] == item["biomarkers"]


def decisions_of(case):
    from mtb.decisions.queries import latest_decision

    return latest_decision(case.agenda_items[0])


def test_a_context_stored_before_reports_existed_still_prints(team, started_meeting, create_case, request_ctx):
    """Stored versions keep their context: the old biomarker rows (hgvs_c, value, assay, specimen) still render."""
    from mtb.minutes.rendering import minutes_html

    case, meeting = _decided_case(team, started_meeting, create_case)
    context = minutes_context(meeting, team["chair"], meeting.closed_at)
    item = context["items"][0]
    item.pop("reports")
    item["biomarkers"] = [{"id": 1, "kind": "Sequence variant", "label": "EGFR p.Leu858Arg", "hgvs_c": "c.2573T>G",
                           "value": "VAF 32 %", "assay": "Oncomine", "specimen": "FFPE lung biopsy"}]

    class Version:
        number, created_at, content_sha256, reason = 1, meeting.closed_at, "0" * 64, ""

    html = minutes_html(context, Version, meeting.board.timezone)
    assert "c.2573T&gt;G" in html and "VAF 32 %" in html and "FFPE lung biopsy" in html


def test_a_childs_age_is_in_months_in_the_minutes_and_the_letter(team, started_meeting, create_case):
    """A paediatric board reads "20 months", not "1 years"."""
    from mtb.db import utcnow

    case, meeting = _decided_case(team, started_meeting, create_case)
    today = utcnow().date()
    months = today.year * 12 + today.month - 1 - 20
    case.patient_birth_date = date(months // 12, months % 12 + 1, 1)  # 20 months ago, the 1st
    db.session.commit()
    version = services.sign(meeting, team["chair"], notify=False)
    letter = _text(db.session.scalars(sa.select(DecisionLetter)).one().pdf)
    for text in (_text(version.pdf), letter):  # 19 when the meeting's day is before the 1st
        assert re.search(r"\b(19|20) months\b", text) and "1 years" not in text
