"""What the session page prints of many rows at once: the board's members in its attendance
table, each row kept per worker (``mtb.fragments``) under all it prints, and the meeting's
list of cases, kept whole under all it prints."""

from __future__ import annotations

from typing import NamedTuple

from flask import get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup

from mtb import fragments


class AttendanceRow(NamedTuple):
    """All a member's row of the attendance table prints (``decisions/_attendance_row.html``
    reads nothing else), and so the key it is kept under."""
    member_id: int
    full_name: str
    present: bool
    #: The specialty they sit with ('' when not given).
    specialty: str
    running: bool
    locale: str


def attendance_rows(members, present: dict, typed: dict[int, str] | None, *, running: bool,
                    labels: dict[str, str]) -> list[Markup]:
    """The attendance table's rows: each member present or not, with the specialty they sit
    with (the one recorded, else their profile's), or as ticked in a form that was refused
    (``typed``: member id → specialty). The session page is printed again at every move
    between cases, with the same ninety members: their rows are printed once per worker.
    ``labels``: each specialty's label in the reader's language."""
    macro = get_template_attribute("decisions/_attendance_row.html", "attendance_row")
    store = fragments.kept("attendance-row")
    locale = str(get_locale())
    html = []
    for member in members:
        sitting = present.get(member.id)
        recorded = sitting.specialty if sitting is not None and sitting.specialty else member.specialty
        specialty, is_present = (recorded.value if recorded else ""), sitting is not None
        if typed is not None:
            is_present, specialty = member.id in typed, typed.get(member.id) or specialty
        row = AttendanceRow(member.id, member.full_name, is_present, specialty, running, locale)
        html.append(fragments.keep(store, row, lambda row=row: macro(row, labels)))
    return html


class ListedCase(NamedTuple):
    """One case of the session page's list of cases: what it prints of it."""
    item_id: int
    reference: str
    #: ``queries.item_state``: pending, deferred, draft or validated.
    state: str


class CaseList(NamedTuple):
    """All the session page's list of cases prints (``decisions/_case_list.html`` reads
    nothing else), and so the key it is kept under: it is printed again only when a case
    is added, taken off, decided or deferred, or another case is shown."""
    meeting_id: int
    cases: tuple[ListedCase, ...]
    #: The case shown (None: none).
    current_item_id: int | None
    locale: str


def case_list(meeting_id: int, items_with_states, current_item_id: int | None) -> Markup:
    """The list of the meeting's cases, each a link to it with its state: forty links and
    badges, the same at each view of the session page but for the one shown."""
    listed = CaseList(meeting_id, tuple(ListedCase(item.id, item.case.reference, state)
                                        for item, state in items_with_states),
                      current_item_id, str(get_locale()))
    macro = get_template_attribute("decisions/_case_list.html", "case_list")
    return fragments.keep(fragments.kept("session-case-list", capacity=200), listed, lambda: macro(listed))
