"""Agendas: proposals at submission, the secretary's builder, publication, conflicts."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.cases.models import CaseEvent, CaseStatus
from mtb.db import utcnow
from mtb.errors import ConflictError, InvalidInput, NotAllowed
from mtb.extensions import db
from mtb.meetings import cadence, display, lifecycle, panels, services
from mtb.meetings.models import AgendaItem, MeetingStatus
from mtb.meetings.pool import pool, pool_for, proposed_meetings
from mtb.notifications.models import NotificationKind, OutboxMessage
from tests.fixtures.meetings import NOW


def outbox(kind=None):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalars(query).all()


def entered(case, at):
    """Date the case's arrival in the pool (its submission) at ``at``."""
    case.submitted_at = at
    for event in case.events:
        if event.kind in ("submitted", "deferred"):
            event.at = at
    db.session.commit()
    return case


def test_submitted_case_waits_in_the_pool_proposed_for_the_next_meeting_whose_cutoff_has_not_passed(boards, create_case):
    meetings = cadence.generate_meetings(boards["thoracic"], NOW)
    db.session.commit()
    case = entered(create_case(), NOW)
    proposed = services.propose_for_next_meeting(case, now=NOW)
    db.session.commit()
    # Tuesday 2 March's cut-off (Sunday 13:00Z) has passed on Monday morning: the 9th takes it.
    assert proposed.starts_at == datetime(2027, 3, 9, 13, 0)
    assert case.status is CaseStatus.SUBMITTED
    assert not any(m.items for m in meetings)
    assert case in pool(boards["thoracic"].id)
    early = entered(create_case(), NOW - timedelta(days=2))
    assert services.propose_for_next_meeting(early, now=NOW - timedelta(days=2)).starts_at == datetime(2027, 3, 2, 13, 0)
    # Asked later, the early case is still proposed for the 2nd: it came before that cut-off.
    assert proposed_meetings([early, case], now=NOW - timedelta(hours=1)) == {
        early.id: meetings[0], case.id: meetings[1]}


def test_submitting_never_touches_a_published_agenda(boards, create_case, secretary):
    meeting = cadence.generate_meetings(boards["thoracic"], NOW)[1]
    first = entered(create_case(), NOW)
    services.add_case(meeting, first.id, secretary, meeting.agenda_version, now=NOW)
    services.publish_agenda(meeting, secretary, meeting.agenda_version, now=NOW)
    version = meeting.agenda_version
    later = entered(create_case(), NOW + timedelta(hours=1))
    assert services.propose_for_next_meeting(later, now=NOW + timedelta(hours=1)) is meeting
    assert [i.case for i in meeting.items] == [first]
    assert meeting.agenda_version == version and not meeting.has_unpublished_changes
    assert services.propose_for_next_meeting(first, now=NOW) is None  # already on an agenda


def test_case_returned_to_the_pool_is_proposed_from_the_time_it_came_back(boards, create_case, secretary):
    meetings = cadence.generate_meetings(boards["thoracic"], NOW)
    case = entered(create_case(), NOW)
    services.add_case(meetings[1], case.id, secretary, meetings[1].agenda_version, now=NOW)
    db.session.commit()
    lifecycle.cancel_meeting(meetings[1], secretary, "Room unavailable", now=NOW)
    db.session.commit()
    returned = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "submitted")
                                  .order_by(CaseEvent.id.desc())).first()
    returned.at = meetings[2].cutoff_at + timedelta(minutes=5)
    db.session.commit()
    assert case.status is CaseStatus.SUBMITTED
    assert proposed_meetings([case], now=NOW)[case.id] is meetings[3]


def test_withdrawn_case_leaves_open_agendas(boards, create_case, secretary):
    meeting = cadence.generate_meetings(boards["thoracic"], NOW)[1]
    case, other = create_case(), create_case()
    services.add_case(meeting, case.id, secretary, meeting.agenda_version, now=NOW)
    services.add_case(meeting, other.id, secretary, meeting.agenda_version, now=NOW)
    version = meeting.agenda_version
    assert services.remove_withdrawn_case(case) == 1
    db.session.commit()
    assert [i.case for i in meeting.items] == [other]
    assert meeting.items[0].position == 1 and meeting.agenda_version == version + 1


