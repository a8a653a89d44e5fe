"""The pool: a board's submitted or deferred cases waiting for a meeting, and the meeting
each is proposed for (the first whose cut-off was still ahead when it arrived)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, TypeVar

import sqlalchemy as sa
from flask_babel import get_locale

from mtb import fragments
from mtb.boards.cadence import hours_before_on_clock
from mtb.boards.models import Board
from mtb.cases import completeness
from mtb.cases.briefs import finding_rows, summary_of
from mtb.cases.models import POOL_STATUSES, Case, CaseEvent, Urgency
from mtb.db import load_collection, utcnow
from mtb.extensions import db
from mtb.meetings.models import OPEN_STATUSES, AgendaItem, Meeting
from mtb.meetings.queries import open_items_on_upcoming, upcoming_meetings, upcoming_meetings_query
from mtb.trials.queries import MatchLine, matches_for_cases, registry_stamp

#: A coming meeting as the proposal rule reads it: an object, or a row of columns.
_M = TypeVar("_M")


def _on_open_agenda():
    """EXISTS-able: the outer case is on an open meeting's agenda."""
    return (
        sa.select(AgendaItem.id).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == Case.id, Meeting.status.in_(OPEN_STATUSES))
    )


def pool(board_id: int) -> list[Case]:
    """The board's cases waiting for a meeting: submitted or deferred, on no open agenda."""
    return list(db.session.scalars(
        sa.select(Case)
        .where(Case.board_id == board_id, Case.status.in_(POOL_STATUSES), ~_on_open_agenda().exists())
        .order_by(Case.urgency.desc(), Case.submitted_at, Case.id)
    ))


def _entered_pool(case_id):
    """SQL: when the case entered the pool, its last "submitted" or "deferred" timeline
    event (submission, deferral, return from a cancelled meeting or agenda)."""
    return (
        sa.select(sa.func.max(CaseEvent.at))
        .where(CaseEvent.case_id == case_id, CaseEvent.kind.in_([s.value for s in POOL_STATUSES]))
        .scalar_subquery()
    )


def pool_entry_times(cases) -> dict[int, datetime]:
    """When each case entered the pool (``_entered_pool``), else when it was submitted."""
    cases = list(cases)
    if not cases:
        return {}
    kinds = {s.value for s in POOL_STATUSES}
    found: dict[int, datetime] = {}
    unread = []
    for case in cases:
        state = sa.inspect(case, raiseerr=False)  # None for a row of columns
        if state is not None and "events" in state.dict:  # the case page has its timeline loaded already
            times = [event.at for event in case.events if event.kind in kinds]
            if times:
                found[case.id] = max(times)
        else:
            unread.append(case.id)
    if unread:
        found.update(db.session.execute(sa.select(Case.id, _entered_pool(Case.id)).where(Case.id.in_(unread))).all())
    return {c.id: found.get(c.id) or c.submitted_at or c.created_at or utcnow() for c in cases}


def _proposal(urgency: Urgency, entered: datetime, meetings: Sequence[_M]) -> _M | None:
    """The rule: a case is proposed for its board's first meeting still to come whose
    cut-off is after the moment it entered the pool; an urgent one for the next meeting,
    even past the cut-off ("next meeting, even past the cut-off", as the case form says),
    where it is a late addition. ``meetings``: the board's coming ones, by date."""
    if urgency is Urgency.URGENT:
        return next(iter(meetings), None)
    return next((m for m in meetings if m.cutoff_at > entered), None)


def proposed_meetings(cases, now: datetime | None = None) -> dict[int, Meeting | None]:
    """The meeting each pool case is proposed for (``_proposal``); None if no meeting
    exists yet. A few statements whatever the number of cases."""
    now = now or utcnow()
    cases = list(cases)
    entered = pool_entry_times(cases)
    meetings = upcoming_meetings({c.board_id for c in cases}, now)
    return {case.id: _proposal(case.urgency, entered[case.id], meetings[case.board_id]) for case in cases}


class _Cutoff(NamedTuple):
    id: int
    cutoff_at: datetime


def proposed_counts(board_ids: Iterable[int], now: datetime) -> dict[int, int]:
    """How many pool cases of these boards are proposed for each meeting (by meeting id).

    The home page asks it on every view: two statements of plain columns (each waiting
    case with the time it entered the pool; the coming meetings' cut-offs), no objects."""
    board_ids = list(board_ids)
    if not board_ids:
        return {}
    waiting = db.session.execute(
        sa.select(Case.board_id, Case.urgency,
                  sa.func.coalesce(_entered_pool(Case.id), Case.submitted_at, Case.created_at))
        .where(Case.board_id.in_(board_ids), Case.status.in_(POOL_STATUSES), ~_on_open_agenda().exists())
    ).all()
    if not waiting:
        return {}
    cutoffs: dict[int, list[_Cutoff]] = {board_id: [] for board_id in board_ids}
    for meeting_id, board_id, starts_at, hours, timezone in db.session.execute(
        upcoming_meetings_query({board_id for board_id, _, _ in waiting}, now)
        .with_only_columns(Meeting.id, Meeting.board_id, Meeting.starts_at, Meeting.cutoff_hours, Board.timezone)
        .join(Board, Board.id == Meeting.board_id)
    ):
        cutoffs[board_id].append(_Cutoff(meeting_id, hours_before_on_clock(starts_at, hours, timezone)))
    counts: dict[int, int] = {}
    for board_id, urgency, entered in waiting:
        meeting = _proposal(urgency, entered or utcnow(), cutoffs[board_id])
        if meeting is not None:
            counts[meeting.id] = counts.get(meeting.id, 0) + 1
    return counts


