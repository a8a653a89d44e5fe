"""Meetings: generated from each board's cadence, moved, cancelled or added by hand;
agendas built from the pool of submitted cases, published, carried over.

Services flush; the caller (view, CLI, job) commits. Every agenda change bumps
Meeting.agenda_version with a conditional UPDATE, so two secretaries saving the same
agenda never overwrite each other silently: the second gets a ConflictError.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from mtb.accounts.models import BoardRole, Role, User
from mtb.audit import services as audit
from mtb.boards.models import Board
from mtb.cases.lifecycle import add_event, change_status
from mtb.cases.models import POOL_STATUSES, Case, CaseEvent, CaseStatus
from mtb.db import utcnow
from mtb.errors import ConflictError, InvalidInput, NotFound
from mtb.extensions import db
from mtb.formatting import local_datetime
from mtb.meetings.cadence import board_occurrences, local_to_utc, wall_time_exists
from mtb.meetings.models import OPEN_STATUSES, AgendaItem, ItemOutcome, Meeting, MeetingStatus
from mtb.notifications.models import NotificationKind
from mtb.notifications.services import absolute_url, board_people, notify

log = logging.getLogger(__name__)

#: The scheduler keeps this many weeks of meetings ahead of each cadence.
HORIZON_WEEKS = 8
#: A meeting never started is closed (and its cases carried over) this long after its end.
STALE_AFTER = timedelta(hours=12)
#: Stored as Meeting.cancelled_reason when a cadence change removed the occurrence;
#: such a meeting comes back if the cadence returns to it.
CADENCE_CHANGED = "cadence changed"
MAX_ITEM_MINUTES = 240

STATUS_LABELS = {
    MeetingStatus.SCHEDULED: _l("scheduled"),
    MeetingStatus.PUBLISHED: _l("agenda published"),
    MeetingStatus.IN_SESSION: _l("in session"),
    MeetingStatus.CLOSED: _l("closed"),
    MeetingStatus.SIGNED: _l("minutes signed"),
    MeetingStatus.CANCELLED: _l("cancelled"),
}

#: Why an agenda can no longer be changed, as a sentence.
LOCKED_REASONS = {
    MeetingStatus.IN_SESSION: _l("The meeting is in session: its agenda is run from the session page."),
    MeetingStatus.CLOSED: _l("The meeting is closed."),
    MeetingStatus.SIGNED: _l("The meeting is over and its minutes are signed."),
    MeetingStatus.CANCELLED: _l("The meeting is cancelled."),
}


# --- Reading ---------------------------------------------------------------

def get_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(meeting_id)
    return meeting


def load_agenda(meeting_id: int) -> Meeting:
    """The meeting with its items, their cases (and biomarkers) and presenters in a few statements."""
    meeting = db.session.scalar(
        sa.select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(selectinload(Meeting.items).selectinload(AgendaItem.case).selectinload(Case.biomarkers))
    )
    if meeting is None:
        raise NotFound(meeting_id)
    return meeting


def item_counts(meeting_ids) -> dict[int, int]:
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
        Meeting.starts_at >= now - timedelta(hours=12),
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


def open_item_for(case: Case) -> AgendaItem | None:
    """The case's item on an open meeting's agenda, if any."""
    return db.session.scalar(
        sa.select(AgendaItem).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case.id, Meeting.status.in_(OPEN_STATUSES))
        .order_by(Meeting.starts_at)
    )


def _on_open_agenda():
    return (
        sa.select(AgendaItem.id).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == Case.id, Meeting.status.in_(OPEN_STATUSES))
    )


def pool(board_id: int) -> list[Case]:
    """The board's cases waiting for a meeting: submitted or deferred, on no open agenda."""
    return list(db.session.scalars(
        sa.select(Case)
        .where(Case.board_id == board_id, Case.status.in_(POOL_STATUSES), ~_on_open_agenda().exists())
        .options(selectinload(Case.biomarkers))
        .order_by(Case.urgency.desc(), Case.submitted_at, Case.id)
    ))


def pool_entry_times(cases) -> dict[int, datetime]:
    """When each case entered the pool: its last "submitted" or "deferred" timeline event
    (submission, deferral, return from a cancelled meeting or agenda), else submitted_at."""
    cases = list(cases)
    if not cases:
        return {}
    rows = db.session.execute(
        sa.select(CaseEvent.case_id, sa.func.max(CaseEvent.at))
        .where(CaseEvent.case_id.in_([c.id for c in cases]), CaseEvent.kind.in_([s.value for s in POOL_STATUSES]))
        .group_by(CaseEvent.case_id)
    )
    found = dict(rows.all())
    return {c.id: found.get(c.id) or c.submitted_at or c.created_at or utcnow() for c in cases}


def upcoming_meetings(board_ids, now: datetime) -> dict[int, list[Meeting]]:
    """Each board's open meetings not started yet (that can still take cases), by date."""
    result: dict[int, list[Meeting]] = {board_id: [] for board_id in board_ids}
    if not result:
        return result
    for meeting in db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.board_id.in_(list(result)), Meeting.status.in_(OPEN_STATUSES), Meeting.starts_at > now,
               Meeting.needs_review.is_(False))
        .order_by(Meeting.starts_at, Meeting.id)
    ):
        result[meeting.board_id].append(meeting)
    return result


