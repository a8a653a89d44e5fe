"""Agendas: built by the board's secretaries from the pool, published, kept in step
with submissions and withdrawals.

Services flush; the caller (request, CLI, job) commits. Every agenda change bumps
Meeting.agenda_version with a conditional UPDATE, so two secretaries saving the same
agenda never overwrite each other silently: the second gets a ConflictError.
``user=None`` is the system (a job, the demo), which needs no permission.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from mtb.accounts.models import User
from mtb.audit import services as audit
from mtb.cases import timeline
from mtb.cases.lifecycle import change_status
from mtb.cases.models import POOL_STATUSES, Case, CaseEvent, CaseStatus
from mtb.db import utcnow
from mtb.errors import ConflictError, InvalidInput, NotAllowed, NotFound
from mtb.extensions import db
from mtb.http import db_int
from mtb.i18n import gettext as _
from mtb.meetings import notifications
from mtb.meetings.cadence import generate_meetings
from mtb.meetings.display import item_start_times, pending_changes, when_label
from mtb.meetings.models import (
    MAX_ITEM_MINUTES,
    OPEN_STATUSES,
    PRESENTER_ROLES,
    AgendaItem,
    ItemOutcome,
    Meeting,
    MeetingStatus,
)
from mtb.meetings.pool import pool_entry_times, pool_for, proposed_meetings
from mtb.meetings.queries import open_item_for
from mtb.transaction import lock_row


def _conflict() -> ConflictError:
    return ConflictError(_("Someone else changed this agenda while you were working on it. "
                           "Below is the agenda as it is now; your last change was not saved: check it and do it "
                           "again if still needed."))


def require_manage(meeting: Meeting, user) -> None:
    """NotAllowed unless ``user`` manages the meeting (``None``, the system, always does)."""
    if user is not None and not meeting.can_manage(user):
        raise NotAllowed(_("Only a secretary of the board can change its meetings and agendas."))


# --- Versions and items ----------------------------------------------------------------

def bump_version(meeting: Meeting, expected: int | None = None) -> None:
    """Count one agenda change; with ``expected``, refuse if someone saved in between.
    (What changed is read against the last publication.)"""
    query = sa.update(Meeting).where(Meeting.id == meeting.id)
    if expected is not None:
        query = query.where(Meeting.agenda_version == expected)
    result = db.session.execute(
        query.values(agenda_version=Meeting.agenda_version + 1).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _conflict()
    current = db.session.scalar(sa.select(Meeting.agenda_version).where(Meeting.id == meeting.id))
    set_committed_value(meeting, "agenda_version", current)


def _check_version(meeting: Meeting, version) -> int:
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise InvalidInput(None, _("The form is incomplete (agenda version missing). Reload the page and try again."))
    if version != meeting.agenda_version:
        raise _conflict()
    return version


def check_editable(meeting: Meeting, user, version, now: datetime) -> int:
    """The version the change is based on, once ``user`` may change this agenda now."""
    require_manage(meeting, user)
    reason = meeting.locked_reason(now)
    if reason:
        raise InvalidInput(None, _("This agenda can no longer be changed. %(reason)s", reason=reason))
    return _check_version(meeting, version)


def renumber(meeting: Meeting) -> None:
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


def return_to_pool(case: Case, user, details: dict) -> None:
    """A scheduled case taken off an agenda waits in the pool again (``details``: timeline.say)."""
    if case.status is CaseStatus.SCHEDULED:
        change_status(case, _previous_pool_status(case), user, details=details)


def new_item(meeting: Meeting, case: Case, *, minutes: int | None = None, presenter_id: int | None = None,
             late: bool = False, carried_from: int | None = None, now: datetime | None = None) -> AgendaItem:
    """The case at the end of the agenda (no version bump, no status change)."""
    item = AgendaItem(
        case=case, case_id=case.id, minutes=minutes or meeting.board.minutes_per_case, presenter_id=presenter_id,
        outcome=ItemOutcome.PENDING, late_addition=late, carried_over_from_id=carried_from,
        changed_after_publication=False, added_at=now or utcnow(),
        position=len(meeting.items) + 1,
    )
    meeting.items.append(item)
    return item


# --- Submissions and withdrawals (the cases part's news) ---------------------------------

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
        renumber(meeting)
        bump_version(meeting)
        audit.record("agenda.remove_withdrawn", meeting, user=user, details={"case": case.reference})
        removed += 1
    db.session.flush()
    return removed


# --- The secretary's agenda builder --------------------------------------------------------

def _case_for_agenda(meeting: Meeting, case_id, not_found: str) -> Case:
    """The case of this meeting's board that ``case_id`` names, not withdrawn; else
    InvalidInput on "case_id" (``not_found`` when there is no such case of the board)."""
    try:
        case = db.session.get(Case, db_int(case_id))  # an id PostgreSQL cannot hold is no case
    except (TypeError, ValueError):
        case = None
    if case is None or case.board_id != meeting.board_id:
        raise InvalidInput("case_id", not_found)
    if case.is_withdrawn:
        raise InvalidInput("case_id", _("Case %(ref)s was withdrawn by its submitter: it cannot go on an agenda.", ref=case.reference))
    return case


def add_case(meeting: Meeting, case_id, user, version, *, now: datetime | None = None) -> AgendaItem:
    """The secretary puts a pool case on the agenda (past the cut-off: a late addition)."""
    now = now or utcnow()
    expected = check_editable(meeting, user, version, now)
    case = _case_for_agenda(meeting, case_id, _("Choose a case of this board from the pool."))
    other = open_item_for(case)
    if other is not None:
        if other.meeting_id == meeting.id:
            raise InvalidInput("case_id", _("Case %(ref)s is already on this agenda.", ref=case.reference))
        raise InvalidInput("case_id", _("Case %(ref)s is already on the agenda of %(when)s: remove it there first.",
                                        ref=case.reference, when=when_label(other.meeting)))
    if case.status not in POOL_STATUSES:
        raise InvalidInput("case_id", _("Case %(ref)s is %(status)s, not waiting for a meeting.",
                                        ref=case.reference, status=str(case.status.label).lower()))
    item = _place(meeting, case, user, now)
    bump_version(meeting, expected)
    db.session.flush()
    return item


def _on_agenda(meeting: Meeting) -> dict:
    """The timeline's "Agenda of <the meeting's start>"."""
    return timeline.say("agenda", meeting.board.timezone, when=meeting.starts_at)


