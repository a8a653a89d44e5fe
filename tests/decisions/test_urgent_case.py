"""The meeting day: an urgent case brought to a meeting already in session goes at the end
of its agenda, from the pool or moved from a later agenda, and its submitter is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.cases.models import Case, CaseStatus
from mtb.decisions import live
from mtb.extensions import db
from mtb.meetings.models import AgendaItem, Meeting, MeetingStatus
from mtb.notifications.models import OutboxMessage


def _add(client, meeting, case_id, item=None):
    data = {"late-case_id": str(case_id)}
    if item is not None:
        data["item"] = str(item.id)
    return client.post(f"/meetings/{meeting.id}/session/add-case", data=data)


def test_an_urgent_case_from_the_pool_goes_at_the_end_of_the_agenda_and_its_submitter_is_told(
        client, login, team, in_session, create_case):
    urgent = create_case(urgency="urgent", patient_name="Paul Urgent")
    first = in_session.items[0]
    login(team["secretary"])
    page = client.get(f"/meetings/{in_session.id}/session?item={first.id}").get_data(as_text=True)
    assert "Add an urgent case" in page and f"{urgent.reference} · urgent · Lung adenocarcinoma" in page
    assert "Paul Urgent" not in page  # the list names cases, not patients (only the case discussed is audited)

    followed = live.stamp(in_session)
    response = _add(client, in_session, urgent.id, item=first)
    assert response.status_code == 302
    # The page stays on the case being discussed.
    assert f"item={first.id}" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Case {urgent.reference} added at the end of the agenda (number 3)." in page

    meeting = db.session.get(Meeting, in_session.id)
    assert live.stamp(meeting) != followed  # the members' live view reloads with the new case
    last = meeting.items[-1]
    assert [i.case_id for i in meeting.items][-1] == urgent.id and last.late_addition
    assert db.session.get(Case, urgent.id).status is CaseStatus.SCHEDULED
    mail = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient_id == urgent.submitter_id)).all()
    assert len(mail) == 1 and "in session now" in mail[0].subject and "Paul Urgent" not in mail[0].body
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "agenda.add"))
    assert event.details["case"] == urgent.reference and event.details["during_session"] is True


def test_a_case_on_a_later_agenda_is_moved_to_the_meeting_in_session(
        client, login, team, in_session, create_meeting):
    later = create_meeting(starts_in=timedelta(days=7), status=MeetingStatus.PUBLISHED, n_cases=2)
    moved = later.items[1].case
    version = later.agenda_version
    login(team["chair"])  # the chair runs the session too
    page = client.get(f"/meetings/{in_session.id}/session").get_data(as_text=True)
    assert f"{moved.reference} · " in page and "on the agenda of" in page

    assert _add(client, in_session, moved.id).status_code == 302
    later = db.session.get(Meeting, later.id)
    assert [i.case_id for i in later.items] == [later.items[0].case_id] and later.items[0].position == 1
    assert later.agenda_version == version + 1  # the later agenda shows unpublished changes
    assert db.session.get(Meeting, in_session.id).items[-1].case_id == moved.id


@pytest.mark.parametrize("which, message", [
    ("nothing", "Choose the case to add."),
    ("other board", "Choose a case of this board."),
    ("already here", "is already on this agenda."),
    ("withdrawn", "was withdrawn by its submitter"),
    ("draft", "is draft, not waiting for a meeting."),
])
def test_a_case_that_cannot_be_added_is_refused_next_to_the_field(
        client, login, team, in_session, create_case, which, message):
    case_id = {
        "nothing": lambda: "",
        "other board": lambda: create_case(board="dermatology").id,
        "already here": lambda: in_session.items[0].case_id,
        "withdrawn": lambda: create_case(status="withdrawn").id,
        "draft": lambda: create_case(status="draft").id,
    }[which]()
    count = len(in_session.items)
    login(team["secretary"])
    response = _add(client, in_session, case_id)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="late-case_id-error"' in html and message in html
    assert len(db.session.get(Meeting, in_session.id).items) == count


def test_nothing_is_added_to_a_meeting_not_in_session(client, login, team, started_meeting, create_case):
    meeting = started_meeting(n_cases=1)  # its time has come, but nobody started it
    case = create_case()
    login(team["secretary"])
    assert "Add an urgent case" not in client.get(f"/meetings/{meeting.id}/session").get_data(as_text=True)
    response = _add(client, meeting, case.id)
    assert response.status_code == 302
    assert "only while the meeting is in session" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaItem).where(
        AgendaItem.case_id == case.id)) == 0


def test_the_minutes_say_which_case_was_added_during_the_meeting(team, in_session, create_case):
    from mtb.meetings import services as agendas
    from mtb.minutes.context import minutes_context
    from mtb.minutes.rendering import document_time

    urgent = create_case(urgency="urgent")
    agendas.add_during_session(in_session, urgent.id, team["secretary"])
    db.session.commit()
    items = minutes_context(in_session, team["chair"], document_time())["items"]
    assert [it.get("added_in_session", False) for it in items] == [False, False, True]
