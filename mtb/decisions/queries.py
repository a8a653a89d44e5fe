"""Reading the meeting room: agenda items, attendance, recusals and decision versions."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload, selectinload

from mtb.accounts.models import Role, User, is_signed_in
from mtb.cases.models import Case
from mtb.db import load_collection, utcnow
from mtb.decisions.models import Attendance, Decision, DecisionStatus, Recusal
from mtb.errors import NotFound
from mtb.extensions import db
from mtb.http import MAX_DB_INT
from mtb.meetings.models import AgendaItem, ItemOutcome, Meeting, MeetingStatus

#: How far back "published recently" looks for someone who never logged in before.
RECENT = timedelta(days=30)


def get_item(meeting: Meeting, item_id: int) -> AgendaItem:
    """An item of this meeting's agenda, or NotFound (an item of another meeting too, or an
    id no database row can have)."""
    if not 0 < item_id <= MAX_DB_INT:
        raise NotFound(item_id)
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise NotFound(item_id)
    return item


def load_items(meeting: Meeting) -> None:
    """The meeting's items with their cases and submitters, unless loaded, in one statement
    without each item's presenter (joined by default; the session page prints none): 1 ms
    sooner on a 40-case meeting."""
    load_collection([meeting], "items", lazyload(AgendaItem.presenter))


def pending_items(meeting: Meeting) -> list[AgendaItem]:
    """Items neither decided nor deferred yet."""
    return [item for item in meeting.items if item.outcome is ItemOutcome.PENDING]


# --- Who was in the room ------------------------------------------------------------

def attendances(meeting: Meeting) -> list[Attendance]:
    return list(db.session.scalars(
        sa.select(Attendance).where(Attendance.meeting_id == meeting.id).order_by(Attendance.id)
    ))


def recusals_by_item(meeting: Meeting) -> dict[int, list[Recusal]]:
    rows = db.session.scalars(
        sa.select(Recusal).join(AgendaItem, AgendaItem.id == Recusal.agenda_item_id)
        .where(AgendaItem.meeting_id == meeting.id).order_by(Recusal.id)
    )
    result: dict[int, list[Recusal]] = {}
    for row in rows:
        result.setdefault(row.agenda_item_id, []).append(row)
    return result


def recused_ids(item_id: int) -> set[int]:
    """The members recused on one agenda item."""
    return set(db.session.scalars(sa.select(Recusal.user_id).where(Recusal.agenda_item_id == item_id)))


# --- Decision versions ------------------------------------------------------------------

def versions_of(item: AgendaItem) -> list[Decision]:
    """Every version of the decision on an item, newest first."""
    return list(db.session.scalars(
        sa.select(Decision).where(Decision.agenda_item_id == item.id)
        .options(selectinload(Decision.recommendations)).order_by(Decision.version.desc())
    ))


def latest_decision(item: AgendaItem) -> Decision | None:
    return db.session.scalar(
        sa.select(Decision).where(Decision.agenda_item_id == item.id).order_by(Decision.version.desc()).limit(1)
    )


def latest_versions(meeting: Meeting, *columns) -> dict[int, sa.Row]:
    """``columns`` of the newest decision version of each item of the meeting, by item id
    (one statement of columns, no objects)."""
    rows = db.session.execute(
        sa.select(Decision.agenda_item_id, *columns).where(Decision.meeting_id == meeting.id)
        .order_by(Decision.version)
    )
    return {row.agenda_item_id: row for row in rows}  # a later version replaces an earlier one


def latest_states(meeting: Meeting) -> dict[int, DecisionStatus]:
    """The status of the newest version for each item of the meeting: the session page's
    list of cases shows forty states and opens one decision."""
    return {item_id: row.status for item_id, row in latest_versions(meeting, Decision.status).items()}


def latest_with_recommendations(item: AgendaItem) -> Decision | None:
    """The newest version of the decision on one item, with its recommendations (one statement)."""
    return db.session.scalars(
        sa.select(Decision).where(Decision.agenda_item_id == item.id)
        .options(joinedload(Decision.recommendations)).order_by(Decision.version.desc()).limit(1)
    ).unique().first()


def latest_by_item(meeting: Meeting) -> dict[int, Decision]:
    """The newest version for each item of the meeting (one query)."""
    rows = db.session.scalars(
        sa.select(Decision).where(Decision.meeting_id == meeting.id)
        .options(selectinload(Decision.recommendations)).order_by(Decision.version)
    )
    return {d.agenda_item_id: d for d in rows}


def current_validated(item_id: int) -> Decision | None:
    return db.session.scalar(
        sa.select(Decision).where(Decision.agenda_item_id == item_id, Decision.status == DecisionStatus.VALIDATED)
    )


def drafts_of(meeting: Meeting) -> list[Decision]:
    return list(db.session.scalars(
        sa.select(Decision).where(Decision.meeting_id == meeting.id, Decision.status == DecisionStatus.DRAFT)
    ))


def validated_of(meeting: Meeting) -> list[Decision]:
    """The meeting's validated versions (the ones in force), with what the minutes show of them."""
    return list(db.session.scalars(
        sa.select(Decision).where(Decision.meeting_id == meeting.id, Decision.status == DecisionStatus.VALIDATED)
        .options(selectinload(Decision.recommendations), selectinload(Decision.validated_by))
    ))


