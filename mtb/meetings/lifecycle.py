"""Meetings by hand (an extra meeting, moving, cancelling) and their end: cases not
discussed are carried over; a meeting never started is closed by the scheduler.

``user=None`` is the system (a job), which needs no permission.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from mtb.audit import services as audit
from mtb.boards.cadence import local_to_utc, utc_to_local, wall_time_exists
from mtb.boards.models import Board
from mtb.cases import timeline
from mtb.cases.lifecycle import add_event, change_status
from mtb.cases.models import CaseStatus
from mtb.db import utcnow
from mtb.errors import InvalidInput, NotAllowed
from mtb.extensions import db
from mtb.formatting import local_datetime
from mtb.i18n import gettext as _
from mtb.meetings import notifications
from mtb.meetings.cadence import generate_meetings
from mtb.meetings.models import (
    MAX_CANCEL_REASON,
    MAX_DAYS_AHEAD,
    MAX_MEETING_MINUTES,
    MIN_MEETING_MINUTES,
    OPEN_STATUSES,
    AgendaItem,
    ItemOutcome,
    Meeting,
    MeetingStatus,
)
from mtb.meetings.pool import next_open_meeting
from mtb.meetings.services import bump_version, new_item, require_manage, return_to_pool
from mtb.text import clean_text

#: A meeting never started is closed (and its cases carried over) this long after its end.
STALE_AFTER = timedelta(hours=12)


# --- Meetings by hand: extra, move, cancel ---------------------------------------------

def _local_start(board: Board, day: date | None, at: time | None, now: datetime, field_date: str = "date") -> datetime:
    """The meeting's start in naive UTC from its local day and time; raises InvalidInput for
    a missing value, a time the clocks skip, a start in the past or one over five years ahead."""
    if day is None:
        raise InvalidInput(field_date, _("Enter the date of the meeting."))
    if at is None:
        raise InvalidInput("time", _("Enter the start time of the meeting (HH:MM)."))
    # The day is bounded before any time-zone conversion: 0001-01-01 and 9999-12-31 fall
    # off the calendar once moved to UTC (OverflowError).
    today = utc_to_local(now, board.timezone).date()
    if day < today:
        raise InvalidInput(field_date, _("This date and time are in the past. A meeting can only be set in the future."))
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(field_date, _("A meeting can be set at most five years ahead: check the year."))
    local = datetime.combine(day, at)
    if not wall_time_exists(local, board.timezone):
        raise InvalidInput("time", _("%(time)s does not exist on that day: the clocks go forward. Choose another time.",
                                     time=at.strftime("%H:%M")))
    starts_at = local_to_utc(local, board.timezone)
    if starts_at <= now:
        raise InvalidInput(field_date, _("This date and time are in the past. A meeting can only be set in the future."))
    return starts_at


def _check_duration(duration: int | None) -> int:
    if duration is None or not (MIN_MEETING_MINUTES <= int(duration) <= MAX_MEETING_MINUTES):
        raise InvalidInput("duration_minutes", _("Enter a length between 5 and 600 minutes."))
    return int(duration)


def _refuse_overlap(board: Board, starts_at: datetime, duration: int, besides: Meeting | None = None) -> None:
    """Refuse (beside the date) a meeting whose time overlaps another of the board's, not
    cancelled: nobody sits in both, and each case would go to either agenda."""
    ends_at = starts_at + timedelta(minutes=duration)
    query = sa.select(Meeting).where(
        Meeting.board_id == board.id, Meeting.status != MeetingStatus.CANCELLED, Meeting.starts_at < ends_at,
        Meeting.starts_at > starts_at - timedelta(minutes=MAX_MEETING_MINUTES)).order_by(Meeting.starts_at)
    if besides is not None:
        query = query.where(Meeting.id != besides.id)
    for other in db.session.scalars(query):
        if other.ends_at <= starts_at:
            continue
        when = local_datetime(other.starts_at, board.timezone)
        if other.starts_at == starts_at:
            raise InvalidInput("date", _("The board already has a meeting at this date and time (%(when)s): choose "
                                         "another date or time, or move or cancel that meeting.", when=when))
        raise InvalidInput("date", _("This overlaps the board's meeting of %(when)s (until %(end)s): start after it "
                                     "ends or end before it starts, or move that meeting.", when=when,
                                     end=local_datetime(other.ends_at, board.timezone, fmt="HH:mm")))


def others_that_day(meeting: Meeting) -> list[Meeting]:
    """The board's other meetings (not cancelled) on the meeting's day: a second sitting on
    a day may be meant (a long backlog), or a mistyped date; the page says so."""
    tz = meeting.board.timezone
    day = meeting.local_day
    first = local_to_utc(datetime.combine(day, time.min), tz)
    after = local_to_utc(datetime.combine(day + timedelta(days=1), time.min), tz)
    return list(db.session.scalars(sa.select(Meeting).where(
        Meeting.board_id == meeting.board_id, Meeting.id != meeting.id, Meeting.status != MeetingStatus.CANCELLED,
        Meeting.starts_at >= first, Meeting.starts_at < after).order_by(Meeting.starts_at)))


def add_extra_meeting(board: Board, user, *, day: date | None, at: time | None, duration_minutes: int | None,
                      location: str | None = None, video_link: str | None = None,
                      now: datetime | None = None) -> Meeting:
    """An ad-hoc meeting outside the cadence, added by a secretary of the board."""
    if user is not None and not Meeting.can_create(user, board):
        raise NotAllowed(_("Only a secretary of the board can change its meetings and agendas."))
    now = now or utcnow()
    starts_at = _local_start(board, day, at, now)
    duration = _check_duration(duration_minutes)
    _refuse_overlap(board, starts_at, duration)
    meeting = Meeting(
        board_id=board.id, starts_at=starts_at, occurrence_at=None,
        duration_minutes=duration,
        location=clean_text(location), video_link=clean_text(video_link),
        cutoff_hours=board.cutoff_hours, status=MeetingStatus.SCHEDULED,
        agenda_version=1, agenda_publications=0, ical_sequence=0,
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record("meeting.create", meeting, user=user, details={"starts_at": starts_at.isoformat()})
    return meeting


def move_meeting(meeting: Meeting, user, *, day: date | None, at: time | None, duration_minutes: int | None,
                 location: str | None = None, video_link: str | None = None,
                 now: datetime | None = None) -> Meeting:
    """New date, time, length or place; attendees are told and calendars updated (SEQUENCE)."""
    require_manage(meeting, user)
    now = now or utcnow()
    if not meeting.is_open:
        raise InvalidInput(None, _("Only a scheduled or published meeting can be moved."))
    starts_at = _local_start(meeting.board, day, at, now)
    duration = _check_duration(duration_minutes)
    location = clean_text(location)
    video_link = clean_text(video_link)
    before = meeting.starts_at
    if (starts_at, duration, location, video_link) == (meeting.starts_at, meeting.duration_minutes, meeting.location, meeting.video_link):
        raise InvalidInput("date", _("Nothing changed: give a new date, time, length or place."))
    _refuse_overlap(meeting.board, starts_at, duration, besides=meeting)
    meeting.starts_at = starts_at
    meeting.duration_minutes = duration
    meeting.location = location
    meeting.video_link = video_link
    meeting.needs_review = False
    # The move's e-mail gives everyone the new time: each case's time, as published, moves
    # with the meeting (else every item would wait to be "published" again as changed).
    for item in meeting.items:
        if item.published_starts_at is not None:
            item.published_starts_at += starts_at - before
    meeting.ical_sequence += 1
    published_as_is = meeting.has_published_agenda and not meeting.has_unpublished_changes
    bump_version(meeting)
    if published_as_is:  # nothing is left to publish: the members have the agenda, at its new time
        meeting.published_version = meeting.agenda_version
    audit.record("meeting.move", meeting, user=user,
                 details={"from": before.isoformat(), "to": starts_at.isoformat(), "minutes": duration})
    notifications.meeting_moved(meeting, before)
    db.session.flush()
    return meeting


def cancel_meeting(meeting: Meeting, user, reason: str | None, now: datetime | None = None) -> Meeting:
    """Cancel; its cases go back to the pool and their submitters are told."""
    require_manage(meeting, user)
    reason = clean_text(reason) or ""
    if not reason:
        raise InvalidInput("reason", _("Say why the meeting is cancelled: the board members will read it."))
    if len(reason) > MAX_CANCEL_REASON:
        raise InvalidInput("reason", _("Keep the reason under 300 characters."))
    if not meeting.is_open:
        raise InvalidInput(None, _("Only a scheduled or published meeting can be cancelled."))
    attendees = notifications.attendees(meeting)
    for item in list(meeting.items):
        case = item.case
        return_to_pool(case, user, timeline.say("meeting_cancelled", meeting.board.timezone, when=meeting.starts_at))
        notifications.case_back_in_pool(case, meeting, reason)
        meeting.items.remove(item)
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_reason = reason
    meeting.needs_review = False
    meeting.ical_sequence += 1
    bump_version(meeting)
    audit.record("meeting.cancel", meeting, user=user, details={"reason": reason})
    notifications.meeting_cancelled(meeting, attendees, reason)
    db.session.flush()
    return meeting


# --- Carry-over and closing ---------------------------------------------------------------

def carry_over_undiscussed(meeting: Meeting, user=None, now: datetime | None = None) -> list[AgendaItem]:
    """Cases not discussed at ``meeting`` (outcome pending or deferred) go onto the board's
    next open meeting, with a timeline event and an e-mail to the submitter.

    Returns the new agenda items. A case already on another open agenda, withdrawn or
    decided is left alone. If no later meeting exists, the case waits in the pool.
    Called when a meeting closes (the session's close, or the scheduler's).
    """
    now = now or utcnow()
    after = max(meeting.starts_at, now)
    target = next_open_meeting(meeting.board_id, after, respect_cutoff=False, exclude_id=meeting.id)
    if target is None:
        generate_meetings(meeting.board, now)
        target = next_open_meeting(meeting.board_id, after, respect_cutoff=False, exclude_id=meeting.id)
    carried = []
    for item in list(meeting.items):
        if item.outcome not in (ItemOutcome.PENDING, ItemOutcome.DEFERRED):
            continue
        case = item.case
        if case.status in (CaseStatus.WITHDRAWN, CaseStatus.DECIDED, CaseStatus.DRAFT):
            continue
        if _on_another_open_agenda(case.id, meeting.id):
            continue
        if target is None:
            if case.status is CaseStatus.SCHEDULED:
                change_status(case, CaseStatus.DEFERRED, user, details=timeline.say("not_discussed"))
            continue
        new = new_item(target, case, minutes=item.minutes, presenter_id=item.presenter_id,
                       carried_from=meeting.id, now=now)
        bump_version(target)
        if case.status is not CaseStatus.SCHEDULED:
            change_status(case, CaseStatus.SCHEDULED, user,
                          details=timeline.say("agenda", target.board.timezone, when=target.starts_at))
        add_event(case, "carried_over", user, details=timeline.say("carried_over", meeting.board.timezone,
                                                                   old=meeting.starts_at, new=target.starts_at))
        notifications.case_carried_over(case, meeting, target)
        carried.append(new)
    if carried:
        audit.record("agenda.carry_over", meeting, user=user,
                     details={"to": target.id, "cases": [i.case.reference for i in carried]})
    db.session.flush()
    return carried


def _on_another_open_agenda(case_id: int, meeting_id: int) -> bool:
    return db.session.scalar(
        sa.select(AgendaItem.id).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case_id, Meeting.status.in_(OPEN_STATUSES), Meeting.id != meeting_id)
    ) is not None


def close_stale_meetings(now: datetime | None = None) -> list[Meeting]:
    """Scheduler job: meetings never started, ended more than 12 h ago, are closed and
    their cases carried over."""
    now = now or utcnow()
    candidates = db.session.scalars(
        sa.select(Meeting).where(Meeting.status.in_(OPEN_STATUSES), Meeting.starts_at < now - STALE_AFTER)
        .order_by(Meeting.starts_at)
    ).all()
    closed = []
    for meeting in candidates:
        if meeting.ends_at + STALE_AFTER >= now:
            continue
        carry_over_undiscussed(meeting, None, now)
        meeting.status = MeetingStatus.CLOSED
        meeting.closed_at = now
        audit.record("meeting.auto_close", meeting, details={"reason": "never started"})
        closed.append(meeting)
    db.session.flush()
    return closed
