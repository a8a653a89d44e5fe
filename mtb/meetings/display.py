"""What the agenda pages and e-mails show: planned times, the time bar, change marks,
a patient-free line of findings, a meeting's start in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from mtb.cases.briefs import briefs
from mtb.formatting import local_datetime
from mtb.meetings.models import Meeting


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
    millisecond for a board's 600 presenters."""
    return Markup("".join(f'<option value="{int(value)}">{escape(label)}</option>' for value, label in choices.items()))