def next_meetings(cases: list[Case], now: datetime | None = None) -> dict[int, tuple[Meeting, bool]]:
    """The upcoming meeting of each case: ``(meeting, False)`` for the open meeting it is
    on (the earliest), or for a case waiting in the pool ``(meeting, True)`` for the one
    it is proposed for. Cases with neither are left out. A few statements for a page."""
    now = now or utcnow()
    result = {case_id: (meeting, False) for case_id, meeting in open_items_on_upcoming([c.id for c in cases], now).items()}
    waiting = [c for c in cases if c.id not in result and c.status in POOL_STATUSES]
    for case_id, meeting in proposed_meetings(waiting, now).items():
        if meeting is not None:
            result[case_id] = (meeting, True)
    return result


def next_open_meeting(board_id: int, after: datetime, *, respect_cutoff: bool, exclude_id: int | None = None) -> Meeting | None:
    """The board's first open meeting starting after ``after`` (whose cut-off is still ahead, if asked)."""
    query = (
        sa.select(Meeting)
        .where(Meeting.board_id == board_id, Meeting.status.in_(OPEN_STATUSES), Meeting.starts_at > after,
               Meeting.needs_review.is_(False))
        .order_by(Meeting.starts_at)
    )
    if exclude_id is not None:
        query = query.where(Meeting.id != exclude_id)
    for meeting in db.session.scalars(query):
        if not respect_cutoff or meeting.cutoff_at > after:
            return meeting
    return None


@dataclass
class PoolEntry:
    case: Case
    #: The meeting the case is proposed for (None: no meeting generated yet).
    proposed: Meeting | None
    #: Proposed for the meeting being built, or for an earlier one (overdue).
    due: bool
    overdue: bool
    #: The recruiting trials of the board the case matches, best first (mtb.trials.matching).
    trials: tuple[MatchLine, ...] = ()
    #: What the board asks a submission to carry that the case lacks (mtb.cases.completeness).
    missing: tuple[str, ...] = ()
    #: The case's key findings in one line (``briefs.summary_of``).
    summary: str = ""


@dataclass(frozen=True)
class _Details:
    trials: tuple[MatchLine, ...]
    missing: tuple[str, ...]
    summary: str


def pool_for(meeting: Meeting, now: datetime | None = None, *, details: bool = True) -> list[PoolEntry]:
    """The board's pool as the agenda builder shows it: cases proposed for this meeting
    or overdue (proposed for an earlier one) first, then the later ones by meeting.
    ``details``: with each case's findings in a line, the trials it matches and what it
    lacks for its board, as the builder shows them (``pool_details``)."""
    now = now or utcnow()
    cases = pool(meeting.board_id)
    proposals = proposed_meetings(cases, now)
    shown = pool_details(cases) if details else {}
    entries = []
    for case in cases:
        proposed = proposals[case.id]
        overdue = proposed is not None and proposed.id != meeting.id and proposed.starts_at < meeting.starts_at
        due = proposed is not None and (proposed.id == meeting.id or overdue)
        entry = PoolEntry(case, proposed, due, overdue)
        if details:
            case_details = shown[case.id]
            entry.trials, entry.missing, entry.summary = case_details.trials, case_details.missing, case_details.summary
        entries.append(entry)
    far = datetime.max
    entries.sort(key=lambda e: (not e.due, e.proposed.starts_at if e.proposed else far,
                                e.case.urgency is not Urgency.URGENT))
    return entries


def pool_details(cases: list[Case]) -> dict[int, _Details]:
    """Each case's matching trials, what it lacks and its findings in a line, by id.

    Kept per worker (``mtb.fragments``) under all they depend on: the case's version (its
    findings, reports and clinical facts move it), the registry's stamp, the day (ages
    change), the board's requirements and the reader's language. Only the cases not kept
    are read (their findings in one query, as rows) and judged."""
    store = fragments.kept("pool-details")
    stamp = registry_stamp() if store is not None else None
    language = str(get_locale())
    today = utcnow().date()  # what matching reads ages on
    keys = {case.id: (case.id, case.version, stamp, today, language,
                      tuple(case.board.completeness_requirements or ())) for case in cases}
    found = {case_id: store.peek(key) for case_id, key in keys.items()} if store is not None else {}
    unread = [case for case in cases if found.get(case.id) is None]
    if unread:
        load_collection(unread, "reports")  # what each lacks for its board reads them
        versions: dict[int, int] = {}
        findings = finding_rows((case.id for case in unread), versions)
        matches = matches_for_cases(unread, findings=findings)
        for case in unread:
            rows = findings.get(case.id, [])
            found[case.id] = _Details(tuple(MatchLine.of(m) for m in matches.get(case.id, [])),
                                      tuple(completeness.missing_for_case(case, rows)), summary_of(rows))
            if store is not None and versions.get(case.id) == case.version:
                store.put(keys[case.id], found[case.id])
    return found


def due_count(meeting: Meeting, now: datetime | None = None) -> int:
    """How many pool cases are proposed for this meeting, or overdue for it."""
    return sum(1 for entry in pool_for(meeting, now, details=False) if entry.due)
