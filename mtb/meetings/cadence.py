"""Meetings generated from each board's cadence, and brought in line when its settings change.

The cadence itself (reading the RFC 5545 rule, wall time to UTC) is the boards part's:
``mtb.boards.cadence``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from mtb.audit import services as audit
from mtb.boards.cadence import board_occurrences
from mtb.boards.models import Board
from mtb.db import utcnow
from mtb.extensions import db
from mtb.meetings.models import CADENCE_CHANGED, HORIZON_WEEKS, Meeting, MeetingStatus

log = logging.getLogger(__name__)


def generate_meetings(board: Board, now: datetime | None = None, weeks: int = HORIZON_WEEKS) -> list[Meeting]:
    """Create the board's missing meetings for the next ``weeks`` weeks; returns the new ones.

    One meeting per occurrence (unique board + occurrence_at), so a moved or cancelled
    meeting is never re-created.
    """
    now = now or utcnow()
    wanted = board_occurrences(board, now, now + timedelta(weeks=weeks))
    if not wanted:
        return []
    existing = set(db.session.scalars(
        sa.select(Meeting.occurrence_at).where(Meeting.board_id == board.id, Meeting.occurrence_at.in_(wanted))
    ))
    created = []
    for occurrence in wanted:
        if occurrence in existing:
            continue
        meeting = Meeting(
            board_id=board.id, starts_at=occurrence, occurrence_at=occurrence,
            duration_minutes=board.meeting_length_minutes, location=board.location,
            video_link=board.video_link, cutoff_hours=board.cutoff_hours,
            status=MeetingStatus.SCHEDULED, agenda_version=1, agenda_publications=0, ical_sequence=0,
        )
        try:
            # A savepoint per meeting: if another process made it meanwhile, skip just this one.
            with db.session.begin_nested():
                db.session.add(meeting)
        except IntegrityError:
            log.info("meeting %s of board %s already created elsewhere", occurrence, board.slug)
            continue
        created.append(meeting)
    return created


def generate_all_meetings(now: datetime | None = None) -> int:
    """Scheduler job: every board's meetings for the coming weeks."""
    total = 0
    for board in db.session.scalars(sa.select(Board).order_by(Board.id)):
        total += len(generate_meetings(board, now))
    db.session.flush()
    return total


def apply_board_settings(board: Board, now: datetime | None = None) -> dict[str, int]:
    """After a settings change, future generated meetings still ``scheduled`` with an
    unpublished agenda follow the board's cadence, length and place.

    A meeting whose occurrence left the cadence is cancelled when empty, or kept and
    flagged ``needs_review`` when cases are on it; new occurrences are created. A meeting
    whose agenda is published is left as members were told (counted in ``kept``: the
    secretary moves it by hand if it must follow).
    """
    now = now or utcnow()
    wanted = set(board_occurrences(board, now, now + timedelta(weeks=HORIZON_WEEKS)))
    summary = {"updated": 0, "cancelled": 0, "flagged": 0, "restored": 0, "created": 0, "kept": 0}
    future = db.session.scalars(
        sa.select(Meeting).options(selectinload(Meeting.items))
        .where(Meeting.board_id == board.id, Meeting.occurrence_at.is_not(None), Meeting.starts_at > now)
    ).all()
    for meeting in future:
        if meeting.is_cancelled:
            if meeting.occurrence_at in wanted and meeting.cancelled_by_cadence and not meeting.items:
                meeting.status = MeetingStatus.SCHEDULED
                meeting.cancelled_reason = None
                _follow_board(meeting, board)
                meeting.ical_sequence += 1
                summary["restored"] += 1
            continue
        if not meeting.is_scheduled:
            continue
        if meeting.agenda_publications:
            if meeting.occurrence_at not in wanted or _differs_from_board(meeting, board):
                summary["kept"] += 1
            continue
        in_cadence = meeting.occurrence_at in wanted
        if not in_cadence and not meeting.items:
            meeting.status = MeetingStatus.CANCELLED
            meeting.cancelled_reason = CADENCE_CHANGED
            meeting.ical_sequence += 1
            summary["cancelled"] += 1
            continue
        if _follow_board(meeting, board):
            meeting.ical_sequence += 1
            summary["updated"] += 1
        if in_cadence:
            meeting.needs_review = False
        elif not meeting.needs_review:
            meeting.needs_review = True
            summary["flagged"] += 1
    summary["created"] = len(generate_meetings(board, now))
    if any(summary.values()):
        audit.record("meetings.regenerated", board, board_id=board.id, details=summary)
    db.session.flush()
    return summary


def _differs_from_board(meeting: Meeting, board: Board) -> bool:
    return any(getattr(meeting, attr) != value for attr, value in _board_values(board))


def _board_values(board: Board) -> tuple:
    return (("duration_minutes", board.meeting_length_minutes), ("location", board.location),
            ("video_link", board.video_link), ("cutoff_hours", board.cutoff_hours))


def _follow_board(meeting: Meeting, board: Board) -> bool:
    """Copy the board's length, place and cut-off onto the meeting; True if any differed."""
    changed = False
    for attr, value in _board_values(board):
        if getattr(meeting, attr) != value:
            setattr(meeting, attr, value)
            changed = True
    return changed
