"""Opening and closing a meeting's session (its secretary or chair).

Between the two the session page records attendance, conflicts of interest and the
board's decisions; once closed, drafts and attendance can still be put right until
the chair signs the minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from mtb.audit import services as audit
from mtb.cases.models import Case
from mtb.db import utcnow
from mtb.decisions import queries
from mtb.decisions.models import Recusal
from mtb.decisions.quorum import refresh_draft_quorum
from mtb.errors import InvalidInput, NotAllowed
from mtb.extensions import db
from mtb.formatting import local_datetime
from mtb.http import db_int
from mtb.i18n import gettext as _
from mtb.meetings.lifecycle import carry_over_undiscussed
from mtb.meetings.models import OPEN_STATUSES, AgendaItem, ItemOutcome, Meeting, MeetingStatus
from mtb.meetings.services import add_during_session, take_off_during_session

#: Starting a meeting earlier than this before its scheduled start asks for a confirmation.
EARLY_START_MARGIN = timedelta(hours=2)


class EarlyStart(InvalidInput):
    """Starting more than EARLY_START_MARGIN before the scheduled start needs an explicit confirmation."""

    def __init__(self, meeting: Meeting):
        super().__init__("confirm_early", _(
            "Scheduled for %(when)s: tick \"Start now anyway\" to open the session before then.",
            when=scheduled_label(meeting)))
        self.meeting = meeting


def require_run(meeting: Meeting, user) -> None:
    """The services' side of ``Meeting.can_run``: NotAllowed for anyone else."""
    if not meeting.can_run(user):
        raise NotAllowed(_("Only the board's secretary or chair can run this meeting."))


def is_running(meeting: Meeting) -> bool:
    """Attendance and drafts can still change: the session started and the minutes are not signed."""
    return meeting.is_in_session or meeting.is_closed


def scheduled_label(meeting: Meeting) -> str:
    """"Tuesday 2 December 2026, 14:00" in the board's zone."""
    return local_datetime(meeting.starts_at, meeting.board.timezone, "EEEE d MMMM yyyy, HH:mm")


def starts_early(meeting: Meeting, now: datetime | None = None) -> bool:
    """Would starting now be more than EARLY_START_MARGIN before the scheduled start?"""
    return (now or utcnow()) < meeting.starts_at - EARLY_START_MARGIN


def day_label(meeting: Meeting) -> str:
    """"Tuesday 2 December 2026" in the board's zone."""
    return local_datetime(meeting.starts_at, meeting.board.timezone, "EEEE d MMMM yyyy")


class BeforeMeetingDay(InvalidInput):
    """Closing a meeting, validating its decisions or signing its minutes before its day."""

    def __init__(self, meeting: Meeting, message: str):
        super().__init__(None, message)
        self.meeting = meeting


def require_meeting_day(meeting: Meeting, message: str, now: datetime | None = None) -> None:
    """BeforeMeetingDay with ``message`` (a sentence with %(day)s) unless the meeting's day
    has begun in its board's time zone."""
    if not meeting.day_has_come(now):
        raise BeforeMeetingDay(meeting, message % {"day": day_label(meeting)})


def start_meeting(meeting: Meeting, user, *, confirm_early: bool = False) -> Meeting:
    """Open the session (scheduled or published meeting -> in session).

    More than two hours before the scheduled start (a wrong meeting picked, a test click)
    the secretary must confirm: EarlyStart otherwise.
    """
    require_run(meeting, user)
    if meeting.is_in_session:
        return meeting
    if not meeting.is_open:
        raise InvalidInput(None, _("This meeting is %(status)s; only a scheduled meeting can be started.",
                                   status=meeting.status_label))
    now = utcnow()
    early = starts_early(meeting, now)
    if early and not confirm_early:
        raise EarlyStart(meeting)
    meeting.status = MeetingStatus.IN_SESSION
    meeting.started_at = now
    audit.record("meeting.start", meeting, board_id=meeting.board_id, user=user,
                 details={"before_schedule": True, "scheduled": meeting.starts_at.isoformat()} if early else None)
    db.session.flush()
    return meeting