def test_agenda_builder_lists_cases_proposed_for_this_meeting_first_and_adds_them_all(
        client, login, secretary, boards, create_case):
    now = utcnow()
    meetings = cadence.generate_meetings(boards["thoracic"], now)
    this, following = meetings[1], meetings[2]
    overdue = entered(create_case(diagnosis="Overdue case"), meetings[0].cutoff_at - timedelta(days=1))
    here = entered(create_case(diagnosis="Proposed here"), this.cutoff_at - timedelta(hours=1))
    later = entered(create_case(diagnosis="Proposed later"), this.cutoff_at + timedelta(minutes=1))
    entries = pool_for(this, now)
    assert [e.case for e in entries] == [overdue, here, later]
    by_case = {e.case.id: e for e in entries}
    assert by_case[here.id].due and not by_case[here.id].overdue and by_case[here.id].proposed is this
    assert by_case[overdue.id].due and by_case[overdue.id].overdue and by_case[overdue.id].proposed is meetings[0]
    assert not by_case[later.id].due and by_case[later.id].proposed is following

    login(secretary)
    html = client.get(f"/meetings/{this.id}/agenda").get_data(as_text=True)
    pool_html = html[html.index('id="pool"'):html.index('id="agenda"')]
    assert pool_html.index(here.reference) < pool_html.index(later.reference)
    assert pool_html.index(overdue.reference) < pool_html.index(later.reference)
    assert "proposed for this meeting" in pool_html and "overdue" in pool_html
    assert "Add all 2 proposed cases" in pool_html
    assert "adding it here is a late addition" in pool_html

    db.session.refresh(this)
    r = client.post(f"/meetings/{this.id}/agenda/add-proposed", data={"version": this.agenda_version})
    assert r.status_code == 302
    db.session.refresh(this)
    assert {i.case_id for i in this.items} == {overdue.id, here.id}
    assert not any(i.late_addition for i in this.items)
    assert all(db.session.get(type(here), i.case_id).status is CaseStatus.SCHEDULED for i in this.items)
    assert [c.id for c in pool(this.board_id)] == [later.id]
    # Nothing left to add: the button goes, and a stale POST is explained.
    html = client.get(f"/meetings/{this.id}/agenda").get_data(as_text=True)
    assert "proposed case" not in html[html.index('id="pool"'):html.index('id="agenda"')]
    r = client.post(f"/meetings/{this.id}/agenda/add-proposed", data={"version": this.agenda_version})
    assert r.status_code == 422 and "No case in the pool is proposed for this meeting" in r.get_data(as_text=True)


def test_an_urgent_case_past_the_cutoff_is_proposed_for_the_next_meeting_as_a_late_addition(
        client, login, secretary, clinician, boards, create_case):
    """The case form promises "Urgent (next meeting, even past the cut-off)": the pool, the
    secretary's "add all proposed", the home page's counts and the clinician's case page agree."""
    now = utcnow()
    meetings = cadence.generate_meetings(boards["thoracic"], now)
    this, following = meetings[0], meetings[1]
    routine = entered(create_case(diagnosis="Routine, late"), this.cutoff_at + timedelta(minutes=1))
    urgent = entered(create_case(diagnosis="Urgent, late", urgency="urgent", submitter=clinician),
                     this.cutoff_at + timedelta(minutes=1))
    proposals = proposed_meetings([routine, urgent], now)
    assert proposals[routine.id] is following and proposals[urgent.id] is this
    assert panels.case_meetings(urgent, clinician).context["proposed"] is this
    # The home page counts them by the same rule (from columns, not these objects).
    db.session.commit()
    assert panels.next_meetings(secretary).context["proposed"] == {this.id: 1, following.id: 1}

    added = services.add_all_proposed(this, secretary, this.agenda_version, now=now)
    assert [item.case_id for item in added] == [urgent.id] and added[0].late_addition
    assert [c.id for c in pool(this.board_id)] == [routine.id]


