"""What the agenda pages and e-mails show: planned times, the time bar, change marks,
a patient-free line of findings, a meeting's start in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup, escape

from mtb import fragments
from mtb.cases.briefs import briefs
from mtb.cases.models import CaseStatus
from mtb.formatting import local_datetime
from mtb.meetings.models import Meeting
from mtb.meetings.pool import PoolEntry
from mtb.trials.queries import MatchLine


def when_label(meeting: Meeting) -> str:
    """The meeting's start in its board's time zone, for messages."""
    return local_datetime(meeting.starts_at, meeting.board.timezone)


@dataclass
class Timing:
    total: int
    length: int
    percent: int
    #: Rounded to 5 % steps for the CSS width classes of the time bar.
    bar_step: int
    over: bool


def timing(meeting: Meeting) -> Timing:
    total = sum(item.minutes for item in meeting.items)
    length = meeting.duration_minutes or 1
    percent = round(100 * total / length)
    return Timing(total, length, percent, min(100, 5 * round(min(percent, 100) / 5)), total > length)


def item_start_times(meeting: Meeting) -> dict[int, datetime]:
    """Planned start of each item (naive UTC), in agenda order."""
    at, result = meeting.starts_at, {}
    for item in meeting.items:
        result[item.id] = at
        at += timedelta(minutes=item.minutes)
    return result


def pending_changes(meeting: Meeting) -> set[int]:
    """Items that differ from the last publication: new, or another place, start time,
    length or presenter. Empty before the first publication."""
    if not meeting.agenda_publications:
        return set()
    starts = item_start_times(meeting)
    changed = set()
    for item in meeting.items:
        if (item.published_position is None or item.published_position != item.position
                or (item.published_starts_at is not None and item.published_starts_at != starts[item.id])
                or item.published_minutes != item.minutes or item.published_presenter_id != item.presenter_id):
            changed.add(item.id)
    return changed


def change_marks(meeting: Meeting) -> set[int]:
    """Items to show as changed: those changed in the latest re-publication and, while
    the agenda can still change, those changed since. None once the meeting is held (or
    cancelled): its agenda is then a record, printed without marks."""
    if not meeting.is_open:
        return set()
    marked = {item.id for item in meeting.items if item.changed_after_publication}
    return marked | pending_changes(meeting)


def summaries(cases) -> dict[int, str]:
    """The line of key findings of each case (``cases.briefs.summary_of``), by id: an agenda's forty."""
    return {case_id: brief.line for case_id, brief in briefs(cases).items()}


def option_tags(choices: dict[int, str]) -> Markup:
    """``<option>`` tags of (id, name) pairs, joined at once: the template's loop took a
    millisecond for a board's 600 presenters. Kept per worker under the pairs themselves
    (the same board's people on every view of its agenda), a few boards' lists at most."""
    pairs = tuple(choices.items())
    return fragments.keep(fragments.kept("option-tags", capacity=8), pairs, lambda: Markup(
        "".join(f'<option value="{int(value)}">{escape(label)}</option>' for value, label in pairs)))


class AgendaRow(NamedTuple):
    """All a row of the agenda builder prints (``meetings/_builder_rows.html`` reads nothing
    else), and so the key it is kept under (``mtb.fragments``): a row is printed again
    only when one of these changes."""
    item_id: int
    position: int
    first: bool
    last: bool
    case_id: int
    reference: str
    diagnosis: str
    summary: str
    urgent: bool
    late_addition: bool
    carried_over: bool
    changed: bool
    starts_at: datetime
    timezone: str
    minutes: int
    max_minutes: int
    presenter_id: int | None
    presenter_name: str | None
    #: The presenter is among the board's presenters (else the row offers them on their own).
    presenter_on_board: bool
    submitter_name: str
    editable: bool
    locale: str


def agenda_rows(meeting: Meeting, *, presenters: dict[int, str], editable: bool, max_minutes: int,
                changed: set[int], typed: dict, item_error: dict) -> list[Markup]:
    """The agenda builder's rows, in order. A row shows the values typed in it and its
    error when a change was refused (``typed``, ``item_error``); the others are kept per
    worker, the secretary's page being printed again after every move, add and save with
    most of its rows as they were."""
    macro = get_template_attribute("meetings/_builder_rows.html", "agenda_row")
    store = fragments.kept("agenda-row")
    locale, timezone = str(get_locale()), meeting.board.timezone
    starts, lines = item_start_times(meeting), summaries(item.case for item in meeting.items)
    items, html = meeting.items, []
    for index, item in enumerate(items):
        case = item.case
        on_board = item.presenter_id in presenters
        presenter_name = presenters[item.presenter_id] if on_board else (
            item.presenter.full_name if item.presenter_id is not None else None)
        row = AgendaRow(
            item.id, item.position, index == 0, index == len(items) - 1, case.id, case.reference, case.diagnosis,
            lines.get(case.id, ""), case.is_urgent, item.late_addition, item.is_carried_over, item.id in changed,
            starts[item.id], timezone, item.minutes, max_minutes, item.presenter_id, presenter_name, on_board,
            case.submitter.full_name, editable, locale,
        )
        minutes_key, presenter_key = f"minutes-{item.id}", f"presenter-{item.id}"
        err = item_error if item_error and str(item_error.get("item_id")) == str(item.id) else None
        if err is None and minutes_key not in typed and presenter_key not in typed:
            printed = fragments.keep(store, row, lambda row=row: macro(
                row, row.minutes, str(row.presenter_id or ""), row.presenter_name if row.presenter_on_board else None))
        else:
            chosen = str(typed[presenter_key] if presenter_key in typed else (item.presenter_id or ""))
            printed = macro(row, typed.get(minutes_key, item.minutes), chosen, presenters.get(_number(chosen)), err)
        html.append(printed)
    return html


class PoolRow(NamedTuple):
    """All a case of the builder's pool prints (``pool_row``), and the key it is kept under."""
    case_id: int
    reference: str
    status: CaseStatus
    urgent: bool
    diagnosis: str
    missing: tuple[str, ...]
    summary: str
    submitted_at: datetime | None
    due: bool
    overdue: bool
    #: When the meeting it is proposed for starts (None: no meeting planned yet).
    proposed_at: datetime | None
    trials: tuple[MatchLine, ...]
    timezone: str
    editable: bool
    locale: str


def pool_rows(meeting: Meeting, entries: list[PoolEntry], *, editable: bool) -> list[Markup]:
    """The builder's pool, in the order of ``entries`` (``pool.pool_for``), each case kept
    per worker as the agenda's rows are."""
    macro = get_template_attribute("meetings/_builder_rows.html", "pool_row")
    store = fragments.kept("pool-row")
    locale, timezone = str(get_locale()), meeting.board.timezone
    html = []
    for entry in entries:
        case = entry.case
        row = PoolRow(
            case.id, case.reference, case.status, case.is_urgent, case.diagnosis, entry.missing, entry.summary,
            case.submitted_at, entry.due, entry.overdue, entry.proposed.starts_at if entry.proposed else None,
            entry.trials, timezone, editable, locale,
        )
        html.append(fragments.keep(store, row, lambda row=row: macro(row)))
    return html


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0