def _place(meeting: Meeting, case: Case, user, now: datetime, entered: datetime | None = None) -> AgendaItem:
    """Put a pool case at the end of the agenda. A case that entered the pool after this
    meeting's cut-off (so proposed for a later one) is a late addition."""
    entered = entered or pool_entry_times([case])[case.id]
    late = entered > meeting.cutoff_at
    item = new_item(meeting, case, late=late, now=now)
    change_status(case, CaseStatus.SCHEDULED, user, details=_on_agenda(meeting))
    audit.record("agenda.add", meeting, user=user, details={"case": case.reference, "late": late})
    return item


def add_all_proposed(meeting: Meeting, user, version, *, now: datetime | None = None) -> list[AgendaItem]:
    """Put every pool case proposed for this meeting (or overdue) on its agenda, in the
    pool's order."""
    now = now or utcnow()
    expected = check_editable(meeting, user, version, now)
    due = [entry.case for entry in pool_for(meeting, now, details=False) if entry.due]
    if not due:
        raise InvalidInput(None, _("No case in the pool is proposed for this meeting."))
    entered = pool_entry_times(due)
    items = [_place(meeting, case, user, now, entered[case.id]) for case in due]
    bump_version(meeting, expected)
    db.session.flush()
    return items


def remove_item(meeting: Meeting, item_id, user, version, *, now: datetime | None = None) -> Case:
    """Take a case off the agenda: back to the pool, its submitter told."""
    now = now or utcnow()
    expected = check_editable(meeting, user, version, now)
    item = _find_item(meeting, item_id)
    case = item.case
    meeting.items.remove(item)
    renumber(meeting)
    bump_version(meeting, expected)
    return_to_pool(case, user, timeline.say("removed", meeting.board.timezone, when=meeting.starts_at))
    if meeting.has_published_agenda:
        notifications.case_taken_off(case, meeting)
    audit.record("agenda.remove", meeting, user=user, details={"case": case.reference})
    db.session.flush()
    return case


# --- An urgent case during the session ---------------------------------------------------

