"""Patients' names in any script print in the signed letters and minutes (never as boxes):
the fonts come from the machine (Debian's DejaVu and Noto CJK, installed by `make`)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import sqlalchemy as sa

from mtb.decisions import services as decisions
from mtb.decisions.attendance import record_attendance
from mtb.decisions.session import close_meeting
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from mtb.minutes import services as minutes
from mtb.minutes.models import DecisionLetter
from tests.decisions.helpers import targeted

NAMES = {
    "Latin": "Zoë Þórsdóttir-Nuñez",
    "Greek": "Ελένη Παπαδοπούλου",
    "Cyrillic": "Анна Петрова",
    "Arabic": "فاطمة الزهراء",
    "Hebrew": "נועה כהן",
    "Chinese": "王秀英",
    "Japanese": "山田はなこ",
    "Korean": "김민지",
}


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is installed by .ci/run")
@pytest.mark.parametrize("script", NAMES)
def test_a_patients_name_in_any_script_prints_in_the_letter(script, team, started_meeting, create_case, tmp_path):
    name = NAMES[script]
    case = create_case(status="scheduled", patient_name=name)
    meeting = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION)
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    decisions.save_draft(meeting.items[0], team["secretary"], "Summary.", [targeted(case)])
    close_meeting(meeting, team["secretary"])
    minutes.sign(meeting, team["chair"], notify=False)
    db.session.commit()
    letter = db.session.scalars(sa.select(DecisionLetter)).one()
    path = tmp_path / "letter.pdf"
    path.write_bytes(letter.pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    text = _pdf_text(path)
    # The name comes back out of the PDF's text...
    for word in name.split():
        assert word in text or word[::-1] in text, (script, word, fonts)
    # ...and its glyphs come from a font that has them (DejaVu has none for CJK: a box would
    # still carry the character in the text layer).
    if script in ("Chinese", "Japanese", "Korean"):
        assert "CJK" in fonts, fonts


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils (pdffonts) is installed by .ci/run")
def test_typed_notes_and_trial_titles_are_not_set_in_an_oblique_face(request_ctx, tmp_path):
    """An Arabic deferral reason or trial title in italic printed other characters (WeasyPrint
    put the upright face's glyphs under the oblique font): such text is marked by colour."""
    from mtb.minutes import pdf

    html = ('<!doctype html><html lang="fr"><head><title>T</title>'
            f'<link rel="stylesheet" href="{pdf.STATIC_PREFIX}css/pdf.css"></head><body>'
            '<p class="deferred">En attente du résultat RNA-seq — طلب تحليل إضافي</p>'
            '<span class="trial-title">دراسة المرحلة الثانية</span></body></html>')
    path = tmp_path / "notes.pdf"
    path.write_bytes(pdf.html_to_pdf(html))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    assert "DejaVu-Sans" in fonts and "Oblique" not in fonts
    assert "إضافي" in _pdf_text(path)
