"""Two people editing one decision: no lost update, whether they save one after the other
or at the same moment; the page that refuses a save keeps what was typed and shows the
saved version. Also: the pages re-shown after a failed POST are audited, and ids in query
strings beyond the database's integer range are a 404, never a 500."""

from __future__ import annotations

import re
from html import unescape

import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.decisions import services
from mtb.decisions.models import Decision, DecisionStatus
from mtb.decisions.queries import latest_decision
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from tests.decisions.helpers import form_post, targeted

HUGE = "99999999999999"


def _row_version(html: str) -> str:
    match = re.search(r'<input[^>]*name="row_version"[^>]*>', html)
    assert match, "no row_version field"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def _as(client, login, user):
    client.post("/logout")
    login(user)


def _decision_url(meeting, item):
    return f"/meetings/{meeting.id}/items/{item.id}/decision"


def _commit_elsewhere(statement):
    """What another request commits meanwhile: its own connection and transaction."""
    with db.engine.begin() as connection:
        connection.execute(statement)


def _first_decision_elsewhere(item, summary):
    return sa.insert(Decision.__table__).values(
        agenda_item_id=item.id, meeting_id=item.meeting_id, case_id=item.case_id, board_id=item.meeting.board_id,
        version=1, status=DecisionStatus.DRAFT, summary=summary, quorum_met=False, quorum_missing=[],
    )