def test_case_arrived_after_the_cutoff_added_anyway_is_a_late_addition(boards, create_case, secretary):
    now = utcnow()
    meeting = cadence.generate_meetings(boards["thoracic"], now)[1]
    in_time = entered(create_case(), meeting.cutoff_at - timedelta(hours=1))
    late = entered(create_case(urgency="urgent"), meeting.cutoff_at + timedelta(hours=1))
    assert not services.add_case(meeting, in_time.id, secretary, meeting.agenda_version, now=now).late_addition
    assert services.add_case(meeting, late.id, secretary, meeting.agenda_version, now=now).late_addition


def test_case_panel_says_which_meeting_the_case_is_proposed_for(client, login, clinician, boards, create_case):
    now = utcnow()
    meetings = cadence.generate_meetings(boards["thoracic"], now)
    case = entered(create_case(submitter=clinician), meetings[1].cutoff_at - timedelta(hours=2))
    panel = panels.case_meetings(case, clinician)
    assert panel.context["in_pool"] and panel.context["proposed"] is meetings[1]
    login(clinician)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    from mtb.formatting import local_datetime

    assert f"Proposed for the meeting of {local_datetime(meetings[1].starts_at, 'Europe/Paris')}" in html


def test_home_shows_secretaries_how_many_cases_are_proposed_per_meeting(client, login, secretary, member, boards,
                                                                        create_case):
    now = utcnow()
    meetings = cadence.generate_meetings(boards["thoracic"], now)
    for _ in range(2):
        entered(create_case(), meetings[1].cutoff_at - timedelta(hours=2))
    db.session.commit()
    section = panels.next_meetings(secretary)
    assert section.context["proposed"] == {meetings[1].id: 2}
    login(secretary)
    assert "+2 proposed" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(member)
    assert panels.next_meetings(member).context["proposed"] == {}
    assert "+2 proposed" not in client.get("/").get_data(as_text=True)


def test_pool_holds_submitted_and_deferred_cases_on_no_open_agenda(boards, create_case, make_user):
    waiting, deferred, draft = create_case(), create_case(status="deferred"), create_case(status="draft")
    placed = create_case()
    meeting = cadence.generate_meetings(boards["thoracic"], NOW)[1]
    services.add_case(meeting, placed.id, None, meeting.agenda_version, now=NOW)
    create_case(board="dermatology", submitter=make_user(roles={"dermatology": ["clinician"]}))
    assert {c.id for c in pool(boards["thoracic"].id)} == {waiting.id, deferred.id}
    assert draft.status is CaseStatus.DRAFT


def test_secretary_cannot_add_a_withdrawn_case(create_meeting, create_case, secretary):
    meeting = create_meeting()
    case = create_case(status="withdrawn")
    with pytest.raises(InvalidInput, match="withdrawn"):
        services.add_case(meeting, case.id, secretary, meeting.agenda_version)


def test_urgent_case_added_past_the_cutoff_is_a_late_addition(create_meeting, create_case, secretary):
    meeting = create_meeting(starts_at=utcnow() + timedelta(hours=20))  # cut-off 48 h before: passed
    item = services.add_case(meeting, create_case(urgency="urgent").id, secretary, meeting.agenda_version)
    assert item.late_addition and item.case.status is CaseStatus.SCHEDULED


def test_stale_agenda_version_is_a_conflict_never_an_overwrite(create_meeting, create_case, secretary):
    meeting = create_meeting()
    a, b = create_case(), create_case()
    loaded = meeting.agenda_version
    services.add_case(meeting, a.id, secretary, loaded)
    db.session.commit()
    with pytest.raises(ConflictError):
        services.add_case(meeting, b.id, secretary, loaded)


