"""An urgent case moved to the meeting in session from a later agenda, then taken off by
mistake, goes back to that agenda with its presenter, minutes and conflicts of interest,
not to the pool; once that meeting has begun (or is cancelled) it waits in the pool."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.cases.models import POOL_STATUSES, Case, CaseStatus
from mtb.decisions import attendance as room
from mtb.decisions.models import Recusal
from mtb.extensions import db
from mtb.meetings.models import AgendaItem, Meeting, MeetingStatus
from mtb.notifications.models import OutboxMessage
from tests.decisions.test_urgent_case import _add


def _later_with_conflict(team, create_meeting):
    later = create_meeting(starts_in=timedelta(days=7), status=MeetingStatus.PUBLISHED, n_cases=2,
                           agenda_publications=1, published_version=1)
    item = later.items[0]
    item.presenter_id, item.minutes = team["member"].id, 25
    room.declare_own_conflict(item, team["chair"], "investigator of the trial")
    db.session.commit()
    return later, item.case_id


def _moved_here(client, in_session, case_id) -> AgendaItem:
    assert _add(client, in_session, case_id).status_code == 302
    return db.session.get(Meeting, in_session.id).items[-1]


def test_taken_off_again_the_case_is_back_on_the_agenda_it_was_moved_from(client, login, team, in_session,
                                                                          create_meeting):
    later, case_id = _later_with_conflict(team, create_meeting)
    login(team["secretary"])
    moved = _moved_here(client, in_session, case_id)
    assert [i.case_id for i in db.session.get(Meeting, later.id).items] != [case_id]  # it left that agenda
    page = client.get(f"/meetings/{in_session.id}/session?item={moved.id}").get_data(as_text=True)
    assert "goes back to the agenda it was moved from" in page

    response = client.post(f"/meetings/{in_session.id}/items/{moved.id}/take-off")
    assert response.status_code == 302
    assert "back on the agenda of" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert case_id not in [i.case_id for i in db.session.get(Meeting, in_session.id).items]
    back = db.session.get(Meeting, later.id).items[-1]
    assert back.case_id == case_id
    assert (back.presenter_id, back.minutes) == (team["member"].id, 25)
    recused = set(db.session.scalars(sa.select(Recusal.user_id).where(Recusal.agenda_item_id == back.id)))
    assert recused == {team["chair"].id}, "the conflict of interest declared on it was lost"
    assert db.session.get(Case, case_id).status is CaseStatus.SCHEDULED
    # Its submitter learns where it is now; nobody is told it waits in the pool.
    subjects = [m.subject for m in db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.recipient_id == back.case.submitter_id))]
    assert any("back on the agenda of" in s for s in subjects), subjects
    assert not any("taken off" in s for s in subjects), subjects
    details = [e.details for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "agenda.add", AuditEvent.object_id == later.id))]
    assert any(d.get("moved_back_from_meeting") == in_session.id for d in details)
    # The later agenda shows it as a change its members have not been sent yet.
    builder = client.get(f"/meetings/{later.id}/agenda").get_data(as_text=True)
    row = builder.split(f'id="item-{back.id}"', 1)[1].split("</li>", 1)[0]
    assert 'class="badge badge-scheduled">changed<' in row


def test_when_the_meeting_it_came_from_is_cancelled_the_case_waits_in_the_pool(client, login, team, in_session,
                                                                                create_meeting):
    later, case_id = _later_with_conflict(team, create_meeting)
    login(team["secretary"])
    moved = _moved_here(client, in_session, case_id)
    later = db.session.get(Meeting, later.id)
    later.status = MeetingStatus.CANCELLED
    db.session.commit()
    response = client.post(f"/meetings/{in_session.id}/items/{moved.id}/take-off")
    assert "back in the pool" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert case_id not in [i.case_id for i in db.session.get(Meeting, later.id).items]
    assert db.session.get(Case, case_id).status in POOL_STATUSES


def test_a_case_from_the_pool_taken_off_goes_back_to_the_pool(client, login, team, in_session, create_case):
    case = create_case()
    login(team["secretary"])
    moved = _moved_here(client, in_session, case.id)
    assert moved.moved_from_meeting_id is None
    page = client.get(f"/meetings/{in_session.id}/session?item={moved.id}").get_data(as_text=True)
    assert "It goes back to the pool" in page
    response = client.post(f"/meetings/{in_session.id}/items/{moved.id}/take-off")
    assert "back in the pool" in client.get(response.headers["Location"]).get_data(as_text=True)
