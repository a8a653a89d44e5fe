"""Meetings generated from each board's cadence, and brought in line when its settings change.

The cadence itself (reading the RFC 5545 rule, wall time to UTC) is the boards part's:
``mtb.boards.cadence``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from mtb.audit import services as audit
from mtb.boards.cadence import board_occurrences, utc_to_local
from mtb.boards.models import Board
from mtb.db import savepoint, utcnow
from mtb.extensions import db
from mtb.meetings import notifications
from mtb.meetings.models import CADENCE_CHANGED, HORIZON_WEEKS, Meeting, MeetingStatus
from mtb.meetings.reminders import MEETING_NOTICE

log = logging.getLogger(__name__)


def generate_meetings(board: Board, now: datetime | None = None, weeks: int = HORIZON_WEEKS) -> list[Meeting]:
    """Create the board's missing meetings for the next ``weeks`` weeks; returns the new ones.

    One meeting per occurrence (unique board + occurrence_at), so a moved or cancelled
    meeting is never re-created; and none on a day the board already has its meeting
    (``taken_days``): a cadence whose time changed adds no 14:30 twin beside a kept
    14:00, and a holiday a secretary cancelled stays off.
    """
    now = now or utcnow()
    wanted = board_occurrences(board, now, now + timedelta(weeks=weeks))
    if not wanted:
        return []
    existing = set(db.session.scalars(
        sa.select(Meeting.occurrence_at).where(Meeting.board_id == board.id, Meeting.occurrence_at.in_(wanted))
    ))
    taken = taken_days(board, wanted)
    created = []
    for occurrence in wanted:
        day = utc_to_local(occurrence, board.timezone).date()
        if occurrence in existing or day in taken:
            continue
        meeting = Meeting(
            board_id=board.id, starts_at=occurrence, occurrence_at=occurrence,
            duration_minutes=board.meeting_length_minutes, location=board.location,
            video_link=board.video_link, cutoff_hours=board.cutoff_hours,
            status=MeetingStatus.SCHEDULED, agenda_version=1, agenda_publications=0, ical_sequence=0,
        )
        try:
            # A savepoint per meeting: if another process made it meanwhile, skip just this one.
            with savepoint(db.session):
                db.session.add(meeting)
        except IntegrityError:
            log.info("meeting %s of board %s already created elsewhere", occurrence, board.slug)
            continue
        created.append(meeting)
        taken.add(day)
    return created


def taken_days(board: Board, around: Iterable[datetime], *, besides: Meeting | None = None) -> set[date]:
    """The board's days (in its time zone) near ``around`` (naive UTC) that have their
    meeting already: one not cancelled (generated, moved or added by hand), on the day it
    starts and the day of the occurrence it stands for; and an occurrence a secretary
    cancelled (a holiday). A meeting the cadence cancelled takes no day: the new cadence
    replaces it. ``besides``: a meeting not to count (the one being placed)."""
    around = list(around)
    if not around:
        return set()
    first, last = min(around) - timedelta(days=1), max(around) + timedelta(days=1)
    query = sa.select(Meeting.starts_at, Meeting.occurrence_at, Meeting.status, Meeting.cancelled_reason).where(
        Meeting.board_id == board.id,
        sa.or_(Meeting.starts_at.between(first, last), Meeting.occurrence_at.between(first, last)))
    if besides is not None and besides.id is not None:
        query = query.where(Meeting.id != besides.id)
    days = set()
    for starts_at, occurrence_at, status, reason in db.session.execute(query):
        if status is MeetingStatus.CANCELLED and (occurrence_at is None or reason == CADENCE_CHANGED):
            continue
        days.update(utc_to_local(at, board.timezone).date() for at in (starts_at, occurrence_at) if at is not None)
    return days


def generate_all_meetings(now: datetime | None = None) -> int:
    """Scheduler job: every board's meetings for the coming weeks."""
    total = 0
    for board in db.session.scalars(sa.select(Board).order_by(Board.id)):
        total += len(generate_meetings(board, now))
    db.session.flush()
    return total


