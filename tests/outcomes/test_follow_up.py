"""Recording a follow-up through its page: who may, what is refused next to its field,
versions, the home page's task and the e-mail when due."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from mtb.audit.models import AuditEvent
from mtb.db import utcnow
from mtb.extensions import db
from mtb.notifications.models import OutboxMessage
from mtb.outcomes.models import FollowUp, NotImplementedReason
from mtb.scheduling.services import run_job
from tests.outcomes.helpers import decide, follow, meeting_on


@pytest.fixture
def decided(app, create_case, clinician):
    """A thoracic case of the clinician, decided 100 days ago (its 3-month follow-up is due)."""
    meeting = meeting_on("thoracic", (utcnow() - timedelta(days=100)).replace(microsecond=0))
    decision = decide(create_case(status="scheduled", submitter=clinician), meeting)
    db.session.commit()
    return decision


def _url(decision, months=3):
    return f"/outcomes/recommendations/{decision.recommendations[0].id}/follow-up/{months}"


def _day(decision, days: int) -> str:
    return (decision.validated_at + timedelta(days=days)).date().isoformat()


def test_the_referring_clinician_records_an_implemented_recommendation(client, login, clinician, decided):
    login(clinician)
    page = client.get(_url(decided))
    assert page.status_code == 200 and "sotorasib" in page.get_data(as_text=True)
    response = client.post(_url(decided), data={
        "implemented": "yes", "drug": "sotorasib", "started_on": _day(decided, 10), "line": "2", "access": "off_label",
        "best_response": "PR", "response_on": _day(decided, 70)})
    assert response.status_code == 302
    follow_up = db.session.scalar(sa.select(FollowUp))
    assert follow_up.implemented and follow_up.best_response.value == "PR" and follow_up.version == 1
    assert follow_up.recorded_by_id == clinician.id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "follow_up.recorded"))
    assert event.details["months"] == 3 and event.details["case"] == decided.case.reference
    case_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Follow-up of the recommendations" in case_page and "Partial response (PR)" in case_page
    read = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "case.follow_up_view"))
    assert read.user_id == clinician.id and read.details["recommendations"] == [decided.recommendations[0].id]


def test_dates_out_of_order_are_refused_next_to_their_field(client, login, clinician, decided):
    login(clinician)
    response = client.post(_url(decided), data={
        "implemented": "yes", "started_on": _day(decided, -3), "best_response": "SD", "response_on": _day(decided, -5)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="started_on-error"' in html and "cannot start before the board&#39;s decision" in html
    response = client.post(_url(decided), data={
        "implemented": "yes", "started_on": _day(decided, 10), "best_response": "SD", "response_on": _day(decided, 5),
        "stopped_on": _day(decided, 8), "stop_reason": "toxicity"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="response_on-error"' in html and 'id="stopped_on-error"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 0


def test_not_implemented_needs_a_coded_reason_and_words_for_other(client, login, clinician, decided):
    login(clinician)
    response = client.post(_url(decided), data={"implemented": "no"})
    assert response.status_code == 422 and 'id="reason-error"' in response.get_data(as_text=True)
    response = client.post(_url(decided), data={"implemented": "no", "reason": "other"})
    assert response.status_code == 422 and 'id="reason_other-error"' in response.get_data(as_text=True)
    response = client.post(_url(decided), data={"implemented": "no", "reason": "reimbursement_pending"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(FollowUp)).reason.value == "reimbursement_pending"


def test_a_correction_is_a_new_version_with_a_reason_and_the_first_stays(client, login, clinician, decided):
    login(clinician)
    client.post(_url(decided), data={"implemented": "no", "reason": "reimbursement_pending"})
    refused = client.post(_url(decided), data={"implemented": "yes", "started_on": _day(decided, 30)})
    assert refused.status_code == 422 and 'id="change_reason-error"' in refused.get_data(as_text=True)
    client.post(_url(decided), data={"implemented": "yes", "started_on": _day(decided, 30),
                                     "change_reason": "Reimbursement granted"})
    rows = db.session.scalars(sa.select(FollowUp).order_by(FollowUp.version)).all()
    assert [(r.version, r.is_current, r.implemented) for r in rows] == [(1, False, False), (2, True, True)]
    page = client.get(_url(decided)).get_data(as_text=True)
    assert "Reimbursement granted" in page and "Reimbursement pending" in page


def test_a_follow_up_cannot_be_entered_for_another_boards_case(client, login, make_user, decided):
    other = make_user("derm@example.org", {"dermatology": ["clinician", "secretary"]})
    login(other)
    assert client.get(_url(decided)).status_code == 404
    response = client.post(_url(decided), data={"implemented": "no", "reason": "death"})
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 0
    refusal = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "access.refused")
                                .order_by(AuditEvent.id.desc()))
    assert refusal.details["object"] == "Recommendation" and refusal.user_id == other.id


def test_a_member_reads_but_does_not_record(client, login, member, decided):
    login(member)
    assert client.get(_url(decided)).status_code == 403


def test_the_secretary_records_for_an_absent_clinician(client, login, secretary, decided):
    login(secretary)
    assert client.post(_url(decided), data={"implemented": "no", "reason": "lost_to_follow_up"}).status_code == 302
    listing = client.get("/outcomes/boards/thoracic/follow-ups")
    assert listing.status_code == 200


def test_a_milestone_the_board_does_not_follow_is_not_found(client, login, clinician, decided):
    login(clinician)
    assert client.get(_url(decided, months=4)).status_code == 404


def test_the_clinicians_home_page_lists_the_follow_up_due_until_it_is_recorded(client, login, clinician, decided):
    login(clinician)
    home = client.get("/").get_data(as_text=True)
    assert "Follow-ups to record" in home and decided.case.reference in home and "3-month follow-up" in home
    client.post(_url(decided), data={"implemented": "no", "reason": "death"})
    assert "3-month follow-up" not in client.get("/").get_data(as_text=True)


def test_the_secretarys_list_shows_the_due_follow_up(client, login, secretary, decided):
    login(secretary)
    html = client.get("/outcomes/boards/thoracic/follow-ups").get_data(as_text=True)
    assert decided.case.reference in html and "Dr Claire Dubois" in html


def test_the_daily_job_e_mails_the_referring_clinician_once(app, decided):
    assert run_job("follow_ups")
    messages = db.session.scalars(sa.select(OutboxMessage)).all()
    assert len(messages) == 1
    assert messages[0].to_address == "clinician@example.org"
    assert decided.case.reference in messages[0].subject and "Jeanne Martin" not in messages[0].body
    assert "/follow-up/3" in messages[0].body
    run_job("follow_ups", utcnow() + timedelta(days=1))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


def test_an_unpublished_decision_is_not_followed_up(client, login, clinician, decided):
    """Validated but not yet published: the clinician may not see its recommendations."""
    decided.published_at = None
    db.session.commit()
    login(clinician)
    case_page = client.get(f"/cases/{decided.case_id}")
    assert case_page.status_code == 200
    assert "Follow-up of the recommendations" not in case_page.get_data(as_text=True)
    assert client.get(_url(decided)).status_code == 404
    assert "3-month follow-up" not in client.get("/").get_data(as_text=True)
    assert run_job("follow_ups")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_save_colliding_with_a_simultaneous_one_is_a_conflict_not_an_error(client, login, clinician, decided):
    """On SQLite nothing locks the row: the other submission's version 1 lands first."""
    recommendation = decided.recommendations[0]
    db.session.add(FollowUp(recommendation_id=recommendation.id, decision_id=decided.id, case_id=decided.case_id,
                            board_id=decided.board_id, milestone_months=3, version=1, is_current=False,
                            implemented=False, reason=NotImplementedReason.DEATH))
    db.session.commit()
    login(clinician)
    response = client.post(_url(decided), data={"implemented": "no", "reason": "lost_to_follow_up"})
    assert response.status_code == 409
    assert "saved by another submission at the same time" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 1


