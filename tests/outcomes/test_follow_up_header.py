"""The follow-up page names the day the board decided (the milestones count from it), not
the day a later correction was validated."""

from __future__ import annotations

from datetime import timedelta

from mtb.db import utcnow
from mtb.decisions.models import Decision, DecisionStatus, Recommendation, RecommendationKind
from mtb.extensions import db
from mtb.formatting import local_datetime
from tests.outcomes.helpers import decide, meeting_on


def test_the_follow_up_page_gives_the_boards_decision_day_not_the_corrections(client, login, clinician,
                                                                               create_case):
    meeting = meeting_on("thoracic", (utcnow() - timedelta(days=100)).replace(microsecond=0))
    first = decide(create_case(status="scheduled", submitter=clinician), meeting)
    corrected = Decision(agenda_item_id=first.agenda_item_id, meeting_id=first.meeting_id, case_id=first.case_id,
                         board_id=first.board_id, version=2, status=DecisionStatus.VALIDATED, summary="Corrected.",
                         correction_reason="Typo in the rationale.", quorum_met=True,
                         validated_at=first.validated_at + timedelta(days=40),
                         published_at=first.validated_at + timedelta(days=40))
    corrected.recommendations = [Recommendation(kind=RecommendationKind.TARGETED_THERAPY, position=0,
                                                drug="sotorasib")]
    first.status = DecisionStatus.SUPERSEDED
    db.session.add(corrected)
    db.session.commit()
    assert corrected.decided_at == first.validated_at  # the model keeps the board's day

    login(clinician)
    html = client.get(f"/outcomes/recommendations/{corrected.recommendations[0].id}/follow-up/3").get_data(
        as_text=True)
    decided = local_datetime(first.validated_at, "Europe/Paris", "d MMM yyyy")
    correction = local_datetime(corrected.validated_at, "Europe/Paris", "d MMM yyyy")
    assert f"Decided by the board on {decided};" in html and correction not in html
