"""The board's case list shows where each case stands."""

from datetime import timedelta

from mtb.db import utcnow
from mtb.extensions import db
from mtb.meetings.models import Meeting


def test_board_list_shows_the_meeting_a_pool_case_is_proposed_for(client, login, clinician, create_case, boards):
    meeting = Meeting(board_id=boards["thoracic"].id, starts_at=utcnow() + timedelta(days=6), duration_minutes=120,
                      cutoff_hours=48)
    db.session.add(meeting)
    create_case()
    login(clinician)
    body = client.get("/boards/thoracic/cases").get_data(as_text=True)
    assert f"/meetings/{meeting.id}" in body
    assert "(proposed)" in body


def test_reading_a_case_list_is_audited_with_the_cases_shown(client, login, clinician, create_case):
    import sqlalchemy as sa

    from mtb.audit.models import AuditEvent

    case = create_case()
    login(clinician)
    client.get("/boards/thoracic/cases?q=EGFR")
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "case.list")).one()
    assert event.user_id == clinician.id
    assert event.details["cases"] == [case.reference] and event.details["q"] == "EGFR"
