"""The minutes and the letter print what the board recorded, all of it on the page: an OncoKB
evidence in the OncoKB column, and long unbroken text (a pasted sequence, a URL) wrapped
inside the page rather than running off its edge."""

from __future__ import annotations

import re

from flask_babel import force_locale

from mtb.decisions import services as decisions
from mtb.decisions.attendance import record_attendance
from mtb.decisions.session import close_meeting
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from mtb.minutes.context import minutes_context
from mtb.minutes.models import MinutesVersion
from mtb.minutes.rendering import minutes_html
from tests.decisions.helpers import targeted


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
