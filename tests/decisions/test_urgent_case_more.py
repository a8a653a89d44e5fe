"""The urgent-case form, as reviews tried it: a moved case keeps its presenter, minutes and
conflicts of interest; what is offered can be added; messages in the reader's language."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.decisions import attendance as room
from mtb.decisions.models import Recusal
from mtb.decisions.services import defer_item
from mtb.extensions import db
from mtb.meetings.models import Meeting, MeetingStatus
from tests.decisions.test_urgent_case import _add


def test_moved_case_keeps_presenter_and_minutes(client, login, team, in_session, create_meeting):
    later = create_meeting(starts_in=timedelta(days=7), status=MeetingStatus.PUBLISHED, n_cases=1,
                           agenda_publications=1)
    item = later.items[0]
    item.presenter_id, item.minutes = team["member"].id, 25
    db.session.commit()
    case_id = item.case_id
    login(team["secretary"])
    assert _add(client, in_session, case_id).status_code == 302
    moved = db.session.get(Meeting, in_session.id).items[-1]
    assert moved.case_id == case_id
    # Carry-over keeps both (lifecycle.carry_over_undiscussed); the move does not.
    assert (moved.presenter_id, moved.minutes) == (team["member"].id, 25)


def test_conflict_declared_on_later_agenda_survives_the_move(client, login, team, in_session, create_meeting):
    later = create_meeting(starts_in=timedelta(days=7), status=MeetingStatus.PUBLISHED, n_cases=1,
                           agenda_publications=1, published_version=1)
    item = later.items[0]
    room.declare_own_conflict(item, team["chair"], "investigator of the trial")
    db.session.commit()
    case_id = item.case_id
    login(team["secretary"])
    assert _add(client, in_session, case_id).status_code == 302
    moved = db.session.get(Meeting, in_session.id).items[-1]
    recused = set(db.session.scalars(sa.select(Recusal.user_id).where(Recusal.agenda_item_id == moved.id)))
    assert team["chair"].id in recused, "the chair's declared conflict was silently deleted"
    assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "recusal.moved"))


def test_case_deferred_in_this_session_is_not_offered(client, login, team, in_session):
    first = in_session.items[0]
    defer_item(first, team["secretary"])
    db.session.commit()
    login(team["secretary"])
    page = client.get(f"/meetings/{in_session.id}/session").get_data(as_text=True)
    choices = page.split('id="late-case_id"', 1)[1].split("</select>")[0] if 'id="late-case_id"' in page else ""
    assert f'value="{first.case_id}"' not in choices and first.case.reference not in choices


def test_the_session_page_names_no_patient_beyond_the_case_discussed(client, login, team, in_session,
                                                                   create_case):
    """Only the case discussed is read in the audit trail: the urgent-case list names cases
    by reference, diagnosis and referring clinician, never by patient."""
    pool_case = create_case(patient_name="Zoé Poolpatient")
    login(team["chair"])
    page = client.get(f"/meetings/{in_session.id}/session").get_data(as_text=True)
    assert pool_case.reference in page and "Zoé Poolpatient" not in page


def test_refusal_names_the_status_in_the_readers_language(client, login, team, in_session, create_case):
    case = create_case(status="draft")
    team["secretary"].locale = "fr"
    db.session.commit()
    login(team["secretary"])
    html = _add(client, in_session, case.id).get_data(as_text=True)
    message = re.search(r'id="late-case_id-error"[^>]*>(.*?)<', html, re.S).group(1)
    assert "brouillon" in message and " draft" not in message, message


def test_an_urgent_case_added_by_mistake_is_taken_off_while_nothing_is_recorded_on_it(
        client, login, team, in_session, create_case):
    from mtb.cases.models import Case, CaseStatus
    from mtb.decisions import services as decisions
    from mtb.notifications.models import OutboxMessage
    from tests.decisions.helpers import targeted

    wrong, kept = create_case(), create_case()
    login(team["secretary"])
    for case in (wrong, kept):
        assert _add(client, in_session, case.id).status_code == 302
    meeting = db.session.get(Meeting, in_session.id)
    wrong_item, kept_item = meeting.items[-2], meeting.items[-1]
    page = client.get(f"/meetings/{meeting.id}/session?item={wrong_item.id}").get_data(as_text=True)
    assert "Added by mistake? Take it off this meeting" in page
    first = meeting.items[0]
    assert "Added by mistake?" not in client.get(f"/meetings/{meeting.id}/session?item={first.id}").get_data(as_text=True)

    response = client.post(f"/meetings/{meeting.id}/items/{wrong_item.id}/take-off")
    assert response.status_code == 302
    assert "back in the pool" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.get(Case, wrong.id).status is CaseStatus.SUBMITTED
    assert [i.case_id for i in db.session.get(Meeting, meeting.id).items][-1] == kept.id
    subjects = [m.subject for m in db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.recipient_id == wrong.submitter_id))]
    assert any("taken off" in s for s in subjects)

    # A case the board has started on stays: the draft decision is its work.
    decisions.save_draft(kept_item, team["secretary"], "Osimertinib.", [targeted(kept_item.case)])
    db.session.commit()
    response = client.post(f"/meetings/{meeting.id}/items/{kept_item.id}/take-off")
    assert "it stays on the agenda" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.get(Meeting, meeting.id).items[-1].case_id == kept.id  # still on the agenda
    # Nor is a case of the published agenda taken off from here.
    client.post(f"/meetings/{meeting.id}/items/{first.id}/take-off")
    assert db.session.get(type(first), first.id) is not None
