"""Reads of the follow-up part, with access checked in the query."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import aliased, contains_eager

from mtb.accounts.models import Role, User
from mtb.boards.models import Board
from mtb.cases.models import Case
from mtb.decisions.models import Decision, DecisionStatus, Recommendation, RecommendationKind
from mtb.extensions import db
from mtb.formatting import to_local
from mtb.outcomes.models import FOLLOWED_KINDS, FollowUp

#: The home page lists this many due follow-ups at most (the longest waiting; the board's
#: page lists more, and the case page each case's own).
PANEL_LIMIT = 20
#: The board's follow-up page lists this many at most.
PAGE_LIMIT = 100
#: The home page counts the clinician's follow-ups due up to this many (one read of plain rows).
COUNT_LIMIT = 1000
#: A milestone reached longer ago than this and still not recorded is shown as overdue
#: (the reminder e-mails stop after as many days: ``notifications.WINDOW_DAYS``).
OVERDUE_DAYS = 30
#: A milestone reached longer ago than this and never recorded is no longer asked for (the
#: dashboards count its recommendation as awaiting follow-up; the case page still offers it).
DUE_WINDOW = relativedelta(months=12)
#: Months end on different days (31 August + 6 months is 28 February, 3 days short, plus the
#: hours of the day): the query reaches this many days further, then each
#: milestone's own day (``due_on``) decides.
MONTH_END_MARGIN_DAYS = 4


def due_on(decided_at: datetime, months: int, tz: str) -> date:
    """The day a milestone is reached: ``months`` after the board's own day of the decision
    (decided at 00:30 in Paris on 1 February is 31 January in UTC, due on 1 May)."""
    return to_local(decided_at, tz).date() + relativedelta(months=months)


def is_overdue(due: date, today: date) -> bool:
    """A milestone reached more than ``OVERDUE_DAYS`` days before ``today``."""
    return due < today - timedelta(days=OVERDUE_DAYS)


def recommendation_for(recommendation_id: int, user) -> Recommendation | None:
    """A followed-up recommendation of a validated, published decision on a case the user sees, or None."""
    return db.session.scalar(
        sa.select(Recommendation)
        .join(Decision, Recommendation.decision_id == Decision.id)
        .join(Case, Decision.case_id == Case.id)
        .where(Recommendation.id == recommendation_id, Case.visible_to(user),
               Decision.status == DecisionStatus.VALIDATED, Decision.published_at.is_not(None),
               Recommendation.kind.in_(FOLLOWED_KINDS))
        .options(contains_eager(Recommendation.decision).contains_eager(Decision.case))
    )


def versions(recommendation_id: int, months: int) -> list[FollowUp]:
    """Every version of one milestone's follow-up, newest first."""
    return list(db.session.scalars(
        sa.select(FollowUp).where(FollowUp.recommendation_id == recommendation_id,
                                  FollowUp.milestone_months == months)
        .order_by(FollowUp.version.desc())
    ))


def followed_on_case(case_id: int) -> list[tuple[Recommendation, datetime, list[FollowUp]]]:
    """The case's followed recommendations (those of its current validated decision), each with
    when the board decided (``Decision.decided_at``) and its current follow-ups. One statement."""
    rows = db.session.execute(
        sa.select(Recommendation, Decision.decided_at, FollowUp)
        .join(Decision, Recommendation.decision_id == Decision.id)
        .outerjoin(FollowUp, sa.and_(FollowUp.recommendation_id == Recommendation.id, FollowUp.is_current.is_(True)))
        .where(Decision.case_id == case_id, Decision.status == DecisionStatus.VALIDATED,
               Decision.published_at.is_not(None), Recommendation.kind.in_(FOLLOWED_KINDS))
        .order_by(Decision.decided_at, Recommendation.position, FollowUp.milestone_months)
    ).all()
    result: dict[int, tuple] = {}
    for recommendation, decided_at, follow_up in rows:
        entry = result.setdefault(recommendation.id, (recommendation, decided_at, []))
        if follow_up is not None:
            entry[2].append(follow_up)
    return list(result.values())


@dataclass(frozen=True)
class DueFollowUp:
    """A milestone reached and not recorded: plain values (lists of hundreds stay cheap)."""

    recommendation_id: int
    kind: RecommendationKind
    drug: str | None
    decision_id: int
    #: The first validation of the decision (a correction keeps it): milestones count from it.
    decided_at: datetime
    #: The decision's version (above 1: a correction).
    version: int
    case_id: int
    reference: str
    board_id: int
    submitter_id: int
    submitter_name: str
    months: int
    #: The board's time zone: its days count.
    timezone: str
    #: Reached more than ``OVERDUE_DAYS`` days ago (set by ``due_follow_ups``).
    overdue: bool = False

    @property
    def due(self) -> date:
        return due_on(self.decided_at, self.months, self.timezone)

    @property
    def what(self) -> str:
        return self.kind.label + (f": {self.drug}" if self.drug else "")