def test_a_corrected_decision_keeps_the_follow_ups_recorded_on_the_version_it_replaces(client, login, clinician,
                                                                                        chair, decided):
    from mtb import signals
    from mtb.decisions.models import Decision, DecisionStatus, Recommendation, RecommendationKind

    login(clinician)
    assert client.post(_url(decided), data={"implemented": "yes", "drug": "sotorasib", "started_on": _day(decided, 10),
                                            "best_response": "PR", "response_on": _day(decided, 70)}).status_code == 302
    # The chair corrects the decision: same drug, another rationale, and a genetics referral added.
    corrected = Decision(agenda_item_id=decided.agenda_item_id, meeting_id=decided.meeting_id, case_id=decided.case_id,
                         board_id=decided.board_id, version=2, status=DecisionStatus.VALIDATED, summary="Corrected.",
                         correction_reason="Typo in the rationale.", quorum_met=True,
                         validated_at=decided.validated_at + timedelta(days=40),
                         published_at=decided.validated_at + timedelta(days=40))
    corrected.recommendations = [
        Recommendation(kind=RecommendationKind.GERMLINE_COUNSELLING, position=0),
        Recommendation(kind=RecommendationKind.TARGETED_THERAPY, position=1, drug="Sotorasib "),
    ]
    db.session.add(corrected)
    decided.status = DecisionStatus.SUPERSEDED
    db.session.flush()
    with force_locale("fr"):  # the chair works in French
        signals.decision_validated.send(corrected, user=chair, previous=decided, publish=False)
    db.session.commit()
    carried = db.session.scalar(sa.select(FollowUp).where(FollowUp.decision_id == corrected.id))
    assert carried.recommendation_id == corrected.recommendations[1].id
    assert carried.implemented and carried.best_response.value == "PR" and carried.is_current
    # Why it changed is worded for whoever reads the versions, not stored in the chair's language.
    assert carried.carried_from_version == 1 and carried.change_reason is None
    versions = client.get(f"/outcomes/recommendations/{corrected.recommendations[1].id}/follow-up/3")
    assert "Carried over from decision version 1" in versions.get_data(as_text=True)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "follow_up.carried_over"))
    assert event.details["follow_ups"] == 1
    # The case page shows the follow-up on the corrected recommendation, and a later save
    # measures dates from the first validation (the treatment started before the correction).
    assert "Partial response (PR)" in client.get(f"/cases/{decided.case_id}").get_data(as_text=True)
    response = client.post(f"/outcomes/recommendations/{corrected.recommendations[1].id}/follow-up/3", data={
        "implemented": "yes", "drug": "sotorasib", "started_on": _day(decided, 10), "best_response": "SD",
        "response_on": _day(decided, 70), "change_reason": "Response re-read."})
    assert response.status_code == 302