def test_agenda_builder_shows_pool_and_agenda_with_time_bar(client, login, secretary, create_meeting, create_case):
    meeting = create_meeting(duration_minutes=15)
    on = create_case(diagnosis="Lung adenocarcinoma EGFR")
    waiting = create_case(diagnosis="NSCLC with ALK fusion",
                          biomarkers=[{"kind": "fusion", "gene": "EML4", "gene_3p": "ALK"}])
    services.add_case(meeting, on.id, secretary, meeting.agenda_version)
    services.update_item(meeting, meeting.items[0].id, secretary, meeting.agenda_version, minutes=20, presenter_id=None)
    login(secretary)
    response = client.get(f"/meetings/{meeting.id}/agenda")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert waiting.reference in html and "EML4::ALK" in html and on.reference in html
    assert 'class="timebar over"' in html and "5 minutes over" in html
    assert "Jeanne Martin" not in html  # references only, never patient names


def test_secretary_builds_agenda_without_javascript(client, login, secretary, create_meeting, create_case, chair):
    meeting = create_meeting()
    a, b, c = create_case(), create_case(), create_case()
    login(secretary)
    for case in (a, b, c):
        db.session.refresh(meeting)
        r = client.post(f"/meetings/{meeting.id}/agenda/add", data={"case_id": case.id, "version": meeting.agenda_version})
        assert r.status_code == 302
    db.session.refresh(meeting)
    third = meeting.items[2]
    r = client.post(f"/meetings/{meeting.id}/agenda/move",
                    data={"item_id": third.id, "direction": "up", "version": meeting.agenda_version})
    assert r.status_code == 302
    db.session.refresh(meeting)
    assert [i.case_id for i in meeting.items] == [a.id, c.id, b.id]
    r = client.post(f"/meetings/{meeting.id}/agenda/item", data={
        "item_id": meeting.items[0].id, "minutes": "25", "presenter_id": chair.id, "version": meeting.agenda_version})
    assert r.status_code == 302
    db.session.refresh(meeting)
    assert meeting.items[0].minutes == 25 and meeting.items[0].presenter_id == chair.id
    r = client.post(f"/meetings/{meeting.id}/agenda/remove",
                    data={"item_id": meeting.items[2].id, "version": meeting.agenda_version})
    assert r.status_code == 302
    db.session.refresh(meeting)
    db.session.refresh(b)
    assert [i.case_id for i in meeting.items] == [a.id, c.id]
    assert b.status is CaseStatus.SUBMITTED and b in pool(meeting.board_id)


def test_drag_and_drop_order_is_saved_in_one_post(client, login, secretary, create_meeting, create_case):
    meeting = create_meeting()
    items = [services.add_case(meeting, create_case().id, secretary, meeting.agenda_version) for _ in range(3)]
    db.session.commit()
    login(secretary)
    order = [items[2].id, items[0].id, items[1].id]
    r = client.post(f"/meetings/{meeting.id}/agenda/reorder",
                    data={"order": ",".join(map(str, order)), "version": meeting.agenda_version})
    assert r.status_code == 302
    db.session.refresh(meeting)
    assert [i.id for i in meeting.items] == order and [i.position for i in meeting.items] == [1, 2, 3]


def test_second_secretary_saving_gets_a_conflict_and_the_current_agenda(client, login, secretary, make_user,
                                                                           create_meeting, create_case):
    meeting = create_meeting()
    a, b = create_case(), create_case()
    seen_version = meeting.agenda_version
    other = make_user("second.secretary@example.org", {"thoracic": ["secretary"]})
    login(other)
    assert client.post(f"/meetings/{meeting.id}/agenda/add", data={"case_id": a.id, "version": seen_version}).status_code == 302
    client.post("/logout")
    login(secretary)
    response = client.post(f"/meetings/{meeting.id}/agenda/add", data={"case_id": b.id, "version": seen_version})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this agenda" in html
    assert a.reference in html  # the current agenda is shown
    db.session.refresh(meeting)
    assert [i.case_id for i in meeting.items] == [a.id]