def first_versions(decision_ids) -> dict[int, int]:
    """The first version of each of these decisions (the one taken in session), by decision id."""
    ids = list(decision_ids)
    if not ids:
        return {}
    first = aliased(Decision)
    return dict(db.session.execute(
        sa.select(Decision.id, sa.func.min(first.id)).join(first, first.agenda_item_id == Decision.agenda_item_id)
        .where(Decision.id.in_(ids)).group_by(Decision.id)
    ).all())


def _months_by_board(boards) -> dict[int, list[int]]:
    by_months: dict[int, list[int]] = {}
    for board in boards:
        for m in board.follow_up_months or []:
            by_months.setdefault(int(m), []).append(board.id)
    return by_months


def due_follow_ups(now: datetime, *, boards, submitter_id: int | None = None,
                   since: datetime | None = None, limit: int = PAGE_LIMIT) -> list[DueFollowUp]:
    """Milestones reached and not yet recorded, the longest waiting (oldest due) first: of the
    cases of ``boards``, or of one submitter's there (``submitter_id``). ``since``: only
    milestones reached after it (the daily e-mail job; by default ``DUE_WINDOW`` ago). One
    query, a branch per follow-up month, bounded by the window on the indexed decision time.
    Each item says whether it is overdue (reached more than ``OVERDUE_DAYS`` days ago)."""
    branches = []
    for months, board_ids in sorted(_months_by_board(boards).items()):
        recorded = (sa.select(FollowUp.id).where(FollowUp.recommendation_id == Recommendation.id,
                                                 FollowUp.milestone_months == months, FollowUp.is_current.is_(True)))
        # A few days' margin: "six months after 31 August" is due on 28 February (``due_on``),
        # when "now minus six months" is still 28 August; the exact day is checked below.
        reached = now - relativedelta(months=months) + timedelta(days=MONTH_END_MARGIN_DAYS)
        branch = (
            sa.select(Recommendation.id.label("recommendation_id"), Recommendation.kind, Recommendation.drug,
                      Decision.id.label("decision_id"), Decision.decided_at, Decision.version,
                      Case.id.label("case_id"),
                      Case.reference, Case.board_id, Case.submitter_id, User.full_name.label("submitter_name"),
                      sa.literal(months).label("months"))
            .join(Decision, Recommendation.decision_id == Decision.id)
            .join(Case, Decision.case_id == Case.id)
            .join(User, Case.submitter_id == User.id)
            .where(Decision.board_id.in_(board_ids), Decision.status == DecisionStatus.VALIDATED,
                   Decision.published_at.is_not(None), Decision.decided_at <= reached,
                   Decision.decided_at > (since or now - DUE_WINDOW) - relativedelta(months=months),
                   Recommendation.kind.in_(FOLLOWED_KINDS), ~recorded.exists())
        )
        if submitter_id is not None:
            branch = branch.where(Case.submitter_id == submitter_id)
        # Each branch oldest first and bounded: the planner walks the decisions' index from the
        # window's start and stops, instead of joining a year of a board's recommendations.
        branches.append(sa.select(branch.order_by(Decision.decided_at, Recommendation.id)
                                  .limit(limit).subquery()))
    if not branches:
        return []
    union = sa.union_all(*branches).subquery()
    # The oldest decisions first: their milestones have waited longest (the most overdue).
    rows = db.session.execute(sa.select(union).order_by(union.c.decided_at, union.c.recommendation_id)
                              .limit(limit * len(branches))).all()
    zones = {board.id: board.timezone for board in boards}
    items = [DueFollowUp(row.recommendation_id, RecommendationKind(row.kind), row.drug, row.decision_id,
                         row.decided_at, row.version, row.case_id, row.reference, row.board_id, row.submitter_id,
                         row.submitter_name, int(row.months), zones[row.board_id]) for row in rows]
    today = {zone: to_local(now, zone).date() for zone in set(zones.values())}
    items = [replace(item, overdue=is_overdue(item.due, today[item.timezone]))
             for item in items if item.due <= today[item.timezone]]
    items.sort(key=lambda item: (item.due, item.recommendation_id))
    return items[:limit]


def follow_up_tasks(user, now: datetime) -> tuple[list[DueFollowUp], int, list[Board]]:
    """For the home page: the longest waiting follow-ups due on the user's own cases (at
    most ``PANEL_LIMIT``), how many more are due (counted up to ``COUNT_LIMIT``), and the
    boards where they are secretary (whose due follow-ups their board's page lists)."""
    # The user's boards come with their roles (no statement); a case stays its submitter's.
    clinician_of = [role.board for role in user.roles if role.role == Role.CLINICIAN]
    due = due_follow_ups(now, boards=clinician_of, submitter_id=user.id, limit=COUNT_LIMIT) if clinician_of else []
    secretary_of = sorted({role.board for role in user.roles if role.role == Role.SECRETARY},
                          key=lambda board: board.name)
    return due[:PANEL_LIMIT], max(0, len(due) - PANEL_LIMIT), secretary_of