def session_candidates(meeting: Meeting) -> list[tuple[sa.Row, datetime | None]]:
    """What can still be brought to this meeting while it sits, as rows of the columns its
    form names (id, reference, urgency, diagnosis, submitter): the board's pool (urgent
    first), then the cases waiting on a later agenda of the board, with that meeting's
    start. No patient's name: the list is on the page at every view, and only the case
    discussed is read in the audit trail. Two statements."""
    columns = (Case.id, Case.reference, Case.urgency, Case.diagnosis, User.full_name.label("submitter"))
    pool_rows = db.session.execute(
        sa.select(*columns).join(User, Case.submitter_id == User.id)
        .where(Case.board_id == meeting.board_id, Case.status.in_(POOL_STATUSES),
               # Nor a case deferred at this very meeting: it is brought back, not added.
               ~sa.select(AgendaItem.id).join(Meeting, AgendaItem.meeting_id == Meeting.id)
               .where(AgendaItem.case_id == Case.id,
                      sa.or_(Meeting.status.in_(OPEN_STATUSES), Meeting.id == meeting.id)).exists())
        .order_by(Case.urgency.desc(), Case.submitted_at, Case.id)
    ).all()
    later_rows = db.session.execute(
        sa.select(*columns, Meeting.starts_at).join(User, Case.submitter_id == User.id)
        .join(AgendaItem, AgendaItem.case_id == Case.id).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(Meeting.board_id == meeting.board_id, Meeting.id != meeting.id, Meeting.status.in_(OPEN_STATUSES),
               AgendaItem.outcome == ItemOutcome.PENDING)
        .order_by(Meeting.starts_at, AgendaItem.position)
    ).all()
    return [(row, None) for row in pool_rows] + [(row, row.starts_at) for row in later_rows]


def add_during_session(meeting: Meeting, case_id, user, *, now: datetime | None = None) -> AgendaItem:
    """An urgent case brought to a meeting in session: at the end of its agenda, a late
    addition, its submitter told. A case on a later meeting's agenda is moved here with its
    presenter and minutes (that agenda changes; its submitter learns of the earlier
    meeting). The secretaries and chairs who run the session may do it. Its conflicts of
    interest are the decisions part's (``decisions.session.bring_urgent_case``)."""
    now = now or utcnow()
    if user is not None and not meeting.can_run(user):
        raise NotAllowed(_("Only a secretary or chair of the board can add a case to the session."))
    # Two people adding at once: the second waits, then sees the first one's item.
    lock_row(Meeting, meeting)
    db.session.refresh(meeting, ["status"])
    if not meeting.is_in_session:
        raise InvalidInput("case_id", _("A case can be added here only while the meeting is in session."))
    case = _case_for_agenda(meeting, case_id, _("Choose a case of this board."))
    if any(item.case_id == case.id for item in meeting.items):
        raise InvalidInput("case_id", _("Case %(ref)s is already on this agenda.", ref=case.reference))
    other = open_item_for(case)
    if other is not None:
        if other.outcome is not ItemOutcome.PENDING:
            raise InvalidInput("case_id", _("Case %(ref)s was already discussed at %(when)s.",
                                            ref=case.reference, when=when_label(other.meeting)))
        later, kept = other.meeting, {"minutes": other.minutes, "presenter_id": other.presenter_id}
        later.items.remove(other)
        renumber(later)
        bump_version(later)
        audit.record("agenda.remove", later, user=user, details={
            "case": case.reference, "moved_to_meeting": meeting.id})
    elif case.status not in POOL_STATUSES:
        raise InvalidInput("case_id", _("Case %(ref)s is %(status)s, not waiting for a meeting.",
                                        ref=case.reference, status=str(case.status.label).lower()))
    else:
        later, kept = None, {}
    item = new_item(meeting, case, late=True, now=now, **kept)
    item.moved_from_meeting_id = later.id if later is not None else None
    change_status(case, CaseStatus.SCHEDULED, user, details=_on_agenda(meeting))
    bump_version(meeting)
    audit.record("agenda.add", meeting, user=user, details={
        "case": case.reference, "late": True, "during_session": True,
        **({"moved_from_meeting": later.id} if later is not None else {})})
    notifications.case_added_in_session(case, meeting)
    db.session.flush()
    return item


def added_during_session(meeting: Meeting, item: AgendaItem) -> bool:
    """The item of ``meeting`` is an urgent case put on its agenda after the session began."""
    return item.meeting_id == meeting.id and item.added_in_session


def take_off_during_session(meeting: Meeting, item: AgendaItem, user, *,
                            now: datetime | None = None) -> AgendaItem | None:
    """Undo an urgent case added by mistake: off the agenda, its submitter told. One moved
    here from a later agenda goes back there, with its presenter and minutes, while that
    meeting is still to come (its agenda changes again); any other waits in the pool.
    Only an item added during this session (the decisions part checks that nothing was
    decided on it). Returns the item the case is back on, or None (the pool)."""
    if user is not None and not meeting.can_run(user):
        raise NotAllowed(_("Only a secretary or chair of the board can take a case off the session."))
    if not meeting.is_in_session or not added_during_session(meeting, item):
        raise InvalidInput(None, _("Only a case added during this session can be taken off it here."))
    case = item.case
    if meeting.current_item_id == item.id:
        meeting.current_item_id = None
    meeting.items.remove(item)
    renumber(meeting)
    bump_version(meeting)
    audit.record("agenda.remove", meeting, user=user, details={"case": case.reference, "during_session": True})
    back = _back_where_it_came_from(item, user, now or utcnow())
    if back is None:
        return_to_pool(case, user, timeline.say("removed", meeting.board.timezone, when=meeting.starts_at))
        notifications.case_taken_off(case, meeting)
    else:
        notifications.case_moved_back(case, meeting, back.meeting)
    db.session.flush()
    return back