def test_bad_minutes_are_shown_next_to_the_field_with_the_typed_value(client, login, secretary, create_meeting, create_case):
    meeting = create_meeting()
    item = services.add_case(meeting, create_case().id, secretary, meeting.agenda_version)
    db.session.commit()
    login(secretary)
    response = client.post(f"/meetings/{meeting.id}/agenda/item",
                           data={"item_id": item.id, "minutes": "999", "presenter_id": "", "version": meeting.agenda_version})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="999"' in html and "between 1 and 240 minutes" in html
    db.session.refresh(item)
    assert item.minutes == 10


def test_presenter_must_belong_to_the_board(create_meeting, create_case, secretary, make_user):
    meeting = create_meeting()
    item = services.add_case(meeting, create_case().id, secretary, meeting.agenda_version)
    outsider = make_user(roles={"dermatology": ["member"]})
    with pytest.raises(InvalidInput) as error:
        services.update_item(meeting, item.id, secretary, meeting.agenda_version, minutes=10, presenter_id=outsider.id)
    assert error.value.field == "presenter_id"


def test_publishing_freezes_agenda_and_tells_members_and_submitters(client, login, secretary, member, chair,
                                                                      create_meeting, create_case):
    meeting = create_meeting()
    case = create_case()
    services.add_case(meeting, case.id, secretary, meeting.agenda_version)
    db.session.commit()
    login(secretary)
    r = client.post(f"/meetings/{meeting.id}/agenda/publish", data={"version": meeting.agenda_version})
    assert r.status_code == 302
    db.session.refresh(meeting)
    assert meeting.status is MeetingStatus.PUBLISHED and meeting.agenda_publications == 1
    assert not meeting.has_unpublished_changes
    messages = outbox(NotificationKind.AGENDA_PUBLISHED)
    recipients = {m.to_address for m in messages}
    assert recipients == {secretary.email, member.email, chair.email, case.submitter.email}
    to_submitter = next(m for m in messages if m.to_address == case.submitter.email)
    assert f"Your case {case.reference} is number 1" in to_submitter.body
    assert "http://mtb.test/meetings/" in to_submitter.body

    # A later change is marked, and needs an explicit re-publication.
    other = create_case()
    db.session.refresh(meeting)
    client.post(f"/meetings/{meeting.id}/agenda/add", data={"case_id": other.id, "version": meeting.agenda_version})
    db.session.refresh(meeting)
    assert meeting.has_unpublished_changes and display.change_marks(meeting) == {meeting.items[1].id}
    assert not outbox(NotificationKind.AGENDA_CHANGED)
    client.post(f"/meetings/{meeting.id}/agenda/publish", data={"version": meeting.agenda_version})
    changed = outbox(NotificationKind.AGENDA_CHANGED)
    assert len(changed) == 4 and all(f"{other.reference}  (10 min) *" in m.body for m in changed if m.to_address == member.email)


def test_publishing_an_empty_agenda_is_refused_with_an_explanation(create_meeting, secretary):
    meeting = create_meeting()
    with pytest.raises(InvalidInput, match="empty"):
        services.publish_agenda(meeting, secretary, meeting.agenda_version)


def test_member_sees_not_yet_published_then_the_agenda(client, login, member, secretary, create_meeting, create_case):
    meeting = create_meeting()
    case = create_case(clinical_question="Is there a trial for EGFR exon 20?")
    services.add_case(meeting, case.id, secretary, meeting.agenda_version)
    db.session.commit()
    login(member)
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Agenda not yet published" in html and case.reference not in html
    services.publish_agenda(meeting, secretary, meeting.agenda_version)
    response = client.get(f"/meetings/{meeting.id}")
    html = response.get_data(as_text=True)
    assert case.reference in html and "Is there a trial for EGFR exon 20?" in html
    assert "Agenda not yet published" not in html
    [viewed] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "meeting.agenda_view")).all()
    assert viewed.details["cases"] == [case.reference]  # by reference: "who saw this patient" finds it


