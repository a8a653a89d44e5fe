"""Decided cases with chosen timestamps, written as rows (not through the pages): the
dashboards' figures are tested against what these put in."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from mtb.boards import services as boards_service
from mtb.cases.findings import MolecularReport
from mtb.cases.models import Case, CaseStatus
from mtb.decisions.models import Decision, DecisionStatus, Recommendation, RecommendationKind
from mtb.extensions import db
from mtb.meetings.models import AgendaItem, ItemOutcome, Meeting, MeetingStatus
from mtb.outcomes.models import FollowUp, NotImplementedReason, Response


def meeting_on(board: str, day: datetime, *, minutes: int = 60) -> Meeting:
    """A held (closed) meeting of ``board`` that started at ``day`` and lasted ``minutes``."""
    board_obj = boards_service.get_board(board)
    meeting = Meeting(board_id=board_obj.id, starts_at=day, duration_minutes=120, cutoff_hours=48,
                      status=MeetingStatus.CLOSED, started_at=day, closed_at=day + timedelta(minutes=minutes))
    db.session.add(meeting)
    db.session.flush()
    return meeting


def decide(case: Case, meeting: Meeting, *, report: date | None = None, submitted: datetime | None = None,
           agenda: datetime | None = None, validated: datetime | None = None, published: datetime | None = None,
           kinds=(RecommendationKind.TARGETED_THERAPY,), drug: str = "sotorasib") -> Decision:
    """Put ``case`` on ``meeting`` (discussed) with a validated decision; the given times are stored."""
    if report is not None:
        case.reports.append(MolecularReport(position=0, reported_on=report, assay="TSO500"))
    if submitted is not None:
        case.submitted_at = submitted
    item = AgendaItem(meeting_id=meeting.id, case_id=case.id, position=len(meeting.items), minutes=10,
                      outcome=ItemOutcome.DISCUSSED, added_at=agenda or meeting.starts_at - timedelta(days=2))
    db.session.add(item)
    db.session.flush()
    validated = validated or meeting.starts_at + timedelta(hours=2)
    decision = Decision(agenda_item_id=item.id, meeting_id=meeting.id, case_id=case.id, board_id=case.board_id,
                        status=DecisionStatus.VALIDATED, summary="Decided.", quorum_met=True, validated_at=validated,
                        published_at=published or validated + timedelta(days=1))
    for position, kind in enumerate(kinds):
        decision.recommendations.append(Recommendation(kind=kind, position=position,
                                                       drug=drug if kind is RecommendationKind.TARGETED_THERAPY else None))
    db.session.add(decision)
    case.status = CaseStatus.DECIDED
    db.session.flush()
    return decision


def follow(decision: Decision, months: int = 3, *, implemented: bool, started: date | None = None,
           response: Response | None = None, reason: NotImplementedReason | None = None, index: int = 0) -> FollowUp:
    recommendation = decision.recommendations[index]
    follow_up = FollowUp(recommendation_id=recommendation.id, decision_id=decision.id, case_id=decision.case_id,
                         board_id=decision.board_id, milestone_months=months, implemented=implemented,
                         started_on=started, best_response=response, reason=reason,
                         response_on=started + timedelta(days=60) if response and started else None)
    db.session.add(follow_up)
    db.session.flush()
    return follow_up
