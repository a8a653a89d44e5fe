"""The dashboard's figures against a hand-made data set whose rates and medians are known."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from mtb.boards import services as boards_service
from mtb.decisions.models import RecommendationKind
from mtb.extensions import db
from mtb.outcomes import dashboard, stats
from mtb.outcomes.models import NotImplementedReason, Response
from tests.outcomes.helpers import decide, follow, meeting_on


def test_wilson_interval_matches_the_published_formula():
    low, high = stats.wilson(2, 10)
    assert round(low, 4) == 0.0567 and round(high, 4) == 0.5098
    assert stats.wilson(0, 0) is None
    low, high = stats.wilson(0, 5)
    assert low == 0.0 and round(high, 4) == 0.4345


def test_median_and_interquartile_range():
    figure = stats.spread([10, 2, 8, 4, 6])
    assert (figure.n, figure.median, figure.q1, figure.q3) == (5, 6, 4, 8)
    assert stats.spread([]).median is None
    assert stats.spread([7]).median == 7


@pytest.fixture
def known_board(app, create_case):
    """Thoracic: five cases decided at two meetings, with known steps and follow-ups.

    Report → discussion: 5, 10, 15, 20, 25 days (median 15, IQR 10–20); submission →
    agenda: 1, 2, 3, 4, 5 days. Five therapy recommendations: two implemented (one CR, one
    SD), two not (patient declined; reimbursement refused), one without a follow-up yet.
    A further-testing recommendation is followed but does not count for the therapy rate.
    """
    base = datetime(2026, 6, 1, 12, 0)
    first, second = meeting_on("thoracic", base, minutes=60), meeting_on("thoracic", base + timedelta(days=7), minutes=40)
    decisions = []
    for i, days in enumerate((5, 10, 15, 20, 25)):
        meeting = first if i < 3 else second
        case = create_case(status="scheduled")
        discussed = meeting.starts_at
        decisions.append(decide(
            case, meeting, report=discussed.date() - timedelta(days=days),
            submitted=discussed - timedelta(days=days - 1) if days > 5 else discussed - timedelta(days=4),
            agenda=(discussed - timedelta(days=days - 1) if days > 5 else discussed - timedelta(days=4))
            + timedelta(days=i + 1),
            kinds=(RecommendationKind.TARGETED_THERAPY, RecommendationKind.FURTHER_TESTING) if i == 0
            else (RecommendationKind.TARGETED_THERAPY,)))
    start = first.starts_at.date() + timedelta(days=20)
    follow(decisions[0], 3, implemented=True, started=start, response=Response.CR)
    follow(decisions[0], 3, implemented=False, reason=NotImplementedReason.OTHER, index=1)
    follow(decisions[1], 3, implemented=False, reason=NotImplementedReason.PATIENT_DECLINED)
    follow(decisions[1], 6, implemented=True, started=start + timedelta(days=30), response=Response.SD)
    follow(decisions[2], 3, implemented=False, reason=NotImplementedReason.REIMBURSEMENT_REFUSED)
    follow(decisions[3], 3, implemented=False, reason=NotImplementedReason.PATIENT_DECLINED)
    db.session.commit()
    return decisions


def _figures(first=date(2026, 1, 1), last=date(2026, 12, 31)):
    board = boards_service.get_board("thoracic")
    return dashboard.figures([board], dashboard.Period(first, last), board.timezone)


def test_implementation_rate_counts_therapy_recommendations_implemented_at_any_milestone(known_board):
    impl = _figures()["implementation"]
    assert (impl.recommended, impl.followed, impl.implemented, impl.awaiting) == (5, 4, 2, 1)
    assert impl.rate == 0.5
    low, high = impl.interval
    assert round(low, 3) == 0.150 and round(high, 3) == 0.850
    # Case 2 was declined at 3 months, then started at 6: implemented, and its reason not counted.
    assert impl.reasons == {NotImplementedReason.PATIENT_DECLINED: 1, NotImplementedReason.REIMBURSEMENT_REFUSED: 1}
    assert impl.responses[Response.CR] == 1 and impl.responses[Response.SD] == 1 and impl.responses[Response.PR] == 0


def test_turnaround_medians_and_quartiles_per_step(known_board):
    steps = {figure.key: figure.spread for figure in _figures()["steps"]}
    whole = steps[("report", "discussed")]
    assert (whole.n, whole.median, whole.q1, whole.q3) == (5, 15, 10, 20)
    agenda = steps[("submitted", "agenda")]
    assert (agenda.median, agenda.q1, agenda.q3) == (3, 2, 4)
    assert steps[("validated", "published")].median == 1
    # Two cases started treatment (20 and 50 days after their meeting, letters a day after).
    started = steps[("published", "started")]
    assert started.n == 2


def test_cases_over_the_target_are_listed_slowest_first(known_board):
    slow = _figures()["slow"]  # the thoracic target is 14 days
    assert [days for _case, days, _target in slow] == [25, 20, 15]


def test_meetings_cases_per_meeting_and_minutes_per_case(known_board):
    meetings = _figures()["meetings"]
    assert meetings.meetings == 2
    assert meetings.cases_per_meeting.median == 2.5
    # 60 minutes for 3 cases, 40 minutes for 2: 20 minutes per case each time.
    assert meetings.minutes_per_case.median == 20


def test_a_period_without_decisions_shows_nothing(known_board):
    figures = _figures(date(2025, 1, 1), date(2025, 12, 31))
    assert figures["implementation"].rate is None and figures["decided"] == 0
    assert all(step.spread.n == 0 for step in figures["steps"])


def test_another_boards_cases_do_not_count(known_board):
    board = boards_service.get_board("dermatology")
    figures = dashboard.figures([board], dashboard.Period(date(2026, 1, 1), date(2026, 12, 31)), board.timezone)
    assert figures["decided"] == 0 and figures["implementation"].followed == 0


def test_a_case_discussed_again_counts_once_from_its_first_decision(known_board):
    again = meeting_on("thoracic", datetime(2026, 7, 20, 12, 0))
    decide(known_board[0].case, again)  # its report was 5 days before the first meeting, 54 before this one
    db.session.commit()
    figures = _figures()
    assert figures["decided"] == 5
    whole = {figure.key: figure.spread for figure in figures["steps"]}[("report", "discussed")]
    assert (whole.n, whole.median, whole.q1, whole.q3) == (5, 15, 10, 20)
    assert [days for _case, days, _target in figures["slow"]] == [25, 20, 15]


def test_a_period_runs_from_midnight_to_midnight_in_the_boards_zone(app, create_case, clinician):
    """Validated at 23:30 UTC on 31 December is 00:30 on 1 January in Paris: that year's."""
    board = boards_service.get_board("thoracic")
    assert board.timezone == "Europe/Paris"
    meeting = meeting_on("thoracic", datetime(2026, 12, 31, 21, 0))
    decide(create_case(status="scheduled", submitter=clinician), meeting, validated=datetime(2026, 12, 31, 23, 30))
    db.session.commit()
    assert _figures(date(2026, 1, 1), date(2026, 12, 31))["decided"] == 0
    assert _figures(date(2027, 1, 1), date(2027, 12, 31))["decided"] == 1