def test_members_and_other_boards_cannot_use_the_agenda_builder(client, login, member, make_user, create_meeting):
    meeting = create_meeting()
    login(member)
    assert client.get(f"/meetings/{meeting.id}/agenda").status_code == 403
    assert client.post(f"/meetings/{meeting.id}/agenda/publish", data={"version": 1}).status_code == 403
    client.post("/logout")
    # Another board's meeting answers like a meeting that does not exist (as cases do).
    login(make_user("derm.secretary@example.org", {"dermatology": ["secretary"]}))
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    assert client.get(f"/meetings/{meeting.id}/agenda").status_code == 404
    assert client.get(f"/meetings/{meeting.id}.ics").status_code == 404
    assert client.post(f"/meetings/{meeting.id}/agenda/publish", data={"version": 1}).status_code == 404
    assert client.get(f"/meetings/{meeting.id}/move").status_code == 404
    assert client.get("/meetings/999999").status_code == 404


def test_carry_over_moves_undiscussed_cases_to_next_meeting_and_tells_submitters(boards, create_case, secretary):
    meetings = cadence.generate_meetings(boards["thoracic"], NOW)
    past, nxt = meetings[0], meetings[1]
    discussed, pending = create_case(), create_case()
    for case in (discussed, pending):
        services.new_item(past, case)
    past.items[0].outcome = past.items[0].outcome.DISCUSSED
    db.session.commit()
    carried = lifecycle.carry_over_undiscussed(past, now=past.starts_at + timedelta(hours=3))
    db.session.commit()
    assert [i.case for i in carried] == [pending]
    assert carried[0].meeting is nxt and carried[0].carried_over_from_id == past.id
    assert pending.status is CaseStatus.SCHEDULED
    kinds = [e.kind for e in db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == pending.id))]
    assert "carried_over" in kinds
    mail = outbox(NotificationKind.CASE_CARRIED_OVER)
    assert len(mail) == 1 and pending.reference in mail[0].subject
    # Carrying over again does nothing more.
    assert lifecycle.carry_over_undiscussed(past, now=past.starts_at + timedelta(hours=3)) == []


def test_meeting_never_started_is_closed_and_its_cases_carried_over(boards, create_case):
    meetings = cadence.generate_meetings(boards["thoracic"], NOW)
    first = meetings[0]
    case = create_case()
    services.new_item(first, case)
    db.session.commit()
    assert lifecycle.close_stale_meetings(first.ends_at + timedelta(hours=11)) == []
    closed = lifecycle.close_stale_meetings(first.ends_at + timedelta(hours=13))
    assert closed == [first] and first.status is MeetingStatus.CLOSED
    item = db.session.scalar(sa.select(AgendaItem).where(AgendaItem.case_id == case.id, AgendaItem.meeting_id != first.id))
    assert item.meeting is meetings[1]


def test_agenda_change_mail_marks_every_item_that_moved_in_place_or_time(boards, create_case, secretary, member):
    meeting = cadence.generate_meetings(boards["thoracic"], NOW)[1]
    a, b, c, d = (create_case() for _ in range(4))
    for case in (a, b, c, d):
        services.add_case(meeting, case.id, secretary, meeting.agenda_version, now=NOW)
    services.publish_agenda(meeting, secretary, meeting.agenda_version, now=NOW)
    db.session.commit()
    items = {i.case_id: i for i in meeting.items}
    # b and c swap places (one click on c's "up"): both moved.
    services.move_item(meeting, items[c.id].id, "up", secretary, meeting.agenda_version, now=NOW)
    assert display.change_marks(meeting) == {items[b.id].id, items[c.id].id}
    # a gets longer: a keeps its place and start, every later case starts later.
    services.update_item(meeting, items[a.id].id, secretary, meeting.agenda_version, minutes=15, presenter_id=None, now=NOW)
    assert display.change_marks(meeting) == {items[x.id].id for x in (a, b, c, d)}
    services.update_item(meeting, items[a.id].id, secretary, meeting.agenda_version, minutes=10, presenter_id=None, now=NOW)
    assert display.change_marks(meeting) == {items[b.id].id, items[c.id].id}
    services.publish_agenda(meeting, secretary, meeting.agenda_version, now=NOW)
    db.session.commit()
    body = next(m.body for m in outbox(NotificationKind.AGENDA_CHANGED) if m.to_address == member.email)
    marked = {line.split()[2] for line in body.splitlines() if line.endswith(" *")}
    assert marked == {b.reference, c.reference}
    assert f"1. 14:00  {a.reference}  (10 min)" in body

    # Swapping back and forth before publishing again: nothing differs from what members have.
    services.move_item(meeting, items[b.id].id, "up", secretary, meeting.agenda_version, now=NOW)
    services.move_item(meeting, items[b.id].id, "down", secretary, meeting.agenda_version, now=NOW)
    assert display.pending_changes(meeting) == set()
    # The marks of the last re-publication stay visible until the next one.
    assert display.change_marks(meeting) == {items[b.id].id, items[c.id].id}


