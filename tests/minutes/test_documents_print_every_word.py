"""The minutes and the letter print what the board recorded, all of it on the page: an OncoKB
evidence in the OncoKB column, and long unbroken text (a pasted sequence, a URL) wrapped
inside the page rather than running off its edge."""

from __future__ import annotations

import io
import re
from pathlib import Path

import sqlalchemy as sa
from flask_babel import force_locale
from pypdf import PdfReader

from mtb.decisions import services as decisions
from mtb.decisions.attendance import add_guest, declare_conflict, record_attendance
from mtb.decisions.session import close_meeting
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from mtb.minutes import services
from mtb.minutes.context import minutes_context
from mtb.minutes.models import DecisionLetter, MinutesVersion
from mtb.minutes.rendering import minutes_html
from tests.decisions.helpers import targeted

#: What a pasted sequence looks like: 120 characters with no break opportunity.
TOKEN = "BEGIN" + "ACGT" * 28 + "END"


def _closed_meeting(team, started_meeting, create_case, *, case_fields=None, summary="Summary.", recommendations):
    case = create_case(status="scheduled", **(case_fields or {}))
    meeting = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION)
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    decisions.validate(decisions.save_draft(meeting.items[0], team["secretary"], summary, recommendations(case)),
                       team["chair"])
    close_meeting(meeting, team["secretary"])
    db.session.commit()
    return meeting


def _tier_cells(html: str) -> list[tuple[str, str]]:
    """(ESCAT, OncoKB) of each recommendation row of the rendered minutes."""
    cells = re.findall(r'<td class="tier">(.*?)</td>', html)
    return list(zip(cells[::2], cells[1::2]))


def test_an_oncokb_evidence_is_printed_in_the_oncokb_column(team, started_meeting, create_case):
    meeting = _closed_meeting(team, started_meeting, create_case, recommendations=lambda case: [
        targeted(case, evidence="oncokb:1", oncokb_level=""),
        targeted(case, evidence="oncokb:R1", oncokb_level="", drug="Erlotinib"),
        targeted(case, evidence="nct:m1B", oncokb_level="3A", drug="Amivantamab"),
        targeted(case, evidence="escat:I-A", oncokb_level="", drug="Gefitinib"),
    ])
    with force_locale("en"):
        context = minutes_context(meeting, team["chair"], meeting.closed_at)
    version = MinutesVersion(number=1, created_at=meeting.closed_at, content_sha256="0" * 64, reason="")
    html = minutes_html(context, version, "Europe/Paris")
    assert _tier_cells(html) == [("—", "1"), ("—", "R1"), ("—", "3A"), ("I-A", "—")]
    # An evidence with a column of its own is not repeated in the details; an m-level has none.
    assert "evidence: OncoKB" not in html and "evidence: NCT m1B" in html


def _lines(data: bytes) -> list[str]:
    return [line for page in PdfReader(io.BytesIO(data)).pages for line in page.extract_text().splitlines()]


def _keep(name: str, data: bytes) -> None:
    """The rendered file, to look at (pdftoppm -png -r 60 test-artifacts/<name> page)."""
    Path("test-artifacts").mkdir(exist_ok=True)
    Path(f"test-artifacts/{name}").write_bytes(data)


def token(field: str) -> str:
    """What a pasted sequence looks like: ~120 characters with no break opportunity, named by its field."""
    return field.upper() + "ACGT" * 28 + "END"


def _assert_wrapped_inside_the_page(data: bytes, fields: list[str]) -> None:
    """Each field's long token is printed, over several lines: none runs whole on one line,
    where it would leave the page (an A4 line holds ~95 characters of it at 8.8 pt)."""
    lines = _lines(data)
    whole = [line for line in lines if any(token(field) in line for field in fields)]
    assert not whole, f"printed on one line, off the page: {whole}"
    text = "".join("".join(lines).split())
    assert [field for field in fields if token(field) not in text] == []


def test_long_unbroken_text_wraps_inside_the_minutes_and_the_letter(team, started_meeting, create_case):
    """A pasted sequence in each free-text field: the meeting's place, a guest, the diagnosis and
    question, a finding's note, the summary, a recommendation's drug, trial, test and rationale,
    a recusal's note; the minutes and the letter print each one wrapped within the page."""
    case = create_case(status="scheduled", diagnosis=f"Adenocarcinoma {token('diagnosis')}",
                       clinical_question=f"Which line? {token('question')}",
                       biomarkers=[{"kind": "variant", "gene": "EGFR", "hgvs_c": "c.2573T>G", "hgvs_p": "p.Leu858Arg",
                                    "vaf": 32, "description": token("note")}])
    meeting = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION)
    meeting.location = token("location")
    item = meeting.items[0]
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    add_guest(meeting, team["secretary"], "Camille Rousseau", token("guest"))
    declare_conflict(item, team["secretary"], team["member"].id, token("conflict"))
    decision = decisions.save_draft(item, team["secretary"], f"Discussed {token('summary')}", [
        targeted(case, drug=f"Osimertinib {token('drug')}", rationale=f"FLAURA {token('rationale')}"),
        {"kind": "clinical_trial", "trial_id": "NCT05261399", "trial_title": token("trial"),
         "trial_site": token("site")},
        {"kind": "further_testing", "test_name": token("test"), "test_sample": token("sample")},
    ])
    decisions.validate(decision, team["chair"])
    close_meeting(meeting, team["secretary"])
    version = services.sign(meeting, team["chair"], notify=False)
    db.session.commit()
    [letter] = db.session.scalars(sa.select(DecisionLetter)).all()
    _keep("long-token-minutes.pdf", version.pdf)
    _keep("long-token-letter.pdf", letter.pdf)
    on_both = ["diagnosis", "question", "note", "summary", "drug", "rationale", "trial", "site", "test", "sample",
               "guest"]
    _assert_wrapped_inside_the_page(version.pdf, on_both + ["location", "conflict"])
    _assert_wrapped_inside_the_page(letter.pdf, on_both)