def proposed_meetings(cases, now: datetime | None = None) -> dict[int, Meeting | None]:
    """The meeting each pool case is proposed for: its board's first meeting still to come
    whose cut-off is after the moment the case entered the pool. A case that entered
    after a meeting's cut-off is proposed for the following one. None if no meeting exists
    yet. A few statements whatever the number of cases."""
    now = now or utcnow()
    cases = list(cases)
    entered = pool_entry_times(cases)
    meetings = upcoming_meetings({c.board_id for c in cases}, now)
    result: dict[int, Meeting | None] = {}
    for case in cases:
        result[case.id] = next((m for m in meetings[case.board_id] if m.cutoff_at > entered[case.id]), None)
    return result


@dataclass
class PoolEntry:
    case: Case
    #: The meeting the case is proposed for (None: no meeting generated yet).
    proposed: Meeting | None
    #: Proposed for the meeting being built, or for an earlier one (overdue).
    due: bool
    overdue: bool


def pool_for(meeting: Meeting, now: datetime | None = None) -> list[PoolEntry]:
    """The board's pool as the agenda builder shows it: cases proposed for this meeting
    or overdue (proposed for an earlier one) first, then the later ones by meeting."""
    now = now or utcnow()
    cases = pool(meeting.board_id)
    proposals = proposed_meetings(cases, now)
    entries = []
    for case in cases:
        proposed = proposals[case.id]
        overdue = proposed is not None and proposed.id != meeting.id and proposed.starts_at < meeting.starts_at
        due = proposed is not None and (proposed.id == meeting.id or overdue)
        entries.append(PoolEntry(case, proposed, due, overdue))
    far = datetime.max
    entries.sort(key=lambda e: (not e.due, e.proposed.starts_at if e.proposed else far,
                                e.case.urgency.value != "urgent"))
    return entries


def presenters(board_id: int) -> list[User]:
    """People of the board who may present a case (anyone holding a role on it)."""
    return list(db.session.scalars(
        sa.select(User).join(BoardRole, BoardRole.user_id == User.id)
        .where(BoardRole.board_id == board_id, User.active.is_(True)).distinct().order_by(User.full_name)
    ))


def biomarker_summary(case: Case, limit: int = 3) -> str:
    """A short, patient-free line of the case's key findings for agenda rows."""
    labels = []
    for b in case.biomarkers[:limit]:
        kind = b.kind.value
        if kind == "variant":
            labels.append(" ".join(x for x in (b.gene, b.hgvs_p or b.hgvs_c) if x))
        elif kind == "fusion":
            labels.append(f"{b.gene or '?'}::{b.gene_3p or '?'}")
        elif kind == "cnv":
            labels.append(" ".join(x for x in (b.gene, b.cnv_type.value if b.cnv_type else None) if x))
        elif kind == "tmb":
            labels.append(f"TMB {_num(b.tmb)}" if b.tmb is not None else "TMB")
        elif kind == "msi":
            labels.append(b.msi_status.value if b.msi_status else "MSI")
        elif kind == "pdl1":
            labels.append(f"PD-L1 TPS {_num(b.pdl1_tps)}%" if b.pdl1_tps is not None else "PD-L1")
        elif kind == "hrd":
            labels.append(f"HRD {b.hrd_status.value}" if b.hrd_status else "HRD")
        else:
            labels.append(b.description or b.gene or kind)
    more = len(case.biomarkers) - limit
    return ", ".join(labels) + (f" (+{more})" if more > 0 else "")


def _num(value) -> str:
    """80.00 -> "80", 14.20 -> "14.2"."""
    from decimal import Decimal

    return f"{Decimal(value).normalize():f}"


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
    the agenda can still change, those changed since."""
    marked = {item.id for item in meeting.items if item.changed_after_publication}
    if meeting.is_open:
        marked |= pending_changes(meeting)
    return marked


def _snapshot(meeting: Meeting) -> None:
    starts = item_start_times(meeting)
    for item in meeting.items:
        item.published_position = item.position
        item.published_starts_at = starts[item.id]
        item.published_minutes = item.minutes
        item.published_presenter_id = item.presenter_id


def locked_reason(meeting: Meeting, now: datetime | None = None) -> str | None:
    """Why the agenda can no longer be changed, as a sentence; None if it can."""
    now = now or utcnow()
    if meeting.status in LOCKED_REASONS:
        return str(LOCKED_REASONS[meeting.status])
    if meeting.starts_at <= now:
        return _("The meeting has started: its agenda is now run from the session page.")
    return None


# --- Generation from the cadence ----------------------------------------------

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
    flagged ``needs_review`` when cases are on it; new occurrences are created.
    """
    now = now or utcnow()
    wanted = set(board_occurrences(board, now, now + timedelta(weeks=HORIZON_WEEKS)))
    summary = {"updated": 0, "cancelled": 0, "flagged": 0, "restored": 0, "created": 0}
    future = db.session.scalars(
        sa.select(Meeting).options(selectinload(Meeting.items))
        .where(Meeting.board_id == board.id, Meeting.occurrence_at.is_not(None), Meeting.starts_at > now)
    ).all()
    for meeting in future:
        if meeting.status is MeetingStatus.CANCELLED:
            if meeting.occurrence_at in wanted and meeting.cancelled_reason == CADENCE_CHANGED and not meeting.items:
                meeting.status = MeetingStatus.SCHEDULED
                meeting.cancelled_reason = None
                _follow_board(meeting, board)
                meeting.ical_sequence += 1
                summary["restored"] += 1
            continue
        if meeting.status is not MeetingStatus.SCHEDULED or meeting.agenda_publications:
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


