"""The dashboards' figures, for a set of boards and a period of decisions.

Each figure is one SQL statement bounded by board and period (a fixed number of statements
whatever the number of cases); medians and quartiles are computed here over the period's
durations (a few thousand numbers at most for a year of a busy board).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from mtb.cases.findings import MolecularReport
from mtb.cases.models import Case
from mtb.decisions.models import Decision, DecisionStatus, Recommendation
from mtb.extensions import db
from mtb.i18n import lazy_gettext as _l
from mtb.meetings.models import AgendaItem, ItemOutcome, Meeting, MeetingStatus
from mtb.outcomes.models import THERAPY_KINDS, FollowUp, NotImplementedReason, Response

#: Share of patients who received the recommended therapy: 20.8 % over 34 studies and
#: 12,176 patients (npj Precision Oncology, 2025).
BENCHMARK_IMPLEMENTATION = 0.208
#: Median days from the profiling result to the board in a US community board.
BENCHMARK_DAYS = 12
#: Best response first (a patient's best response over the follow-ups).
RESPONSE_ORDER = (Response.CR, Response.PR, Response.SD, Response.PD, Response.NE)

#: The steps of a case's way through the board, between stored timestamps.
STEPS = (
    ("report", "submitted", _l("Report → submission")),
    ("submitted", "agenda", _l("Submission → agenda")),
    ("agenda", "discussed", _l("Agenda → discussion")),
    ("discussed", "validated", _l("Discussion → validated decision")),
    ("validated", "published", _l("Decision → letter published")),
    ("published", "started", _l("Letter → treatment start")),
    ("report", "discussed", _l("Report → discussion (whole)")),
)
#: The step the board's target and the published benchmark are about.
TARGET_STEP = ("report", "discussed")


def wilson(successes: int, total: int, z: float = 1.959964) -> tuple[float, float] | None:
    """The Wilson score interval (95 % by default) of a proportion; None without data."""
    if total <= 0:
        return None
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class Spread:
    n: int
    median: float | None
    q1: float | None
    q3: float | None


def spread(values: list[float]) -> Spread:
    """Median and interquartile range (quartiles by the inclusive method, as spreadsheets do)."""
    values = sorted(values)
    if not values:
        return Spread(0, None, None, None)
    if len(values) == 1:
        return Spread(1, values[0], values[0], values[0])
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Spread(len(values), median, q1, q3)


@dataclass
class Implementation:
    recommended: int = 0
    followed: int = 0
    implemented: int = 0
    interval: tuple[float, float] | None = None
    reasons: dict = field(default_factory=dict)
    responses: dict = field(default_factory=dict)
    serious_toxicity: int = 0
    #: The same counted by patient (case): followed when any of its therapy recommendations
    #: is, implemented when any is. Published rates (the dashboard's benchmark) count patients.
    patients_followed: int = 0
    patients_implemented: int = 0
    patient_interval: tuple[float, float] | None = None

    @property
    def rate(self) -> float | None:
        return self.implemented / self.followed if self.followed else None

    @property
    def patient_rate(self) -> float | None:
        return self.patients_implemented / self.patients_followed if self.patients_followed else None

    @property
    def awaiting(self) -> int:
        return self.recommended - self.followed


def _period(query, column, start: datetime, end: datetime):
    return query.where(column >= start, column < end)


def recommended_counts(board_ids, start: datetime, end: datetime) -> dict[int, int]:
    """Therapy recommendations of the current decisions taken in the period (``decided_at``: a
    correction stays in its decision's period), by board."""
    query = _period(
        sa.select(Decision.board_id, sa.func.count(Recommendation.id))
        .join(Decision, Recommendation.decision_id == Decision.id)
        .where(Decision.board_id.in_(list(board_ids)), Decision.status == DecisionStatus.VALIDATED,
               Recommendation.kind.in_(THERAPY_KINDS))
        .group_by(Decision.board_id), Decision.decided_at, start, end)
    return {board_id: count for board_id, count in db.session.execute(query)}


def follow_up_rows(board_ids, start: datetime, end: datetime) -> list:
    """The current follow-ups of those recommendations (one row per milestone recorded)."""
    return db.session.execute(_period(
        sa.select(FollowUp.board_id, FollowUp.case_id, FollowUp.recommendation_id, FollowUp.milestone_months,
                  FollowUp.implemented, FollowUp.reason, FollowUp.best_response, FollowUp.serious_toxicity)
        .join(Decision, FollowUp.decision_id == Decision.id)
        .join(Recommendation, FollowUp.recommendation_id == Recommendation.id)
        .where(Decision.board_id.in_(list(board_ids)), FollowUp.is_current.is_(True),
               Decision.status == DecisionStatus.VALIDATED, Recommendation.kind.in_(THERAPY_KINDS)),
        Decision.decided_at, start, end)).all()


def implementation(recommended: int, rows) -> Implementation:
    """How many of ``recommended`` therapy recommendations have a follow-up (``rows``), how many
    were implemented (at any milestone), with the reasons of the others (their latest
    milestone's) and the best response of the implemented."""
    result = Implementation(recommended=recommended)
    by_recommendation: dict[int, list] = {}
    for row in rows:
        by_recommendation.setdefault(row.recommendation_id, []).append(row)
    reasons = {reason: 0 for reason in NotImplementedReason}
    responses = {response: 0 for response in RESPONSE_ORDER}
    patients: dict[int, bool] = {}
    for entries in by_recommendation.values():
        entries.sort(key=lambda row: row.milestone_months)
        done = [row for row in entries if row.implemented]
        patients[entries[0].case_id] = patients.get(entries[0].case_id, False) or bool(done)
        if done:
            result.implemented += 1
            best = [row.best_response for row in done if row.best_response is not None]
            if best:
                responses[min(best, key=RESPONSE_ORDER.index)] += 1
            result.serious_toxicity += any(row.serious_toxicity for row in done)
        elif entries[-1].reason is not None:
            reasons[entries[-1].reason] += 1
    result.followed = len(by_recommendation)
    result.interval = wilson(result.implemented, result.followed)
    result.patients_followed, result.patients_implemented = len(patients), sum(patients.values())
    result.patient_interval = wilson(result.patients_implemented, result.patients_followed)
    result.reasons = {reason: count for reason, count in reasons.items() if count}
    result.responses = responses
    return result


@dataclass
class CaseTimes:
    case_id: int
    reference: str
    board_id: int
    times: dict

    def days(self, start: str, end: str) -> int | None:
        a, b = self.times.get(start), self.times.get(end)
        if a is None or b is None:
            return None
        return (b - a).days


def local_day(tz: str):
    """Naive UTC datetime → the day in the zone ``tz``. Called tens of thousands of times a
    page: the zone is built once and each UTC quarter hour converted once (zones move by
    whole quarter hours at most; every offset in use is a multiple of 15 minutes)."""
    zone = ZoneInfo(tz)
    days: dict[datetime, date] = {}

    def day(value: datetime | None) -> date | None:
        if value is None:
            return None
        quarter = value.replace(minute=value.minute - value.minute % 15, second=0, microsecond=0)
        found = days.get(quarter)
        if found is None:
            found = days[quarter] = quarter.replace(tzinfo=UTC).astimezone(zone).date()
        return found

    return day


def case_times(board_ids, start: datetime, end: datetime, tz: str) -> list[CaseTimes]:
    """Each case decided in the period (its earliest first decision validated then, once even when
    discussed at several meetings): the day of each step, in the board's zone; the treatment
    start is the earliest start of a therapy recommendation implemented. One statement."""
    report = (sa.select(sa.func.min(MolecularReport.reported_on)).where(MolecularReport.case_id == Case.id)
              .correlate(Case).scalar_subquery())
    # A treatment starts with a therapy recommendation implemented: a further test, a genetics
    # referral or a standard-of-care follow-up has a start date too, and is no treatment start.
    started = (sa.select(sa.func.min(FollowUp.started_on))
               .join(Recommendation, FollowUp.recommendation_id == Recommendation.id)
               .where(FollowUp.case_id == Case.id, FollowUp.is_current.is_(True), FollowUp.implemented.is_(True),
                      Recommendation.kind.in_(THERAPY_KINDS))
               .correlate(Case).scalar_subquery())
    query = _period(
        sa.select(Case.id, Case.reference, Case.board_id, report.label("report"), Case.submitted_at,
                  AgendaItem.added_at, Meeting.started_at, Meeting.starts_at, Decision.validated_at,
                  Decision.published_at, started.label("started"))
        .join(Case, Decision.case_id == Case.id)
        .join(AgendaItem, Decision.agenda_item_id == AgendaItem.id)
        .join(Meeting, Decision.meeting_id == Meeting.id)
        .where(Decision.board_id.in_(list(board_ids)), Decision.version == 1, Decision.validated_at.is_not(None)),
        Decision.validated_at, start, end).order_by(Decision.validated_at, Case.id)
    result = []
    seen: set[int] = set()
    day = local_day(tz)
    for row in db.session.execute(query):
        # A case discussed at two meetings has a first decision at each: only the earliest counts.
        if row.id in seen:
            continue
        seen.add(row.id)
        times = {
            "report": row.report, "submitted": day(row.submitted_at), "agenda": day(row.added_at),
            "discussed": day(row.started_at or row.starts_at), "validated": day(row.validated_at),
            "published": day(row.published_at), "started": row.started,
        }
        result.append(CaseTimes(row.id, row.reference, row.board_id, times))
    return result


@dataclass
class StepFigure:
    label: str
    key: tuple[str, str]
    spread: Spread
    is_target: bool


def turnaround(cases: list[CaseTimes]) -> list[StepFigure]:
    figures = []
    for start, end, label in STEPS:
        values = [d for d in (case.days(start, end) for case in cases) if d is not None]
        figures.append(StepFigure(str(label), (start, end), spread(values), (start, end) == TARGET_STEP))
    return figures


def slow_cases(cases: list[CaseTimes], targets: dict[int, int]) -> list[tuple[CaseTimes, int, int]]:
    """Cases whose report → discussion exceeds their board's target: (case, days, target), slowest first."""
    slow = []
    for case in cases:
        days = case.days(*TARGET_STEP)
        target = targets.get(case.board_id)
        if days is not None and target is not None and days > target:
            slow.append((case, days, target))
    slow.sort(key=lambda entry: (-entry[1], entry[0].reference))
    return slow


@dataclass
class MeetingFigures:
    meetings: int
    cases_per_meeting: Spread
    minutes_per_case: Spread
    rows: list


def meeting_rows(board_ids, start: datetime, end: datetime) -> list:
    """The boards' held meetings in the period, with the number of cases discussed at each. One statement."""
    discussed = sa.func.count(AgendaItem.id)
    query = _period(
        sa.select(Meeting.id, Meeting.board_id, Meeting.starts_at, Meeting.started_at, Meeting.closed_at,
                  discussed.label("cases"))
        .join(AgendaItem, sa.and_(AgendaItem.meeting_id == Meeting.id, AgendaItem.outcome == ItemOutcome.DISCUSSED))
        .where(Meeting.board_id.in_(list(board_ids)), Meeting.status.in_([MeetingStatus.CLOSED, MeetingStatus.SIGNED]))
        .group_by(Meeting.id, Meeting.board_id, Meeting.starts_at, Meeting.started_at, Meeting.closed_at),
        Meeting.starts_at, start, end).order_by(Meeting.starts_at)
    return db.session.execute(query).all()


def meetings(rows) -> MeetingFigures:
    """Cases discussed at each meeting and the minutes each case took (the meeting's time in
    session divided by its cases)."""
    per_case = [(row.closed_at - row.started_at).total_seconds() / 60 / row.cases for row in rows
                if row.started_at and row.closed_at and row.cases and row.closed_at > row.started_at]
    return MeetingFigures(len(rows), spread([row.cases for row in rows]), spread([round(m, 1) for m in per_case]), rows)