def test_two_alike_recommendations_carry_over_one_to_one(app, create_case, clinician, chair):
    """Two "standard of care" recommendations, each followed up: a correction that adds a
    targeted therapy before them takes each follow-up over once (no duplicate version)."""
    from mtb import signals
    from mtb.decisions.models import Decision, DecisionStatus, Recommendation, RecommendationKind

    meeting = meeting_on("thoracic", (utcnow() - timedelta(days=100)).replace(microsecond=0))
    soc = RecommendationKind.STANDARD_OF_CARE
    first = decide(create_case(status="scheduled", submitter=clinician), meeting, kinds=(soc, soc))
    follow(first, 3, implemented=True, index=0)
    follow(first, 3, implemented=False, reason=NotImplementedReason.PATIENT_DECLINED, index=1)
    corrected = Decision(agenda_item_id=first.agenda_item_id, meeting_id=first.meeting_id, case_id=first.case_id,
                         board_id=first.board_id, version=2, status=DecisionStatus.VALIDATED, summary="Corrected.",
                         correction_reason="A targeted therapy first.", quorum_met=True,
                         validated_at=first.validated_at + timedelta(days=5))
    corrected.recommendations = [Recommendation(kind=RecommendationKind.TARGETED_THERAPY, position=0, drug="osimertinib"),
                                 Recommendation(kind=soc, position=1), Recommendation(kind=soc, position=2)]
    db.session.add(corrected)
    first.status = DecisionStatus.SUPERSEDED
    db.session.flush()
    signals.decision_validated.send(corrected, user=chair, previous=first, publish=False)
    db.session.commit()
    carried = db.session.scalars(sa.select(FollowUp).where(FollowUp.decision_id == corrected.id)
                                 .order_by(FollowUp.recommendation_id)).all()
    assert [f.recommendation_id for f in carried] == [corrected.recommendations[1].id, corrected.recommendations[2].id]
    assert [f.implemented for f in carried] == [True, False]