def _follow_board(meeting: Meeting, board: Board) -> bool:
    changed = False
    for attr, value in (("duration_minutes", board.meeting_length_minutes), ("location", board.location),
                        ("video_link", board.video_link), ("cutoff_hours", board.cutoff_hours)):
        if getattr(meeting, attr) != value:
            setattr(meeting, attr, value)
            changed = True
    return changed


# --- Meetings by hand: extra, move, cancel ---------------------------------------

def _local_start(board: Board, day: date | None, at: time | None, now: datetime, field_date: str = "date") -> datetime:
    if day is None:
        raise InvalidInput(field_date, _("Enter the date of the meeting."))
    if at is None:
        raise InvalidInput("time", _("Enter the start time of the meeting (HH:MM)."))
    local = datetime.combine(day, at)
    if not wall_time_exists(local, board.timezone):
        raise InvalidInput("time", _("%(time)s does not exist on that day: the clocks go forward. Choose another time.",
                                     time=at.strftime("%H:%M")))
    starts_at = local_to_utc(local, board.timezone)
    if starts_at <= now:
        raise InvalidInput(field_date, _("This date and time are in the past. A meeting can only be set in the future."))
    return starts_at


def _check_duration(duration: int | None) -> int:
    if duration is None or not (5 <= int(duration) <= 600):
        raise InvalidInput("duration_minutes", _("Enter a length between 5 and 600 minutes."))
    return int(duration)