def apply_board_settings(board: Board, now: datetime | None = None,
                         previous: Mapping[str, object] | None = None) -> dict[str, int]:
    """After a settings change, future generated meetings still ``scheduled`` with an
    unpublished agenda follow the board's cadence, length, place and cut-off.

    ``previous``: the settings this save changed, with their values before it. A meeting
    then takes only those, and only where it still held the old value: a meeting a
    secretary moved or edited keeps its own. Without it (a caller that cannot say), every
    such meeting takes all of the board's values.

    A meeting whose occurrence left the cadence is cancelled when empty, or kept and
    flagged ``needs_review`` when cases are on it; new occurrences are created, except on a
    day the board has its meeting already (``taken_days``). A meeting a secretary moved
    keeps its slot: the cadence never cancels or flags it; nor does it bring back an
    occurrence a secretary cancelled. A meeting whose agenda is published is left as
    members were told (counted in ``kept``: the secretary moves it by hand if it must
    follow). A meeting that changes place or length after its day-before reminder went out
    is announced as a move.
    """
    now = now or utcnow()
    wanted = set(board_occurrences(board, now, now + timedelta(weeks=HORIZON_WEEKS)))
    summary = {"updated": 0, "cancelled": 0, "flagged": 0, "restored": 0, "created": 0, "kept": 0}
    future = db.session.scalars(
        sa.select(Meeting).options(selectinload(Meeting.items))
        .where(Meeting.board_id == board.id, Meeting.occurrence_at.is_not(None), Meeting.starts_at > now)
    ).all()
    for meeting in future:
        if not meeting.is_cancelled:
            _follow(meeting, board, wanted, previous, now, summary)
    # After the cancellations: a day a cancelled meeting frees may take its old meeting back.
    db.session.flush()
    for meeting in future:
        if meeting.is_cancelled:
            _restore(meeting, board, wanted, summary)
    summary["created"] = len(generate_meetings(board, now))
    if any(summary.values()):
        audit.record("meetings.regenerated", board, board_id=board.id, details=summary)
    db.session.flush()
    return summary


def _follow(meeting: Meeting, board: Board, wanted: set[datetime], previous: Mapping[str, object] | None,
            now: datetime, summary: dict[str, int]) -> None:
    """One meeting not cancelled, brought in line with the board's new settings."""
    # Before the status test: a published meeting is no longer ``scheduled``, and it is
    # the one the secretary must hear about.
    if meeting.has_published_agenda:
        if meeting.is_open and (meeting.occurrence_at not in wanted
                                or _values_to_follow(meeting, board, previous)):
            summary["kept"] += 1
        return
    if not meeting.is_scheduled:
        return
    # A meeting moved by hand is where the secretary put it, whatever the cadence now says.
    in_cadence = meeting.occurrence_at in wanted or meeting.moved_by_hand
    if not in_cadence and not meeting.items:
        meeting.status = MeetingStatus.CANCELLED
        meeting.cancelled_reason = CADENCE_CHANGED
        meeting.ical_sequence += 1
        summary["cancelled"] += 1
        return
    values = _values_to_follow(meeting, board, previous)
    if values:
        _take(meeting, values)
        meeting.ical_sequence += 1
        summary["updated"] += 1
        # Until its agenda is published, the day-before reminder is the only e-mail that
        # gives a meeting's place: once it went out, the change is told as a move.
        if set(values) & set(_TIME_OR_PLACE) and meeting.starts_at <= now + MEETING_NOTICE:
            notifications.meeting_moved(meeting, meeting.starts_at)
    if in_cadence:
        meeting.needs_review = False
    elif not meeting.needs_review:
        meeting.needs_review = True
        summary["flagged"] += 1


def _restore(meeting: Meeting, board: Board, wanted: set[datetime], summary: dict[str, int]) -> None:
    """A meeting the cadence cancelled comes back when the cadence returns to its occurrence
    (a typo fixed), unless the board has another meeting that day. One a secretary
    cancelled stays cancelled."""
    if not (meeting.occurrence_at in wanted and meeting.cancelled_by_cadence and not meeting.items):
        return
    if utc_to_local(meeting.starts_at, board.timezone).date() in taken_days(board, [meeting.starts_at],
                                                                            besides=meeting):
        return
    meeting.status = MeetingStatus.SCHEDULED
    meeting.cancelled_reason = None
    # Back as if generated anew: all of the board's values.
    _take(meeting, _values_to_follow(meeting, board, None))
    meeting.ical_sequence += 1
    summary["restored"] += 1


#: A meeting's attribute and the board setting it is copied from.
_FOLLOWED = (("duration_minutes", "meeting_length_minutes"), ("location", "location"),
             ("video_link", "video_link"), ("cutoff_hours", "cutoff_hours"))
#: Attributes whose change moves the meeting in time or place (the cut-off does not).
_TIME_OR_PLACE = ("duration_minutes", "location", "video_link")


def _values_to_follow(meeting: Meeting, board: Board, previous: Mapping[str, object] | None) -> dict[str, object]:
    """{attribute: board value} the meeting takes. With ``previous`` (setting: value before
    the save), only the settings the save changed, where the meeting still held the old
    value; without, every board value the meeting differs from."""
    values = {}
    for attr, setting in _FOLLOWED:
        own, new = getattr(meeting, attr), getattr(board, setting)
        if own == new:
            continue
        if previous is None or (setting in previous and own == previous[setting]):
            values[attr] = new
    return values


def _take(meeting: Meeting, values: Mapping[str, object]) -> None:
    for attr, value in values.items():
        setattr(meeting, attr, value)