def test_a_milestone_at_a_month_end_is_listed_on_the_day_it_falls_due(app, create_case, clinician):
    """Six months after 31 August is 28 February (a shorter month): listed that day, not
    three days later, and not the day before."""
    from datetime import datetime

    from mtb.boards.services import get_board
    from mtb.outcomes import queries

    meeting = meeting_on("thoracic", datetime(2025, 8, 31, 9, 0))
    decision = decide(create_case(status="scheduled", submitter=clinician), meeting,
                      validated=datetime(2025, 8, 31, 12, 0))
    db.session.commit()
    boards = [get_board("thoracic")]

    def listed(now):
        return [(i.recommendation_id, i.months) for i in queries.due_follow_ups(now, boards=boards)]

    assert (decision.recommendations[0].id, 6) not in listed(datetime(2026, 2, 27, 22, 0))  # 23:00 in Paris
    assert (decision.recommendations[0].id, 6) in listed(datetime(2026, 2, 28, 8, 0))
    assert all(i.due == queries.due_on(i.decided_at, i.months, "Europe/Paris")
               for i in queries.due_follow_ups(datetime(2026, 2, 28, 8, 0), boards=boards))


def test_milestones_count_from_the_boards_day_of_the_decision(app, create_case, clinician):
    """Validated at 00:30 in Paris on 1 February (31 January in UTC): due on 1 May, Paris
    time, as the reminder's "decided 1 Feb" says; not on 30 April."""
    from datetime import date, datetime

    from mtb.boards.services import get_board
    from mtb.outcomes import queries

    meeting = meeting_on("thoracic", datetime(2026, 1, 31, 17, 0))
    decision = decide(create_case(status="scheduled", submitter=clinician), meeting,
                      validated=datetime(2026, 1, 31, 23, 30))
    db.session.commit()
    boards = [get_board("thoracic")]

    def listed(now):
        return {(i.recommendation_id, i.months): i.due for i in queries.due_follow_ups(now, boards=boards)}

    key = (decision.recommendations[0].id, 3)
    assert key not in listed(datetime(2026, 4, 30, 21, 0))  # 23:00 on 30 April in Paris
    assert listed(datetime(2026, 4, 30, 22, 30))[key] == date(2026, 5, 1)  # 00:30 on 1 May in Paris


def test_a_correction_keeps_the_day_the_board_decided(app, clinician, chair, decided):
    """A correction validated 40 days after the decision: its milestones stay due 3 months
    after the decision (not after the correction), the reminder already sent is not sent
    again, and the dashboards count it in the period the board decided."""
    from mtb import signals
    from mtb.boards.services import get_board
    from mtb.decisions.models import Decision, DecisionStatus, Recommendation, RecommendationKind
    from mtb.outcomes import queries, stats

    assert run_job("follow_ups")  # the 3-month reminder of the decision
    corrected_at = decided.validated_at + timedelta(days=40)
    corrected = Decision(agenda_item_id=decided.agenda_item_id, meeting_id=decided.meeting_id, case_id=decided.case_id,
                         board_id=decided.board_id, version=2, status=DecisionStatus.VALIDATED, summary="Corrected.",
                         correction_reason="Dose corrected.", quorum_met=True, validated_at=corrected_at,
                         published_at=corrected_at)
    corrected.recommendations = [Recommendation(kind=RecommendationKind.TARGETED_THERAPY, position=0, drug="sotorasib")]
    db.session.add(corrected)
    decided.status = DecisionStatus.SUPERSEDED
    db.session.flush()
    signals.decision_validated.send(corrected, user=chair, previous=decided, publish=False)
    db.session.commit()

    assert corrected.decided_at == decided.validated_at
    due = [i for i in queries.due_follow_ups(utcnow(), boards=[get_board("thoracic")]) if i.decision_id == corrected.id]
    assert [(i.months, i.due) for i in due] == [(3, queries.due_on(decided.validated_at, 3, "Europe/Paris"))]
    run_job("follow_ups", utcnow() + timedelta(days=1))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
    decided_day = decided.validated_at.replace(hour=0, minute=0, second=0)
    counts = stats.recommended_counts([decided.board_id], decided_day, decided_day + timedelta(days=1))
    assert counts == {decided.board_id: 1}
