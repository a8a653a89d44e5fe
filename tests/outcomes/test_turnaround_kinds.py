""""Letter → treatment start" is about the recommended therapy: a further test, a genetics
referral or a standard-of-care follow-up has a start date too, and is no treatment start."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from mtb.boards import services as boards_service
from mtb.decisions.models import RecommendationKind
from mtb.extensions import db
from mtb.outcomes import stats
from tests.outcomes.helpers import decide, follow, meeting_on

MEETING = datetime(2026, 6, 1, 12, 0)


def _times(case):
    board = boards_service.get_board("thoracic")
    rows = stats.case_times([board.id], datetime(2026, 1, 1), datetime(2027, 1, 1), board.timezone)
    return next(row for row in rows if row.case_id == case.id)


@pytest.mark.parametrize("kind", [RecommendationKind.FURTHER_TESTING, RecommendationKind.GERMLINE_COUNSELLING,
                                  RecommendationKind.STANDARD_OF_CARE])
def test_a_followed_recommendation_that_is_no_therapy_is_no_treatment_start(app, create_case, kind):
    decision = decide(create_case(status="scheduled"), meeting_on("thoracic", MEETING),
                      kinds=(kind, RecommendationKind.TARGETED_THERAPY))
    follow(decision, 3, implemented=True, started=MEETING.date() + timedelta(days=3), index=0)
    db.session.commit()
    times = _times(decision.case)
    assert times.times["started"] is None
    assert times.days("published", "started") is None


def test_the_treatment_start_is_the_therapys_even_after_an_earlier_test(app, create_case):
    decision = decide(create_case(status="scheduled"), meeting_on("thoracic", MEETING),
                      kinds=(RecommendationKind.FURTHER_TESTING, RecommendationKind.TARGETED_THERAPY))
    follow(decision, 3, implemented=True, started=MEETING.date() + timedelta(days=3), index=0)
    follow(decision, 3, implemented=True, started=MEETING.date() + timedelta(days=20), index=1)
    db.session.commit()
    times = _times(decision.case)
    assert times.times["started"] == MEETING.date() + timedelta(days=20)
    assert times.days("published", "started") == 19  # the letter went out a day after the meeting


def test_a_clinical_trial_inclusion_is_a_treatment_start(app, create_case):
    decision = decide(create_case(status="scheduled"), meeting_on("thoracic", MEETING),
                      kinds=(RecommendationKind.CLINICAL_TRIAL,))
    follow(decision, 3, implemented=True, started=MEETING.date() + timedelta(days=30))
    db.session.commit()
    assert _times(decision.case).times["started"] == MEETING.date() + timedelta(days=30)