def close_meeting(meeting: Meeting, user) -> Meeting:
    """End the session. Every item must have a recorded decision or be deferred;
    deferred items are carried over to the next meeting."""
    require_run(meeting, user)
    if not meeting.is_in_session:
        raise InvalidInput(None, _("Only a meeting in session can be closed."))
    require_meeting_day(meeting, _(
        "This meeting is scheduled for %(day)s: it can be closed on that day, not before, so that its minutes "
        "carry the meeting's date."))
    pending = queries.pending_items(meeting)
    if pending:
        references = ", ".join(item.case.reference for item in pending)
        raise InvalidInput(None, _(
            "The meeting cannot be closed yet: record a decision on, or defer, each case. Still open: %(refs)s.",
            refs=references))
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = utcnow()
    refresh_draft_quorum(meeting)
    audit.record("meeting.close", meeting, board_id=meeting.board_id, user=user)
    db.session.flush()
    carry_over_undiscussed(meeting, user=user)
    db.session.flush()
    return meeting


def bring_urgent_case(meeting: Meeting, case_id, user) -> AgendaItem:
    """An urgent case added while the meeting sits (``meetings.services.add_during_session``).
    A case moved from a later agenda keeps the conflicts of interest declared on it there:
    the member stays recused here (without this the move would drop them with its old item)."""
    try:
        case_key = db_int(case_id)
    except (TypeError, ValueError):
        case_key = None
    declared = [] if case_key is None else _declared(
        sa.select(Recusal).join(AgendaItem, AgendaItem.id == Recusal.agenda_item_id)
        .join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case_key, Meeting.board_id == meeting.board_id,
               Meeting.id != meeting.id, Meeting.status.in_(OPEN_STATUSES)))
    item = add_during_session(meeting, case_id, user)
    _recuse_again(declared, item, meeting, user)
    return item


def undo_urgent_case(meeting: Meeting, item_id, user) -> tuple[Case, AgendaItem | None]:
    """Take off an urgent case added to the session by mistake, while nothing is recorded on
    it (a draft decision or a deferral is the board's work: it stays). Returns the case and
    the later agenda's item it is back on with its conflicts of interest (None: the pool)."""
    item = queries.get_item(meeting, item_id)  # NotFound for another meeting's item
    if item.id in queries.latest_states(meeting) or item.outcome is not ItemOutcome.PENDING:
        raise InvalidInput(None, _("A decision or a deferral is recorded for %(ref)s: it stays on the agenda.",
                                   ref=item.case.reference))
    case = item.case
    declared = _declared(sa.select(Recusal).where(Recusal.agenda_item_id == item.id))
    back = take_off_during_session(meeting, item, user)
    if back is not None:
        _recuse_again(declared, back, back.meeting, user)
    return case, back


def _declared(recusals: sa.Select) -> list[tuple]:
    """The conflicts of interest the query finds, as values to declare again elsewhere."""
    return [(r.user_id, r.note, r.declared_at, r.declared_by_id) for r in db.session.scalars(recusals)]


def _recuse_again(declared: list[tuple], item: AgendaItem, meeting: Meeting, user) -> None:
    """The conflicts of interest of a case's earlier item, declared on the item it moved to."""
    if not declared:
        return
    db.session.flush()  # the item's id
    for user_id, note, declared_at, declared_by_id in declared:
        db.session.add(Recusal(agenda_item_id=item.id, user_id=user_id, note=note, declared_at=declared_at,
                               declared_by_id=declared_by_id))
    audit.record("recusal.moved", meeting, user=user, details={
        "case": item.case.reference, "members": sorted(user_id for user_id, *_rest in declared)})
    db.session.flush()