def test_a_patient_counts_once_as_treated_when_any_recommended_therapy_was_received(app, create_case, client, login,
                                                                                      secretary, admin):
    """Published implementation rates count patients: a patient with two therapy
    recommendations, one received, counts as one treated patient (and as one of two
    recommendations implemented)."""
    meeting = meeting_on("thoracic", datetime(2026, 6, 1, 12, 0))
    therapies = (RecommendationKind.TARGETED_THERAPY, RecommendationKind.CLINICAL_TRIAL)
    two = decide(create_case(status="scheduled"), meeting, kinds=therapies)
    one = decide(create_case(status="scheduled"), meeting)
    follow(two, 3, implemented=True, started=date(2026, 6, 20), index=0)
    follow(two, 3, implemented=False, reason=NotImplementedReason.PATIENT_DECLINED, index=1)
    follow(one, 3, implemented=False, reason=NotImplementedReason.PATIENT_DECLINED)
    db.session.commit()
    impl = _figures()["implementation"]
    assert (impl.implemented, impl.followed) == (1, 3)
    assert (impl.patients_implemented, impl.patients_followed, impl.patient_rate) == (1, 2, 0.5)
    login(secretary)
    html = client.get("/outcomes/boards/thoracic?from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    patients_row = html[html.index("data-patient-rate"):].split("</tr>")[0]
    assert "50.0 %" in patients_row and "Published benchmark: 20.8 % of patients." in html
    client.post("/logout")
    login(admin)  # the site's dashboard, a line per board
    site = client.get("/outcomes?from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    assert "patients: 50.0 % (1/2)" in site