def _back_where_it_came_from(item: AgendaItem, user, now: datetime) -> AgendaItem | None:
    """The case of an item taken off a session, at the end of the agenda it was moved from,
    if that meeting is still open and has not started."""
    later = db.session.get(Meeting, item.moved_from_meeting_id) if item.moved_from_meeting_id else None
    if later is None or later.status not in OPEN_STATUSES or later.starts_at <= now:
        return None
    lock_row(Meeting, later)
    case = item.case
    back = new_item(later, case, minutes=item.minutes, presenter_id=item.presenter_id, now=now)
    change_status(case, CaseStatus.SCHEDULED, user, details=_on_agenda(later))
    bump_version(later)
    audit.record("agenda.add", later, user=user, details={"case": case.reference, "moved_back_from_meeting": item.meeting_id})
    return back


def move_item(meeting: Meeting, item_id, direction: str, user, version, *, now: datetime | None = None) -> None:
    """One place up or down (the buttons of the agenda builder)."""
    now = now or utcnow()
    expected = check_editable(meeting, user, version, now)
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
    bump_version(meeting, expected)
    audit.record("agenda.reorder", meeting, user=user, details={"case": item.case.reference, "direction": direction})
    db.session.flush()


def reorder(meeting: Meeting, item_ids: list, user, version, *, now: datetime | None = None) -> None:
    """Set the whole order at once (drag and drop)."""
    now = now or utcnow()
    expected = check_editable(meeting, user, version, now)
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
    bump_version(meeting, expected)
    audit.record("agenda.reorder", meeting, user=user, details={"order": ids})
    db.session.flush()


def update_item(meeting: Meeting, item_id, user, version, *, minutes, presenter_id,
                now: datetime | None = None) -> AgendaItem:
    """Minutes allotted and presenter of one case."""
    now = now or utcnow()
    expected = check_editable(meeting, user, version, now)
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
            presenter = db.session.get(User, db_int(presenter_id))
        except (TypeError, ValueError):
            presenter = None
        # The presenter already chosen may stay after leaving the board (account disabled,
        # role removed), until the secretary picks another; a new choice must be on the board.
        if presenter is None or (presenter.id != item.presenter_id and (
                not presenter.active or not presenter.has_role(meeting.board_id, *PRESENTER_ROLES))):
            raise InvalidInput("presenter_id", _("The presenter must be one of the board's clinicians or members."))
    if item.minutes == minutes and item.presenter_id == (presenter.id if presenter else None):
        return item
    item.minutes = minutes
    item.presenter_id = presenter.id if presenter else None
    item.presenter = presenter
    bump_version(meeting, expected)
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
    expected = check_editable(meeting, user, version, now)
    if not meeting.items:
        raise InvalidInput(None, _("The agenda is empty: add at least one case before publishing (or cancel the meeting)."))
    first = not meeting.has_published_agenda
    if not first and not meeting.has_unpublished_changes:
        raise InvalidInput(None, _("The agenda has not changed since it was published."))
    changed = pending_changes(meeting)
    for item in meeting.items:
        item.changed_after_publication = item.id in changed
    _snapshot(meeting)
    bump_version(meeting, expected)
    meeting.status = MeetingStatus.PUBLISHED
    meeting.agenda_published_at = now
    meeting.agenda_publications += 1
    meeting.published_version = meeting.agenda_version
    meeting.needs_review = False
    meeting.ical_sequence += 1
    audit.record("agenda.publish", meeting, user=user, details={"publication": meeting.agenda_publications,
                                                                  "cases": [i.case.reference for i in meeting.items]})
    queued = notifications.agenda_published(meeting, first)
    db.session.flush()
    return queued


def _snapshot(meeting: Meeting) -> None:
    """Remember each item as members are about to see it (the next re-publication's marks)."""
    starts = item_start_times(meeting)
    for item in meeting.items:
        item.published_position = item.position
        item.published_starts_at = starts[item.id]
        item.published_minutes = item.minutes
        item.published_presenter_id = item.presenter_id