def add_extra_meeting(board: Board, user, *, day: date | None, at: time | None, duration_minutes: int | None,
                      location: str | None = None, video_link: str | None = None,
                      now: datetime | None = None) -> Meeting:
    """An ad-hoc meeting outside the cadence."""
    now = now or utcnow()
    starts_at = _local_start(board, day, at, now)
    meeting = Meeting(
        board_id=board.id, starts_at=starts_at, occurrence_at=None,
        duration_minutes=_check_duration(duration_minutes),
        location=(location or "").strip() or None, video_link=(video_link or "").strip() or None,
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
    now = now or utcnow()
    if not meeting.is_open:
        raise InvalidInput(None, _("Only a scheduled or published meeting can be moved."))
    board = meeting.board
    starts_at = _local_start(board, day, at, now)
    duration = _check_duration(duration_minutes)
    location = (location or "").strip() or None
    video_link = (video_link or "").strip() or None
    before = meeting.starts_at
    if (starts_at, duration, location, video_link) == (meeting.starts_at, meeting.duration_minutes, meeting.location, meeting.video_link):
        raise InvalidInput("date", _("Nothing changed: give a new date, time, length or place."))
    meeting.starts_at = starts_at
    meeting.duration_minutes = duration
    meeting.location = location
    meeting.video_link = video_link
    meeting.needs_review = False
    meeting.ical_sequence += 1
    _bump(meeting)
    audit.record("meeting.move", meeting, user=user,
                 details={"from": before.isoformat(), "to": starts_at.isoformat(), "minutes": duration})
    when = _when(meeting)
    subject = _("%(board)s meeting moved to %(when)s", board=board.name, when=when)
    lines = [
        _("The %(board)s meeting planned for %(old)s now takes place on %(when)s (%(minutes)d minutes).",
          board=board.name, old=local_datetime(before, board.timezone), when=when, minutes=duration),
        _place_line(meeting),
        "",
        _("Meeting page: %(url)s", url=absolute_url("meetings.view", meeting_id=meeting.id)),
    ]
    recipients = _attendees(meeting)
    for person in recipients.values():
        notify(person, NotificationKind.MEETING_MOVED, subject, "\n".join(lines),
               dedupe_key=f"moved:{meeting.id}:{meeting.ical_sequence}:user:{person.id}")
    db.session.flush()
    return meeting


def cancel_meeting(meeting: Meeting, user, reason: str | None, now: datetime | None = None) -> Meeting:
    """Cancel; its cases go back to the pool and their submitters are told."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason", _("Say why the meeting is cancelled: the board members will read it."))
    if len(reason) > 300:
        raise InvalidInput("reason", _("Keep the reason under 300 characters."))
    if not meeting.is_open:
        raise InvalidInput(None, _("Only a scheduled or published meeting can be cancelled."))
    board = meeting.board
    when = _when(meeting)
    attendees = _attendees(meeting)
    for item in list(meeting.items):
        case = item.case
        _return_to_pool(case, user, _("Meeting of %(when)s cancelled", when=when))
        notify(case.submitter, NotificationKind.CASE_RETURNED_TO_POOL,
               _("%(ref)s: meeting cancelled, case back in the pool", ref=case.reference),
               "\n".join([
                   _("The %(board)s meeting of %(when)s is cancelled (%(reason)s).", board=board.name, when=when, reason=reason),
                   _("Case %(ref)s goes back to the pool: the secretary will put it on a later meeting.", ref=case.reference),
                   "",
                   _("Case: %(url)s", url=_case_url(case)),
               ]),
               dedupe_key=f"cancelled:{meeting.id}:case:{case.id}")
        meeting.items.remove(item)
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_reason = reason
    meeting.needs_review = False
    meeting.ical_sequence += 1
    _bump(meeting)
    audit.record("meeting.cancel", meeting, user=user, details={"reason": reason})
    for person in attendees.values():
        notify(person, NotificationKind.MEETING_CANCELLED,
               _("%(board)s meeting of %(when)s cancelled", board=board.name, when=when),
               "\n".join([
                   _("The %(board)s meeting of %(when)s is cancelled.", board=board.name, when=when),
                   _("Reason: %(reason)s", reason=reason),
                   "",
                   _("Meetings of the board: %(url)s", url=absolute_url("meetings.board_meetings", slug=board.slug)),
               ]),
               dedupe_key=f"cancelled:{meeting.id}:user:{person.id}")
    db.session.flush()
    return meeting


# --- Agenda -------------------------------------------------------------------

def _bump(meeting: Meeting, expected: int | None = None) -> None:
    """Count one agenda change; with ``expected``, refuse if someone saved in between."""
    query = sa.update(Meeting).where(Meeting.id == meeting.id)
    if expected is not None:
        query = query.where(Meeting.agenda_version == expected)
    result = db.session.execute(
        query.values(agenda_version=Meeting.agenda_version + 1).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ConflictError(_("Someone else changed this agenda while you were working on it. "
                              "Below is the agenda as it is now; your last change was not saved: check it and do it again if still needed."))
    current = db.session.scalar(sa.select(Meeting.agenda_version).where(Meeting.id == meeting.id))
    set_committed_value(meeting, "agenda_version", current)


def _check_version(meeting: Meeting, version) -> int:
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise InvalidInput(None, _("The form is incomplete (agenda version missing). Reload the page and try again."))
    if version != meeting.agenda_version:
        raise ConflictError(_("Someone else changed this agenda while you were working on it. "
                              "Below is the agenda as it is now; your last change was not saved: check it and do it again if still needed."))
    return version


def _check_editable(meeting: Meeting, version, now: datetime) -> int:
    reason = locked_reason(meeting, now)
    if reason:
        raise InvalidInput(None, _("This agenda can no longer be changed. %(reason)s", reason=reason))
    return _check_version(meeting, version)


def _changed(meeting: Meeting, expected: int | None) -> None:
    """Count one agenda change (what changed is read against the last publication)."""
    _bump(meeting, expected)


def _renumber(meeting: Meeting) -> None:
    for position, item in enumerate(meeting.items, start=1):
        item.position = position


def _find_item(meeting: Meeting, item_id) -> AgendaItem:
    try:
        item_id = int(item_id)
    except (TypeError, ValueError):
        raise NotFound(item_id)
    item = next((i for i in meeting.items if i.id == item_id), None)
    if item is None:
        raise NotFound(item_id)
    return item


def _previous_pool_status(case: Case) -> CaseStatus:
    """Back to submitted, or deferred if the case was deferred at an earlier meeting."""
    kind = db.session.scalar(
        sa.select(CaseEvent.kind).where(CaseEvent.case_id == case.id,
                                        CaseEvent.kind.in_([s.value for s in POOL_STATUSES]))
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(1)
    )
    return CaseStatus(kind) if kind else CaseStatus.SUBMITTED


def _return_to_pool(case: Case, user, note: str) -> None:
    if case.status is CaseStatus.SCHEDULED:
        change_status(case, _previous_pool_status(case), user, note[:300])


def _new_item(meeting: Meeting, case: Case, *, minutes: int | None = None, presenter_id: int | None = None,
              late: bool = False, carried_from: int | None = None, now: datetime | None = None) -> AgendaItem:
    item = AgendaItem(
        case=case, case_id=case.id, minutes=minutes or meeting.board.minutes_per_case, presenter_id=presenter_id,
        outcome=ItemOutcome.PENDING, late_addition=late, carried_over_from_id=carried_from,
        changed_after_publication=False, added_at=now or utcnow(),
        position=len(meeting.items) + 1,
    )
    meeting.items.append(item)
    return item


def propose_for_next_meeting(case: Case, now: datetime | None = None, user=None) -> Meeting | None:
    """A just-submitted case waits in the pool, proposed for its board's next meeting
    whose cut-off has not passed (after the cut-off: the following one). The secretary
    puts it on that agenda from the pool; nothing is added here.

    Returns the proposed meeting (creating the board's coming meetings if none exist
    yet), or None when the case is not waiting or no meeting can take it.
    """
    now = now or utcnow()
    if case.status not in POOL_STATUSES or open_item_for(case) is not None:
        return None
    proposed = proposed_meetings([case], now)[case.id]
    if proposed is None:
        generate_meetings(case.board, now)
        db.session.flush()
        proposed = proposed_meetings([case], now)[case.id]
    if proposed is not None:
        audit.record("agenda.propose", proposed, user=user, details={"case": case.reference})
    return proposed


def remove_withdrawn_case(case: Case, user=None) -> int:
    """A withdrawn case leaves the agendas of open meetings (pending items only)."""
    removed = 0
    items = db.session.scalars(
        sa.select(AgendaItem).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case.id, Meeting.status.in_(OPEN_STATUSES),
               AgendaItem.outcome == ItemOutcome.PENDING)
    ).all()
    for item in items:
        meeting = item.meeting
        meeting.items.remove(item)
        _renumber(meeting)
        _changed(meeting, None)
        audit.record("agenda.remove_withdrawn", meeting, user=user, details={"case": case.reference})
        removed += 1
    db.session.flush()
    return removed


def add_case(meeting: Meeting, case_id, user, version, *, now: datetime | None = None) -> AgendaItem:
    """The secretary puts a pool case on the agenda (past the cut-off: a late addition)."""
    now = now or utcnow()
    expected = _check_editable(meeting, version, now)
    try:
        case = db.session.get(Case, int(case_id))
    except (TypeError, ValueError):
        case = None
    if case is None or case.board_id != meeting.board_id:
        raise InvalidInput("case_id", _("Choose a case of this board from the pool."))
    if case.status is CaseStatus.WITHDRAWN:
        raise InvalidInput("case_id", _("Case %(ref)s was withdrawn by its submitter: it cannot go on an agenda.", ref=case.reference))
    other = open_item_for(case)
    if other is not None:
        if other.meeting_id == meeting.id:
            raise InvalidInput("case_id", _("Case %(ref)s is already on this agenda.", ref=case.reference))
        raise InvalidInput("case_id", _("Case %(ref)s is already on the agenda of %(when)s: remove it there first.",
                                        ref=case.reference, when=_when(other.meeting)))
    if case.status not in POOL_STATUSES:
        raise InvalidInput("case_id", _("Case %(ref)s is %(status)s, not waiting for a meeting.",
                                        ref=case.reference, status=case.status.value))
    item = _place(meeting, case, user, now)
    _changed(meeting, expected)
    db.session.flush()
    return item


def _place(meeting: Meeting, case: Case, user, now: datetime, entered: datetime | None = None) -> AgendaItem:
    """Put a pool case at the end of the agenda. A case that entered the pool after this
    meeting's cut-off (so proposed for a later one) is a late addition."""
    entered = entered or pool_entry_times([case])[case.id]
    late = entered > meeting.cutoff_at
    item = _new_item(meeting, case, late=late, now=now)
    change_status(case, CaseStatus.SCHEDULED, user, _("Agenda of %(when)s", when=_when(meeting)))
    audit.record("agenda.add", meeting, user=user, details={"case": case.reference, "late": late})
    return item


def add_all_proposed(meeting: Meeting, user, version, *, now: datetime | None = None) -> list[AgendaItem]:
    """Put every pool case proposed for this meeting (or overdue) on its agenda, in the
    pool's order."""
    now = now or utcnow()
    expected = _check_editable(meeting, version, now)
    due = [entry.case for entry in pool_for(meeting, now) if entry.due]
    if not due:
        raise InvalidInput(None, _("No case in the pool is proposed for this meeting."))
    entered = pool_entry_times(due)
    items = [_place(meeting, case, user, now, entered[case.id]) for case in due]
    _changed(meeting, expected)
    db.session.flush()
    return items


def remove_item(meeting: Meeting, item_id, user, version, *, now: datetime | None = None) -> Case:
    """Take a case off the agenda: back to the pool, its submitter told."""
    now = now or utcnow()
    expected = _check_editable(meeting, version, now)
    item = _find_item(meeting, item_id)
    case = item.case
    meeting.items.remove(item)
    _renumber(meeting)
    _changed(meeting, expected)
    _return_to_pool(case, user, _("Removed from the agenda of %(when)s", when=_when(meeting)))
    if meeting.agenda_publications:
        notify(case.submitter, NotificationKind.CASE_RETURNED_TO_POOL,
               _("%(ref)s: taken off the agenda of %(when)s", ref=case.reference, when=_when(meeting)),
               _("Case %(ref)s was taken off the published agenda of the %(board)s meeting of %(when)s. "
                 "It is back in the pool for a later meeting.", ref=case.reference, board=meeting.board.name,
                 when=_when(meeting)))
    audit.record("agenda.remove", meeting, user=user, details={"case": case.reference})
    db.session.flush()
    return case


def move_item(meeting: Meeting, item_id, direction: str, user, version, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    expected = _check_editable(meeting, version, now)
    item = _find_item(meeting, item_id)
    items = list(meeting.items)
    index = items.index(item)
    target = index - 1 if direction == "up" else index + 1 if direction == "down" else None
    if target is None:
        raise InvalidInput(None, _("Move a case up or down."))
    if not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    for position, each in enumerate(items, start=1):
        each.position = position
    meeting.items.sort(key=lambda i: i.position)
    _changed(meeting, expected)
    audit.record("agenda.reorder", meeting, user=user, details={"case": item.case.reference, "direction": direction})
    db.session.flush()


def reorder(meeting: Meeting, item_ids: list, user, version, *, now: datetime | None = None) -> None:
    """Set the whole order at once (drag and drop)."""
    now = now or utcnow()
    expected = _check_editable(meeting, version, now)
    try:
        ids = [int(i) for i in item_ids]
    except (TypeError, ValueError):
        raise InvalidInput(None, _("The new order could not be read. Reload the page and try again."))
    current = {item.id: item for item in meeting.items}
    if sorted(ids) != sorted(current):
        raise ConflictError(_("The agenda changed while you were reordering it. Below is the agenda as it is now."))
    if ids == [item.id for item in meeting.items]:
        return
    for position, item_id in enumerate(ids, start=1):
        current[item_id].position = position
    meeting.items.sort(key=lambda i: i.position)
    _changed(meeting, expected)
    audit.record("agenda.reorder", meeting, user=user, details={"order": ids})
    db.session.flush()


def update_item(meeting: Meeting, item_id, user, version, *, minutes, presenter_id,
                now: datetime | None = None) -> AgendaItem:
    """Minutes allotted and presenter of one case."""
    now = now or utcnow()
    expected = _check_editable(meeting, version, now)
    item = _find_item(meeting, item_id)
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        raise InvalidInput("minutes", _("Enter the minutes for this case as a whole number."))
    if not 1 <= minutes <= MAX_ITEM_MINUTES:
        raise InvalidInput("minutes", _("Enter between 1 and %(max)d minutes.", max=MAX_ITEM_MINUTES))
    presenter = None
    if presenter_id not in (None, "", "0"):
        try:
            presenter = db.session.get(User, int(presenter_id))
        except (TypeError, ValueError):
            presenter = None
        if presenter is None or not presenter.active or not presenter.has_role(meeting.board_id):
            raise InvalidInput("presenter_id", _("The presenter must be a person of this board."))
    if item.minutes == minutes and item.presenter_id == (presenter.id if presenter else None):
        return item
    item.minutes = minutes
    item.presenter_id = presenter.id if presenter else None
    item.presenter = presenter
    _changed(meeting, expected)
    audit.record("agenda.item", meeting, user=user, details={"case": item.case.reference, "minutes": minutes,
                                                               "presenter": item.presenter_id})
    db.session.flush()
    return item


def publish_agenda(meeting: Meeting, user, version, *, now: datetime | None = None) -> int:
    """Freeze the agenda and tell the board's members and each case's submitter.

    A re-publication (after changes) sends an "agenda changed" message instead. Returns
    the number of e-mails queued.
    """
    now = now or utcnow()
    expected = _check_editable(meeting, version, now)
    if not meeting.items:
        raise InvalidInput(None, _("The agenda is empty: add at least one case before publishing (or cancel the meeting)."))
    first = meeting.agenda_publications == 0
    if not first and not meeting.has_unpublished_changes:
        raise InvalidInput(None, _("The agenda has not changed since it was published."))
    changed = pending_changes(meeting)
    for item in meeting.items:
        item.changed_after_publication = item.id in changed
    _snapshot(meeting)
    _bump(meeting, expected)
    meeting.status = MeetingStatus.PUBLISHED
    meeting.agenda_published_at = now
    meeting.agenda_publications += 1
    meeting.published_version = meeting.agenda_version
    meeting.needs_review = False
    meeting.ical_sequence += 1
    audit.record("agenda.publish", meeting, user=user, details={"publication": meeting.agenda_publications,
                                                                  "cases": [i.case.reference for i in meeting.items]})
    queued = _send_agenda(meeting, first)
    db.session.flush()
    return queued


def _send_agenda(meeting: Meeting, first: bool) -> int:
    board = meeting.board
    when = _when(meeting)
    starts = item_start_times(meeting)
    tz = board.timezone
    lines = []
    for item in meeting.items:
        mark = " *" if item.changed_after_publication else ""
        late = " " + _("(late addition)") if item.late_addition else ""
        lines.append(f"{item.position}. {local_datetime(starts[item.id], tz, 'HH:mm')}  {item.case.reference}  "
                     f"({item.minutes} min){late}{mark}")
    url = absolute_url("meetings.view", meeting_id=meeting.id)
    kind = NotificationKind.AGENDA_PUBLISHED if first else NotificationKind.AGENDA_CHANGED
    subject = (_("Agenda of the %(board)s meeting, %(when)s", board=board.name, when=when) if first
               else _("Agenda changed: %(board)s meeting, %(when)s", board=board.name, when=when))
    intro = (_("The agenda of the %(board)s meeting of %(when)s is published.", board=board.name, when=when) if first
             else _("The agenda of the %(board)s meeting of %(when)s has changed (changes marked *).", board=board.name, when=when))
    members = {u.id: u for u in board_people(board.id)}
    submitters: dict[int, list[AgendaItem]] = {}
    for item in meeting.items:
        submitters.setdefault(item.case.submitter_id, []).append(item)
    queued = 0
    recipients = dict(members)
    for item_list in submitters.values():
        recipients.setdefault(item_list[0].case.submitter_id, item_list[0].case.submitter)
    for person in recipients.values():
        body = [intro, _place_line(meeting), ""]
        if person.id in members:
            body.append(ngettext("%(num)d case:", "%(num)d cases:", len(meeting.items)))
            body.extend(lines)
            body.append("")
        for item in submitters.get(person.id, []):
            body.append(_("Your case %(ref)s is number %(pos)d, planned at %(time)s (%(minutes)d minutes).",
                          ref=item.case.reference, pos=item.position, time=local_datetime(starts[item.id], tz, "HH:mm"),
                          minutes=item.minutes))
        body.append(_("Agenda: %(url)s", url=url))
        if notify(person, kind, subject, "\n".join(body),
                  dedupe_key=f"agenda:{meeting.id}:{meeting.agenda_publications}:user:{person.id}"):
            queued += 1
    return queued


# --- Carry-over and closing -------------------------------------------------------

def carry_over_undiscussed(meeting: Meeting, user=None, now: datetime | None = None) -> list[AgendaItem]:
    """Cases not discussed at ``meeting`` (outcome pending or deferred) go onto the board's
    next open meeting, with a timeline event and an e-mail to the submitter.

    Returns the new agenda items. A case already on another open agenda, withdrawn or
    decided is left alone. If no later meeting exists, the case waits in the pool.
    """
    now = now or utcnow()
    after = max(meeting.starts_at, now)
    target = next_open_meeting(meeting.board_id, after, respect_cutoff=False, exclude_id=meeting.id)
    if target is None:
        generate_meetings(meeting.board, now)
        target = next_open_meeting(meeting.board_id, after, respect_cutoff=False, exclude_id=meeting.id)
    carried = []
    board = meeting.board
    for item in list(meeting.items):
        if item.outcome not in (ItemOutcome.PENDING, ItemOutcome.DEFERRED):
            continue
        case = item.case
        if case.status in (CaseStatus.WITHDRAWN, CaseStatus.DECIDED, CaseStatus.DRAFT):
            continue
        elsewhere = db.session.scalar(
            sa.select(AgendaItem.id).join(Meeting, AgendaItem.meeting_id == Meeting.id)
            .where(AgendaItem.case_id == case.id, Meeting.status.in_(OPEN_STATUSES), Meeting.id != meeting.id)
        )
        if elsewhere is not None:
            continue
        if target is None:
            if case.status is CaseStatus.SCHEDULED:
                change_status(case, CaseStatus.DEFERRED, user, _("Not discussed; no later meeting yet"))
            continue
        new = _new_item(target, case, minutes=item.minutes, presenter_id=item.presenter_id,
                        carried_from=meeting.id, now=now)
        _changed(target, None)
        if case.status is not CaseStatus.SCHEDULED:
            change_status(case, CaseStatus.SCHEDULED, user, _("Agenda of %(when)s", when=_when(target)))
        add_event(case, "carried_over", user, _("From the meeting of %(old)s to %(new)s",
                                               old=_when(meeting), new=_when(target))[:300])
        notify(case.submitter, NotificationKind.CASE_CARRIED_OVER,
               _("%(ref)s carried over to %(when)s", ref=case.reference, when=_when(target)),
               "\n".join([
                   _("Case %(ref)s was not discussed at the %(board)s meeting of %(old)s.",
                     ref=case.reference, board=board.name, old=_when(meeting)),
                   _("It is now on the agenda of the meeting of %(when)s.", when=_when(target)),
                   "",
                   _("Meeting: %(url)s", url=absolute_url("meetings.view", meeting_id=target.id)),
               ]),
               dedupe_key=f"carried:{meeting.id}:case:{case.id}")
        carried.append(new)
    if carried:
        audit.record("agenda.carry_over", meeting, user=user,
                     details={"to": target.id, "cases": [i.case.reference for i in carried]})
    db.session.flush()
    return carried


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


# --- Reminders --------------------------------------------------------------------

def send_reminders(now: datetime | None = None) -> int:
    """Scheduler job: drafts 48 h before a cut-off, members 24 h before a meeting. Each
    reminder once (dedupe key), even if two schedulers run this together."""
    from mtb.notifications.models import OutboxMessage  # noqa: F401  (dedupe lives there)

    now = now or utcnow()
    queued = 0
    upcoming = db.session.scalars(
        sa.select(Meeting).where(Meeting.status.in_(OPEN_STATUSES), Meeting.starts_at > now,
                                 Meeting.starts_at <= now + timedelta(days=4))
        .order_by(Meeting.starts_at)
    ).all()
    for meeting in upcoming:
        board = meeting.board
        when = _when(meeting)
        if now < meeting.cutoff_at <= now + timedelta(hours=48):
            drafts: dict[int, list[Case]] = {}
            for case in db.session.scalars(
                sa.select(Case).where(Case.board_id == board.id, Case.status == CaseStatus.DRAFT).order_by(Case.id)
            ):
                drafts.setdefault(case.submitter_id, []).append(case)
            for cases in drafts.values():
                submitter = cases[0].submitter
                body = "\n".join([
                    _("The submission cut-off for the %(board)s meeting of %(when)s is %(cutoff)s.",
                      board=board.name, when=when, cutoff=local_datetime(meeting.cutoff_at, board.timezone)),
                    _("You have draft cases for this board: %(refs)s.", refs=", ".join(c.reference for c in cases)),
                    _("Submit them before the cut-off to have them discussed at this meeting."),
                ])
                queued += _remind(submitter, NotificationKind.CUTOFF_REMINDER,
                                  _("Cut-off %(cutoff)s: your drafts for %(board)s",
                                    cutoff=local_datetime(meeting.cutoff_at, board.timezone), board=board.name),
                                  body, f"cutoff:{meeting.id}:{meeting.cutoff_at:%Y%m%d%H%M}:user:{submitter.id}")
        waiting = None
        if meeting.cutoff_at <= now and not meeting.agenda_publications:
            # The cut-off passed: the secretaries build the agenda from the proposed cases.
            waiting = sum(1 for entry in pool_for(meeting, now) if entry.due)
            if waiting:
                body = "\n".join([
                    _("The submission cut-off for the %(board)s meeting of %(when)s has passed.", board=board.name, when=when),
                    ngettext("%(num)d case proposed for this meeting waits in the pool.",
                             "%(num)d cases proposed for this meeting wait in the pool.", waiting),
                    _("Build and publish the agenda: %(url)s", url=absolute_url("meetings.agenda", meeting_id=meeting.id)),
                ])
                for person in board_people(board.id, Role.SECRETARY):
                    queued += _remind(person, NotificationKind.AGENDA_TO_BUILD,
                                      _("Agenda to build: %(board)s meeting, %(when)s", board=board.name, when=when),
                                      body, f"agenda-to-build:{meeting.id}:{meeting.cutoff_at:%Y%m%d%H%M}:user:{person.id}")
        if meeting.starts_at <= now + timedelta(hours=24):
            count = len(meeting.items)
            lines = [
                _("Reminder: the %(board)s meeting is on %(when)s.", board=board.name, when=when),
                _place_line(meeting),
            ]
            if meeting.agenda_publications:
                lines.append(ngettext("%(num)d case on the agenda.", "%(num)d cases on the agenda.", count))
            else:
                lines.append(_("The agenda is not yet published."))
            lines += ["", _("Agenda: %(url)s", url=absolute_url("meetings.view", meeting_id=meeting.id))]
            secretaries = {u.id for u in board_people(board.id, Role.SECRETARY)}
            extra: list[str] = []
            if secretaries and not meeting.agenda_publications:
                if waiting is None:
                    waiting = sum(1 for entry in pool_for(meeting, now) if entry.due)
                extra = [
                    "",
                    ngettext("%(num)d case proposed for this meeting is still in the pool.",
                             "%(num)d cases proposed for this meeting are still in the pool.", waiting),
                    _("Build and publish the agenda: %(url)s", url=absolute_url("meetings.agenda", meeting_id=meeting.id)),
                ]
            for person in board_people(board.id):
                body = lines + (extra if person.id in secretaries else [])
                queued += _remind(person, NotificationKind.MEETING_REMINDER,
                                  _("Tomorrow: %(board)s meeting, %(when)s", board=board.name, when=when),
                                  "\n".join(body),
                                  f"meeting-reminder:{meeting.id}:{meeting.starts_at:%Y%m%d%H%M}:user:{person.id}")
    return queued


def _remind(user, kind, subject, body, key) -> int:
    try:
        with db.session.begin_nested():
            message = notify(user, kind, subject, body, dedupe_key=key)
            db.session.flush()
    except IntegrityError:
        # Another scheduler queued the same reminder at this very moment.
        return 0
    return 1 if message else 0


# --- Home and case panels -----------------------------------------------------------

def home_section(user) -> dict | None:
    """Next meetings of the user's boards (date, board, agenda status, number of cases)."""
    board_ids = user.board_ids()
    if not board_ids:
        return None
    now = utcnow()
    meetings = list(db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.board_id.in_(board_ids),
               sa.or_(Meeting.status == MeetingStatus.IN_SESSION,
                      sa.and_(Meeting.status.in_(OPEN_STATUSES), Meeting.starts_at >= now - timedelta(hours=6))))
        .order_by(Meeting.starts_at).limit(6)
    ))
    # Secretaries also see how many pool cases are proposed for each meeting (still to add).
    managed = set(user.board_ids(Role.SECRETARY))
    proposed: dict[int, int] = {}
    if managed & {m.board_id for m in meetings}:
        # Only the columns the proposal needs: the pool can hold many cases.
        waiting = db.session.execute(
            sa.select(Case.id, Case.board_id, Case.submitted_at, Case.created_at)
            .where(Case.board_id.in_(managed), Case.status.in_(POOL_STATUSES), ~_on_open_agenda().exists())
        ).all()
        for meeting in proposed_meetings(waiting, now).values():
            if meeting is not None:
                proposed[meeting.id] = proposed.get(meeting.id, 0) + 1
    return {"template": "meetings/_home.html", "meetings": meetings, "counts": item_counts(m.id for m in meetings),
            "proposed": proposed, "managed": managed}


