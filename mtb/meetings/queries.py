"""Reading meetings: an agenda, a board's meetings, the coming ones, a case's agendas.

Views load a meeting through ``mtb.access.meeting_or_404`` (it owns the 404/403 policy).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from mtb.boards.models import Board
from mtb.cases.models import Case, CaseStatus
from mtb.db import load_collection, utcnow
from mtb.errors import NotFound
from mtb.extensions import db
from mtb.meetings.models import HORIZON_WEEKS, OPEN_STATUSES, AgendaItem, ItemOutcome, Meeting, MeetingStatus

#: A meeting counts as upcoming on its board's page until this long after its start.
STILL_UPCOMING = timedelta(hours=12)
#: The home page shows meetings started less than this long ago.
HOME_RECENT = timedelta(hours=6)


def load_agenda(meeting_id: int) -> Meeting:
    """The meeting with its items and their cases in a few statements (their findings are
    printed from rows: ``display.summaries``). The meeting the view's access check loaded
    is not read again."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(meeting_id)
    # Cases, their submitters and the presenters joined into the one statement: reading
    # the cases by a second one (selectinload) took 1.5 ms more on SQLite, 7 on PostgreSQL.
    load_collection([meeting], "items")
    return meeting


def item_counts(meeting_ids: Iterable[int]) -> dict[int, int]:
    """How many cases each meeting has on its agenda (meetings without any are left out)."""
    ids = list(meeting_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(AgendaItem.meeting_id, sa.func.count()).where(AgendaItem.meeting_id.in_(ids)).group_by(AgendaItem.meeting_id)
    )
    return {meeting_id: n for meeting_id, n in rows}


@dataclass
class BoardMeetings:
    upcoming: list[Meeting]
    past: list[Meeting]
    counts: dict[int, int]


def board_meetings(board: Board, now: datetime | None = None, past_limit: int = 20) -> BoardMeetings:
    """Upcoming meetings (including today's, in session) and the latest past ones."""
    now = now or utcnow()
    horizon = now + timedelta(weeks=HORIZON_WEEKS + 4)
    upcoming_filter = sa.or_(
        Meeting.starts_at >= now - STILL_UPCOMING,
        Meeting.status == MeetingStatus.IN_SESSION,
    )
    upcoming = list(db.session.scalars(
        sa.select(Meeting).where(Meeting.board_id == board.id, upcoming_filter, Meeting.starts_at <= horizon)
        .order_by(Meeting.starts_at)
    ))
    past = list(db.session.scalars(
        sa.select(Meeting).where(Meeting.board_id == board.id, sa.not_(upcoming_filter))
        .order_by(Meeting.starts_at.desc()).limit(past_limit)
    ))
    counts = item_counts([m.id for m in upcoming + past])
    return BoardMeetings(upcoming, past, counts)


def upcoming_meetings_query(board_ids: Iterable[int], now: datetime) -> sa.Select:
    """The open meetings of these boards not started yet (that can still take cases), by date."""
    return (
        sa.select(Meeting)
        .where(Meeting.board_id.in_(list(board_ids)), Meeting.status.in_(OPEN_STATUSES), Meeting.starts_at > now,
               Meeting.needs_review.is_(False))
        .order_by(Meeting.starts_at, Meeting.id)
    )


def upcoming_meetings(board_ids: Iterable[int], now: datetime) -> dict[int, list[Meeting]]:
    """Each board's open meetings not started yet (``upcoming_meetings_query``), by date."""
    result: dict[int, list[Meeting]] = {board_id: [] for board_id in board_ids}
    if not result:
        return result
    for meeting in db.session.scalars(upcoming_meetings_query(result, now)):
        result[meeting.board_id].append(meeting)
    return result


def next_meetings_of(board_ids: Iterable[int], now: datetime, limit: int = 6) -> list[Meeting]:
    """The next meetings of these boards for the home page: in session, or open and
    started at most a few hours ago or still ahead."""
    board_ids = list(board_ids)
    if not board_ids:
        return []
    return list(db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.board_id.in_(board_ids),
               sa.or_(Meeting.status == MeetingStatus.IN_SESSION,
                      sa.and_(Meeting.status.in_(OPEN_STATUSES), Meeting.starts_at >= now - HOME_RECENT)))
        .order_by(Meeting.starts_at).limit(limit)
    ))


def open_item_for(case: Case) -> AgendaItem | None:
    """The case's item on an open meeting's agenda, if any."""
    return db.session.scalar(
        sa.select(AgendaItem).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case.id, Meeting.status.in_(OPEN_STATUSES))
        .order_by(Meeting.starts_at)
    )


def open_items_on_upcoming(case_ids: list[int], now: datetime) -> dict[int, Meeting]:
    """The upcoming open meeting each case is on (the earliest when several), or the meeting
    in session today where the case still waits its turn (its list said "—" meanwhile)."""
    if not case_ids:
        return {}
    rows = db.session.execute(
        sa.select(AgendaItem.case_id, Meeting)
        .join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id.in_(case_ids), sa.or_(
            sa.and_(Meeting.status.in_(OPEN_STATUSES), Meeting.starts_at >= now - STILL_UPCOMING),
            sa.and_(Meeting.status == MeetingStatus.IN_SESSION, AgendaItem.outcome == ItemOutcome.PENDING)))
        .order_by(Meeting.starts_at.desc())
    ).all()
    return {case_id: meeting for case_id, meeting in rows}  # the earliest comes last and wins


def open_meetings_between(start: datetime, end: datetime) -> list[Meeting]:
    """Open meetings starting after ``start`` and by ``end``, by date."""
    return list(db.session.scalars(
        sa.select(Meeting).where(Meeting.status.in_(OPEN_STATUSES), Meeting.starts_at > start, Meeting.starts_at <= end)
        .order_by(Meeting.starts_at)
    ))


def drafts_by_submitter(board_id: int) -> dict[int, list[Case]]:
    """The board's draft cases, grouped by submitter (each list by case id)."""
    drafts: dict[int, list[Case]] = {}
    for case in db.session.scalars(
        sa.select(Case).where(Case.board_id == board_id, Case.status == CaseStatus.DRAFT).order_by(Case.id)
    ):
        drafts.setdefault(case.submitter_id, []).append(case)
    return drafts