def test_locked_agenda_says_why_in_plain_words(client, login, secretary, create_meeting, create_case):
    meeting = create_meeting(status=MeetingStatus.SIGNED, starts_at=utcnow() - timedelta(days=3))
    login(secretary)
    html = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert "The meeting is over and its minutes are signed." in html
    assert "the meeting is minutes signed" not in html
    with pytest.raises(InvalidInput, match="its minutes are signed"):
        services.add_case(meeting, create_case().id, secretary, meeting.agenda_version)
    started = create_meeting(starts_at=utcnow() - timedelta(minutes=5))
    html = client.get(f"/meetings/{started.id}/agenda").get_data(as_text=True)
    assert "The meeting has started" in html and "the meeting is scheduled" not in html


def test_minutes_error_outlines_only_the_minutes_field(client, login, secretary, create_meeting, create_case):
    meeting = create_meeting()
    item = services.add_case(meeting, create_case().id, secretary, meeting.agenda_version)
    db.session.commit()
    login(secretary)
    html = client.post(f"/meetings/{meeting.id}/agenda/item", data={
        "item_id": item.id, "minutes": "0", "presenter_id": "", "version": meeting.agenda_version}).get_data(as_text=True)
    row = html[html.index(f'id="item-{item.id}"') - 200:html.index(f'id="item-{item.id}"') + 4000]
    # The shared stylesheet outlines every field inside a .has-error block: only the
    # minutes field's own block may carry it, not the whole agenda row.
    assert 'class="agenda-item item-error"' in row
    assert row.count("has-error") == 1
    minutes_block = row[row.index("has-error"):row.index(f'id="presenter-{item.id}"')]
    assert f'id="minutes-{item.id}"' in minutes_block
    presenter = row[row.index(f'<select id="presenter-{item.id}"'):]
    assert "aria-invalid" not in presenter[:presenter.index(">")]


def test_only_the_boards_secretaries_change_an_agenda_even_through_the_services(
        create_meeting, create_case, member, chair, make_user):
    meeting = create_meeting()
    item = services.add_case(meeting, create_case().id, None, meeting.agenda_version)  # the system may
    other_board_secretary = make_user("derm.secretary@example.org", {"dermatology": ["secretary"]})
    for user in (member, chair, other_board_secretary):
        with pytest.raises(NotAllowed, match="secretary of the board"):
            services.add_case(meeting, create_case().id, user, meeting.agenda_version)
        with pytest.raises(NotAllowed):
            services.remove_item(meeting, item.id, user, meeting.agenda_version)
        with pytest.raises(NotAllowed):
            services.publish_agenda(meeting, user, meeting.agenda_version)
    assert [i.id for i in meeting.items] == [item.id] and not meeting.has_published_agenda