def case_panel(case, user) -> dict | None:
    """Which meeting(s) the case is or was on, with its position."""
    if not case.can_view(user):
        return None
    items = list(db.session.scalars(
        sa.select(AgendaItem).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case.id).order_by(Meeting.starts_at.desc())
    ))
    proposal = None
    in_pool = case.status in POOL_STATUSES and not any(i.meeting.is_open for i in items)
    if in_pool:
        proposal = proposed_meetings([case])[case.id]
    return {"template": "meetings/_case_panel.html", "agenda_items": items, "case": case, "in_pool": in_pool,
            "proposed": proposal}


# --- Helpers -------------------------------------------------------------------------

def _when(meeting: Meeting) -> str:
    return local_datetime(meeting.starts_at, meeting.board.timezone)


def _place_line(meeting: Meeting) -> str:
    parts = [p for p in (meeting.location, meeting.video_link) if p]
    return _("Place: %(place)s", place=" · ".join(parts)) if parts else ""


def _attendees(meeting: Meeting) -> dict[int, User]:
    people = {u.id: u for u in board_people(meeting.board_id)}
    for item in meeting.items:
        people.setdefault(item.case.submitter_id, item.case.submitter)
    return people


def _case_url(case: Case) -> str:
    from flask import current_app

    if "cases.view" in current_app.view_functions:
        return absolute_url("cases.view", case_id=case.id)
    return absolute_url("meetings.board_meetings", slug=case.board.slug)


def _status_label(status: MeetingStatus) -> str:
    return str(STATUS_LABELS.get(status, status.value))


def status_label(status: MeetingStatus) -> str:
    return _status_label(status)




def when_label(meeting: Meeting) -> str:
    """The meeting's start in its board's time zone, for messages."""
    return _when(meeting)
