"""The case lists' rows as pages print them, kept per worker (``mtb.fragments``).

A board's list is read all day by its secretaries and clinicians, page after page and
search after search, with most of its rows unchanged since the last view: each row is
printed once per worker under all it shows."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup

from mtb import fragments
from mtb.cases.models import Case, CaseStatus, Urgency


class ListRow(NamedTuple):
    """All a case's row prints (``cases/_list_row.html`` reads nothing else), and so the key
    it is kept under."""
    case_id: int
    reference: str
    status: CaseStatus
    urgency: Urgency
    #: The board's name, on the lists that span boards (None on a board's own list).
    board_name: str | None
    diagnosis: str | None
    icd10_code: str | None
    findings: tuple[str, ...]
    #: The submitter, on a board's own list (None elsewhere).
    submitter_name: str | None
    submitted_at: datetime | None
    timezone: str
    #: The next meeting the case is on, or proposed for (``proposed``).
    meeting_id: int | None
    meeting_at: datetime | None
    meeting_timezone: str | None
    proposed: bool
    locale: str


def list_rows(cases: list[Case], findings: dict[int, list[str]], meetings: dict, *, on_board: bool) -> list[Markup]:
    """Each case's row, in order. ``findings``: each case's finding labels
    (``briefs``); ``meetings``: each case's next meeting (``queries.next_meetings``);
    ``on_board``: a board's own list (its submitter shown, not its board)."""
    macro = get_template_attribute("cases/_list_row.html", "list_row")
    store = fragments.kept("case-list-row")
    locale = str(get_locale())
    html = []
    for case in cases:
        board = case.board
        upcoming = meetings.get(case.id)
        meeting = upcoming.meeting if upcoming is not None else None
        row = ListRow(
            case.id, case.reference, case.status, case.urgency, None if on_board else board.name, case.diagnosis,
            case.icd10_code, tuple(findings.get(case.id, ())), case.submitter.full_name if on_board else None,
            case.submitted_at, board.timezone, meeting.id if meeting is not None else None,
            meeting.starts_at if meeting is not None else None,
            meeting.board.timezone if meeting is not None else None, bool(upcoming and upcoming.proposed), locale,
        )
        html.append(fragments.keep(store, row, lambda row=row: macro(row)))
    return html