def test_agenda_rows_print_findings_as_every_page_does_with_the_negative_panel_last(create_case):
    from mtb.cases.briefs import summary_of

    case = create_case(biomarkers=[
        {"kind": "negative", "not_detected": ["EGFR", "ALK"]},
        {"kind": "variant", "gene": "BRAF", "transcript": "NM_004333.6", "hgvs_c": "c.1799T>A", "hgvs_p": "p.Val600Glu"},
        {"kind": "fusion", "gene_3p": "ROS1", "partner_unknown": True},
    ])
    assert summary_of(case.biomarkers) == ("BRAF NM_004333.6:c.1799T>A p.Val600Glu; ROS1 rearrangement, partner unknown; "
                                       "Not detected: EGFR, ALK")
    assert summary_of(case.biomarkers, limit=1) == "BRAF NM_004333.6:c.1799T>A p.Val600Glu (+2)"


def test_agenda_rows_read_from_rows_print_what_the_objects_print(create_case):
    """The agenda pages print their forty cases' findings from rows (``display.summaries``):
    the same line as from the objects, a TMB with its report's panel included."""
    from decimal import Decimal

    from mtb.cases.findings import Biomarker, MolecularReport
    from mtb.cases.briefs import summary_of
    from mtb.meetings.display import summaries

    case = create_case(biomarkers=[
        {"kind": "negative", "not_detected": ["EGFR", "ALK"]},
        {"kind": "cnv", "gene": "MET", "cnv_type": "amplification", "copy_number": Decimal("9")},
    ])
    report = MolecularReport(position=0, assay="TSO500")
    case.reports.append(report)
    case.biomarkers.append(Biomarker(position=2, kind="tmb", tmb=Decimal("14.20"), report=report))
    other = create_case(biomarkers=[{"kind": "variant", "gene": "KRAS", "hgvs_p": "p.Gly12Cys"}])
    db.session.commit()
    db.session.expire_all()
    assert "TMB 14.2 mut/Mb (TSO500)" in summary_of(case.biomarkers)
    assert summaries([case, other]) == {case.id: summary_of(case.biomarkers), other.id: summary_of(other.biomarkers)}


def test_the_cutoff_keeps_its_clock_time_when_the_clocks_change_before_the_meeting(create_meeting, create_case, client,
                                                                                  login, secretary):
    # Paris moves to summer time on Sunday 28 March 2027: 120 h before Thursday 1 April,
    # 14:00, is Saturday 27 March at 14:00 on the board's clock (13:00 UTC), not at 13:00.
    meeting = create_meeting("thoracic", starts_at=datetime(2027, 4, 1, 12, 0), cutoff_hours=120)
    assert meeting.cutoff_at == datetime(2027, 3, 27, 13, 0)
    in_time = entered(create_case(), datetime(2027, 3, 27, 12, 30))  # 13:30 in Paris: before the cut-off
    assert proposed_meetings([in_time], now=datetime(2027, 3, 20))[in_time.id] is meeting

    login(secretary)
    html = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    assert "Cut-off Sat 27 Mar 2027, 14:00" in html


def test_moving_a_published_meeting_asks_for_no_second_publication(boards, create_case, secretary):
    """The move's e-mail gives everyone the new time: the agenda's cases are not all marked
    "changed", waiting for a publication that would tell everyone a second time."""
    meeting = cadence.generate_meetings(boards["thoracic"], NOW)[1]
    for case in (create_case(), create_case()):
        services.add_case(meeting, case.id, secretary, meeting.agenda_version, now=NOW)
    services.publish_agenda(meeting, secretary, meeting.agenda_version, now=NOW)
    db.session.commit()
    local = meeting.starts_at.replace(tzinfo=UTC).astimezone(ZoneInfo(meeting.board.timezone))
    lifecycle.move_meeting(meeting, secretary, day=local.date(), at=(local + timedelta(hours=1)).time(),
                           duration_minutes=meeting.duration_minutes, location=meeting.location,
                           video_link=meeting.video_link, now=NOW)
    assert display.pending_changes(meeting) == set()
    assert not meeting.has_unpublished_changes