def _audits(action):
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_chair_saving_after_secretary_on_a_new_item_sees_her_draft_and_keeps_his_text(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    # Both open the item before anyone saved: their forms expect no decision.
    _as(client, login, team["secretary"])
    assert _row_version(client.get(f"/meetings/{meeting.id}/session?item={item.id}").get_data(as_text=True)) == ""
    saved = client.post(_decision_url(meeting, item), data=form_post(
        "Secretary's draft: osimertinib", [targeted(item.case)], row_version=""))
    assert saved.status_code == 302

    _as(client, login, team["chair"])
    refused = client.post(_decision_url(meeting, item), data=form_post(
        "Chair's text: add savolitinib", [targeted(item.case, drug="Osimertinib + savolitinib")], row_version=""))
    html = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 409
    assert "Someone else saved the decision on this case" in html
    # His typed values are in the form; her saved draft is shown beside them.
    assert "Chair's text: add savolitinib" in html and 'value="Osimertinib + savolitinib"' in html
    assert "Saved version" in html and "Secretary's draft: osimertinib" in html
    latest = latest_decision(item)
    assert latest.summary == "Secretary's draft: osimertinib"

    # Having seen her draft, saving again replaces it on purpose.
    assert _row_version(html) == str(latest.row_version)
    again = client.post(_decision_url(meeting, item), data=form_post(
        "Chair's text: add savolitinib", [targeted(item.case)], row_version=_row_version(html)))
    assert again.status_code == 302
    db.session.expire_all()
    assert latest_decision(item).summary == "Chair's text: add savolitinib"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 1


def test_a_form_without_row_version_does_not_overwrite_a_saved_draft(team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    services.save_draft(item, team["secretary"], "First", [targeted(item.case)])
    db.session.commit()
    try:
        services.save_draft(item, team["chair"], "Second", [targeted(item.case)], row_version=None)
    except services.ConflictError:
        db.session.rollback()
    else:
        raise AssertionError("a save expecting no decision replaced the saved draft")
    assert latest_decision(item).summary == "First"


def test_two_first_saves_at_the_same_moment_are_a_conflict_not_a_500(client, login, team, started_meeting, monkeypatch):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    real_check = services.check_decision

    def secretary_commits_first(*args, **kwargs):
        # Both requests read "no decision yet"; hers commits before his INSERT.
        _commit_elsewhere(_first_decision_elsewhere(item, "Secretary's simultaneous draft"))
        return real_check(*args, **kwargs)

    monkeypatch.setattr(services, "check_decision", secretary_commits_first)
    _as(client, login, team["chair"])
    response = client.post(_decision_url(meeting, item), data=form_post("Chair's simultaneous text", [targeted(item.case)]))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "Chair's simultaneous text" in html and "Secretary's simultaneous draft" in html
    summaries = db.session.scalars(sa.select(Decision.summary)).all()
    assert summaries == ["Secretary's simultaneous draft"]


def test_two_updates_of_a_draft_at_the_same_moment_are_a_conflict(client, login, team, started_meeting, monkeypatch):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    draft = services.save_draft(item, team["secretary"], "Draft v1", [targeted(item.case)])
    db.session.commit()
    loaded = str(draft.row_version)
    real_check = services.check_decision

    def secretary_updates_first(*args, **kwargs):
        # His request passed the row_version check; her UPDATE commits before his.
        _commit_elsewhere(sa.update(Decision.__table__).where(Decision.__table__.c.id == draft.id)
                          .values(summary="Secretary's simultaneous edit", row_version=Decision.__table__.c.row_version + 1))
        return real_check(*args, **kwargs)

    monkeypatch.setattr(services, "check_decision", secretary_updates_first)
    _as(client, login, team["chair"])
    response = client.post(_decision_url(meeting, item), data=form_post(
        "Chair's simultaneous edit", [targeted(item.case)], row_version=loaded))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "Chair's simultaneous edit" in html and "Secretary's simultaneous edit" in html
    db.session.expire_all()
    assert latest_decision(item).summary == "Secretary's simultaneous edit"


def _validated(team, meeting):
    item = meeting.items[0]
    decision = services.save_draft(item, team["secretary"], "Validated summary", [targeted(item.case)])
    services.validate(decision, team["chair"])
    db.session.commit()
    return item, decision


def test_a_second_correction_of_the_same_version_is_a_conflict_that_keeps_the_text(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item, decision = _validated(team, meeting)
    _as(client, login, team["secretary"])
    assert client.post(f"/decisions/{decision.id}/correct", data=form_post(
        "Secretary's correction", [targeted(item.case)], correction_reason="Typo")).status_code == 302

    _as(client, login, team["chair"])
    response = client.post(f"/decisions/{decision.id}/correct", data=form_post(
        "Chair's correction", [targeted(item.case)], correction_reason="Wrong tier"))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "Someone else started a correction" in html
    assert "Chair's correction" in html and "Wrong tier" in html
    newer = latest_decision(item)
    assert newer.version == 2 and newer.summary == "Secretary's correction"
    assert f"/decisions/{newer.id}" in html


def test_two_corrections_at_the_same_moment_are_a_conflict_not_a_500(client, login, team, started_meeting, monkeypatch):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item, decision = _validated(team, meeting)
    real_check = services.check_decision
    other = _first_decision_elsewhere(item, "Secretary's simultaneous correction").values(
        version=2, correction_reason="Typo")

    def secretary_corrects_first(*args, **kwargs):
        _commit_elsewhere(other)
        return real_check(*args, **kwargs)

    monkeypatch.setattr(services, "check_decision", secretary_corrects_first)
    _as(client, login, team["chair"])
    response = client.post(f"/decisions/{decision.id}/correct", data=form_post(
        "Chair's simultaneous correction", [targeted(item.case)], correction_reason="Wrong tier"))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "Chair's simultaneous correction" in html and "Someone else started a correction" in html
    assert db.session.scalars(sa.select(Decision.summary).where(Decision.version == 2)).all() == [
        "Secretary's simultaneous correction"]


def test_the_correction_page_is_audited_as_a_read_of_the_decision(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item, decision = _validated(team, meeting)
    _as(client, login, team["chair"])
    assert client.get(f"/decisions/{decision.id}/correct").status_code == 200
    [event] = _audits("decision.view")
    assert event.object_id == decision.id and event.user_id == team["chair"].id
    assert event.details["case"] == item.case.reference


def test_a_failed_decision_post_that_shows_the_case_again_is_audited(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[1]
    _as(client, login, team["secretary"])
    response = client.post(_decision_url(meeting, item), data=form_post("", [targeted(item.case)]))
    assert response.status_code == 200 and "Summarise the discussion" in response.get_data(as_text=True)
    [event] = _audits("meeting.session_view")
    assert event.user_id == team["secretary"].id and event.details["case"] == item.case.reference


def test_huge_numbers_in_query_strings_are_not_found_or_the_first_page(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    _as(client, login, team["secretary"])
    assert client.get(f"/meetings/{meeting.id}/session?item={HUGE}").status_code == 404
    assert client.get(f"/meetings/{meeting.id}/session?item=-{HUGE}").status_code == 404
    assert client.get(f"/decisions?page={HUGE}").status_code == 200
    assert client.get(f"/decisions?board=thoracic&page=-{HUGE}").status_code == 200
    # A form's item field too: the guest is added, the page does not fail.
    response = client.post(f"/meetings/{meeting.id}/guests", data={
        "item": HUGE, "guest-guest_name": "Dr Guest", "guest-guest_role": "Research nurse"})
    assert response.status_code == 302
    failed = client.post(f"/meetings/{meeting.id}/guests", data={"item": HUGE, "guest-guest_name": ""})
    assert failed.status_code == 422
    assert client.post(f"/meetings/{meeting.id}/attendance", data={"item": HUGE}).status_code == 302


def test_edits_sent_after_the_chair_validated_meanwhile_come_back_in_the_form(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    draft = services.save_draft(item, team["secretary"], "First text", [targeted(item.case)])
    db.session.commit()
    loaded_version = str(draft.row_version)  # the secretary's form is open with this version
    services.validate(draft, team["chair"])  # the chair validates from the review page meanwhile
    db.session.commit()
    _as(client, login, team["secretary"])
    typed = form_post("A long rewritten summary I do not want to lose",
                      [targeted(item.case, rationale="Rationale-typed-by-secretary")], row_version=loaded_version)
    response = client.post(_decision_url(meeting, item), data=typed)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "validated by the chair and is locked" in html and "First text" in html
    assert "A long rewritten summary I do not want to lose" in html and "Rationale-typed-by-secretary" in html
    # Adding a row meanwhile keeps everything too.
    added = client.post(_decision_url(meeting, item), data={**typed, "action": "add"})
    assert added.status_code == 409 and "Rationale-typed-by-secretary" in unescape(added.get_data(as_text=True))
    # The kept text is a correction of the validated version: with a reason it is saved as version 2.
    assert f'action="/decisions/{draft.id}/correct"' in html
    saved = client.post(f"/decisions/{draft.id}/correct", data={**typed, "correction_reason": "Rewritten after the meeting"})
    assert saved.status_code == 302
    db.session.expire_all()
    correction = latest_decision(item)
    assert correction.version == 2 and correction.summary == "A long rewritten summary I do not want to lose"


def test_a_correction_sent_after_a_newer_version_was_validated_keeps_its_text(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item, first = _validated(team, meeting)
    second = services.correct(first, team["chair"], "Chair's correction", [targeted(item.case)], "Wrong tier")
    services.validate(second, team["chair"])
    db.session.commit()
    assert first.status is DecisionStatus.SUPERSEDED
    # The secretary's correction page was opened on version 1 before that.
    _as(client, login, team["secretary"])
    response = client.post(f"/decisions/{first.id}/correct", data=form_post(
        "Secretary's correction I typed", [targeted(item.case, rationale="Her rationale")], correction_reason="Typo"))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "Version 2 of this decision was validated" in html and f"/decisions/{second.id}" in html
    assert "Secretary's correction I typed" in html and "Her rationale" in html and "Typo" in html


def test_the_chair_cannot_validate_a_draft_changed_after_reading_it(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    draft = services.save_draft(item, team["secretary"], "Osimertinib", [targeted(item.case)])
    db.session.commit()
    _as(client, login, team["chair"])
    read = _row_version(client.get(f"/meetings/{meeting.id}/review").get_data(as_text=True))
    assert read == str(draft.row_version)
    # The secretary changes the text after the chair read it.
    services.save_draft(item, team["secretary"], "Osimertinib, then re-biopsy", [targeted(item.case)],
                        row_version=draft.row_version)
    db.session.commit()
    response = client.post(f"/decisions/{draft.id}/validate", data={"row_version": read, "back": "review"},
                           follow_redirects=True)
    html = unescape(response.get_data(as_text=True))
    assert "was changed after you opened it" in html and "Osimertinib, then re-biopsy" in html
    db.session.expire_all()
    assert db.session.get(Decision, draft.id).is_draft
    # Having read the saved version, the chair validates it.
    again = client.post(f"/decisions/{draft.id}/validate", data={"row_version": _row_version(html), "back": "review"})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Decision, draft.id).is_validated
