"""Minutes and letters are tagged PDF/A-3b that an archive can file as they are: title, author
(the board), subject, language and the content fingerprint in the XMP metadata, which the
signature keeps; a structure tree for assistive technology; the hospital's letterhead, the
attendees and quorum, the lab and report date, the trial and the signature block in the letter."""

from __future__ import annotations

import io

import sqlalchemy as sa
from pypdf import PdfReader

from mtb.extensions import db
from mtb.minutes.models import DecisionLetter
from mtb.minutes.rendering import render_minutes
from tests.minutes.helpers import signed_meeting


def _reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def _text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in _reader(data).pages).split())


def test_minutes_and_letter_are_tagged_pdfa_with_their_metadata_in_xmp(team, started_meeting, create_case):
    _meeting, version = signed_meeting(team, started_meeting, create_case)
    letter = db.session.scalars(sa.select(DecisionLetter)).one()
    documents = {
        "minutes": (version.pdf, version.content_sha256, "Minutes, Thoracic oncology", "Minutes of the molecular"),
        "letter": (letter.pdf, letter.content_sha256, "Decision of the molecular tumour board, THO-",
                   "Decision of the molecular tumour board on case THO-"),
    }
    for name, (data, fingerprint, title, subject) in documents.items():
        reader = _reader(data)
        xmp = reader.xmp_metadata
        assert (xmp.pdfaid_part, xmp.pdfaid_conformance) == ("3", "B"), name
        assert xmp.dc_title["x-default"].startswith(title), name
        assert xmp.dc_creator == ["Thoracic oncology"], name
        assert xmp.dc_description["x-default"].startswith(subject), name
        assert xmp.dc_language == ["en"], name
        assert xmp.dc_identifier == f"sha256:{fingerprint}", name
        # The info dictionary says the same (PDF/A wants them to agree).
        info = reader.metadata
        assert info.title == xmp.dc_title["x-default"] and info.author == "Thoracic oncology", name
        assert info.subject == xmp.dc_description["x-default"], name
        assert info.producer == xmp.pdf_producer and info.creator == xmp.xmp_creator_tool == "MTB", name
        assert info.modification_date == xmp.xmp_modify_date.replace(tzinfo=info.modification_date.tzinfo), name
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"]), name
        assert root["/Lang"] == "en", name
        [intent] = root["/OutputIntents"]
        assert intent["/S"] == "/GTS_PDFA1", name
        # XMP metadata is never compressed in PDF/A.
        assert "/Filter" not in root["/Metadata"].get_object(), name
    # Before signing, the same metadata (the signature only adds its modification date).
    unsigned = _reader(render_minutes(version)).xmp_metadata
    assert unsigned.dc_identifier == f"sha256:{version.content_sha256}" and unsigned.pdfaid_part == "3"


def test_the_letter_carries_the_letterhead_attendees_quorum_report_trial_and_signature(
        app, team, started_meeting, create_case, monkeypatch):
    monkeypatch.setitem(app.config, "HOSPITAL_NAME", "Hôpital Universitaire Nord")
    monkeypatch.setitem(app.config, "HOSPITAL_DEPARTMENT", "Département d'oncologie")
    monkeypatch.setitem(app.config, "HOSPITAL_ADDRESS", "12 rue de la Santé; 75014 Paris")
    monkeypatch.setitem(app.config, "HOSPITAL_CONTACT", "rcp@hopital-nord.example")
    trial = {"trial_title": "Osimertinib plus savolitinib in MET-amplified NSCLC", "trial_phase": "2"}
    _meeting, version = signed_meeting(team, started_meeting, create_case, **trial)
    letter = db.session.scalars(sa.select(DecisionLetter)).one()
    text = _text(letter.pdf)
    for expected in ("Hôpital Universitaire Nord", "Département d'oncologie", "12 rue de la Santé", "75014 Paris",
                     "rcp@hopital-nord.example", "Members present: Pr Henri Laurent (Medical oncologist)",
                     "Dr Marie Petit (Pathologist)", "The board was quorate for this case",
                     "EGFR NM_005228.5:c.2573T>G", "CHU molecular genetics · reported 2 Nov 2026",
                     "NCT05261399", "Osimertinib plus savolitinib in MET-amplified NSCLC",
                     "Signed by Pr Henri Laurent", "chair of the board",
                     "This letter was signed electronically by Pr Henri Laurent, chair of the board, on"):
        assert expected in text, expected
    assert "Phase II" in text or "phase 2" in text
    assert "Hôpital Universitaire Nord".upper() in _text(version.pdf).upper()  # the minutes' kicker