def latest_item_id(case_id: int) -> int | None:
    """The case's agenda item on its latest meeting (by date): the one whose decision the
    case's status follows."""
    return db.session.scalar(
        sa.select(AgendaItem.id).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case_id).order_by(Meeting.starts_at.desc(), AgendaItem.id.desc()).limit(1)
    )


def item_state(item: AgendaItem, status: DecisionStatus | None) -> str:
    """pending, deferred, draft, validated: the state shown in the session's item list, from
    the status of the item's newest decision version (None: no decision)."""
    if item.outcome is ItemOutcome.DEFERRED:
        return "deferred"
    if status is None:
        return "pending"
    return "draft" if status is DecisionStatus.DRAFT else "validated"


def status_of(decision: Decision | None) -> DecisionStatus | None:
    return decision.status if decision is not None else None


# --- For other parts' pages -----------------------------------------------------------------

def decisions_on_case(case: Case, user) -> list[Decision]:
    """The versions of the decisions on a case that ``user`` may read, newest meeting first."""
    rows = db.session.scalars(
        sa.select(Decision).where(Decision.case_id == case.id)
        # Their recommendations, meeting and letter in the same statement: a case has a few
        # decisions of a few recommendations, and its page is near its statement budget.
        .options(joinedload(Decision.recommendations), joinedload(Decision.meeting),
                 joinedload(Decision.letter))
        .order_by(Decision.meeting_id.desc(), Decision.version.desc())
    ).unique()
    return [d for d in rows if d.can_view(user)]


def published_since(user: User, since: datetime | None, limit: int = 10) -> list[Decision]:
    """Decisions published after ``since`` (the last 30 days when None) that ``user`` may read:
    their boards' and those on cases they submitted."""
    board_ids = user.board_ids()
    since = since or (utcnow() - RECENT)

    def newest(condition):
        # Each side walks the published_at index from the newest; an OR of the two
        # made the planners read every decision of the user's boards instead.
        return (sa.select(Decision.id, Decision.published_at)
                .where(Decision.published_at > since, condition)
                .order_by(Decision.published_at.desc()).limit(limit).subquery())

    # "+ 0": a filter, not an index to start from (SQLite, without statistics, would read
    # every decision of the boards through ix_decisions_board_id and sort them).
    boards = newest((Decision.board_id + 0).in_(board_ids) if board_ids else sa.false())
    mine = newest((Decision.case_id + 0).in_(sa.select(Case.id).where(Case.submitter_id == user.id)))
    both = sa.union(sa.select(boards.c.id, boards.c.published_at), sa.select(mine.c.id, mine.c.published_at)).subquery()
    query = (
        sa.select(Decision)
        .where(Decision.id.in_(sa.select(both.c.id).order_by(both.c.published_at.desc()).limit(limit)))
        .options(selectinload(Decision.case), selectinload(Decision.meeting), selectinload(Decision.letter))
        .order_by(Decision.published_at.desc(), Decision.id.desc())
    )
    return [d for d in db.session.scalars(query) if d.can_view(user)]


def drafts_to_validate(user: User) -> list[tuple[Meeting, int]]:
    """Meetings of the boards ``user`` chairs that hold draft decisions (in session or
    closed), by date, with how many drafts each: the chair's "waiting for my validation"."""
    if not is_signed_in(user):
        return []
    chair_boards = user.board_ids(Role.CHAIR)
    if not chair_boards:
        return []
    rows = db.session.execute(
        sa.select(Meeting, sa.func.count(Decision.id))
        .join(Decision, Decision.meeting_id == Meeting.id)
        .where(Meeting.board_id.in_(chair_boards), Decision.status == DecisionStatus.DRAFT,
               Meeting.status.in_((MeetingStatus.IN_SESSION, MeetingStatus.CLOSED, MeetingStatus.SIGNED)))
        .group_by(Meeting.id).order_by(Meeting.starts_at, Meeting.id)
    ).all()
    return [(meeting, count) for meeting, count in rows]


def meetings_to_sign(user: User) -> list[Meeting]:
    """Closed meetings of the boards ``user`` chairs: their minutes wait for a signature."""
    if not is_signed_in(user):
        return []
    chair_boards = user.board_ids(Role.CHAIR)
    if not chair_boards:
        return []
    return list(db.session.scalars(
        sa.select(Meeting).where(Meeting.board_id.in_(chair_boards), Meeting.status == MeetingStatus.CLOSED)
        .order_by(Meeting.starts_at)
    ))
