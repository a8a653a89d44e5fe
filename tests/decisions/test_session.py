"""Running a meeting: start, attendance, quorum, conflicts of interest, recording decisions, closing."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.cases.models import POOL_STATUSES, CaseStatus
from mtb.decisions import services
from mtb.decisions.attendance import add_guest, declare_conflict, record_attendance
from mtb.decisions.models import Attendance, Decision, DecisionStatus, RecommendationKind, Recusal
from mtb.decisions.panels import case_panel
from mtb.decisions.queries import latest_decision
from mtb.decisions.quorum import quorum_for
from mtb.decisions.session import EarlyStart, close_meeting, scheduled_label, start_meeting
from mtb.extensions import db
from mtb.formatting import local_datetime
from mtb.meetings.models import AgendaItem, ItemOutcome, Meeting, MeetingStatus
from mtb.vocab import Specialty
from tests.decisions.helpers import form_post, targeted


def _start(client, meeting):
    return client.post(f"/meetings/{meeting.id}/session/start")


def _present(client, meeting, users, specialties=None):
    data = {"present": [str(u.id) for u in users]}
    for user_id, spec in (specialties or {}).items():
        data[f"specialty-{user_id}"] = spec
    return client.post(f"/meetings/{meeting.id}/attendance", data=data)


def test_secretary_starts_meeting_and_records_attendance_with_prefilled_specialty(client, login, team, started_meeting):
    meeting = started_meeting()
    login(team["secretary"])
    page = client.get(f"/meetings/{meeting.id}/session")
    assert page.status_code == 200 and "Start the meeting" in page.get_data(as_text=True)
    assert _start(client, meeting).status_code == 302
    assert meeting.status is MeetingStatus.IN_SESSION and meeting.started_at is not None

    # The chair sits as a pathologist today (changeable); the member keeps her profile's specialty.
    response = _present(client, meeting, [team["chair"], team["member"]], {team["chair"].id: "pathology"})
    assert response.status_code == 302
    rows = {a.user_id: a for a in db.session.scalars(sa.select(Attendance))}
    assert rows[team["chair"].id].specialty is Specialty.PATHOLOGY
    assert rows[team["member"].id].specialty is Specialty.PATHOLOGY

    client.post(f"/meetings/{meeting.id}/guests", data={"guest-guest_name": "Camille Rousseau", "guest-guest_role": "Research nurse"})
    html = client.get(f"/meetings/{meeting.id}/session").get_data(as_text=True)
    assert "Camille Rousseau" in html and "Research nurse" in html
    # Medical oncologist and molecular biologist are missing: shown at the top.
    assert "No quorum" in html and "Medical oncologist" in html


def test_quorum_counts_specialties_and_alternatives_and_ignores_guests(team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    record_attendance(meeting, team["secretary"], {team["chair"].id: None, team["member"].id: None})
    add_guest(meeting, team["secretary"], "Dr Guest", "molecular_biology")
    quorum = quorum_for(meeting)
    assert not quorum.met
    assert quorum.missing == ["Molecular biologist or Geneticist"]
    record_attendance(meeting, team["secretary"],
                               {team["chair"].id: None, team["member"].id: None, team["biologist"].id: None})
    assert quorum_for(meeting).met


def test_recused_member_does_not_count_for_quorum_on_that_case(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first, second = meeting.items
    record_attendance(meeting, team["secretary"],
                               {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    db.session.commit()
    login(team["secretary"])
    response = client.post(f"/meetings/{meeting.id}/items/{first.id}/conflicts",
                           data={"conflict-member_id": team["biologist"].id, "conflict-note": "Investigator of the trial"})
    assert response.status_code == 302
    assert not quorum_for(meeting, first).met
    assert quorum_for(meeting, second).met

    response = client.post(f"/meetings/{meeting.id}/items/{first.id}/decision",
                           data=form_post("Discussed.", [targeted(first.case)]))
    assert response.status_code == 302
    decision = latest_decision(first)
    assert decision.quorum_met is False and decision.quorum_missing == ["Molecular biologist or Geneticist"]
    html = client.get(f"/meetings/{meeting.id}/session?item={first.id}").get_data(as_text=True)
    assert "Without quorum" in html and "is recused on this case" in html


def test_recording_a_decision_marks_the_item_discussed_and_the_case_discussed(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    login(team["secretary"])
    trial = {"kind": "clinical_trial", "trial_id": "nct04613596", "trial_site": "Lyon"}
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision",
                           data=form_post("EGFR L858R: osimertinib.", [targeted(item.case), trial]))
    assert response.status_code == 302
    decision = latest_decision(item)
    assert decision.status is DecisionStatus.DRAFT and decision.version == 1
    assert [r.kind for r in decision.recommendations] == [RecommendationKind.TARGETED_THERAPY,
                                                           RecommendationKind.CLINICAL_TRIAL]
    assert decision.recommendations[0].biomarker_label == "EGFR p.Leu858Arg"
    assert decision.recommendations[1].trial_id == "NCT04613596"
    assert item.outcome is ItemOutcome.DISCUSSED
    assert item.case.status is CaseStatus.DISCUSSED
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "decision.record")) is not None


def test_bad_decision_input_is_explained_next_to_each_field_and_nothing_typed_is_lost(
        client, login, team, started_meeting, create_case):
    other = create_case(biomarkers=[{"kind": "variant", "gene": "BRAF", "hgvs_p": "p.Val600Glu"}])
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    login(team["secretary"])
    data = form_post("A long discussion I do not want to retype.", [
        targeted(item.case, escat_tier="", drug="Amivantamab-unique"),
        {"kind": "clinical_trial", "trial_id": "NCT123", "trial_site": "Site-unique"},
        {"kind": "targeted_therapy", "drug": "Dabrafenib", "biomarker_id": str(other.biomarkers[0].id),
         "escat_tier": "I-A", "access_route": "off_label"},
    ])
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Give the evidence level" in html
    assert "NCT followed by 8 digits" in html
    assert "not one of this case" in html
    # The messages sit next to their fields.
    assert 'id="recommendations-0-evidence-error"' in html
    assert 'id="recommendations-1-trial_id-error"' in html
    assert 'id="recommendations-2-biomarker_id-error"' in html
    for typed in ("A long discussion I do not want to retype.", "Amivantamab-unique", 'value="NCT123"', "Site-unique", "Dabrafenib"):
        assert typed in html
    assert latest_decision(item) is None


def test_add_and_remove_recommendation_rows_without_javascript_keep_every_value(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    login(team["secretary"])
    data = form_post("Summary typed first.", [targeted(item.case, drug="Drug-one")], action="add")
    html = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=data).get_data(as_text=True)
    assert "Summary typed first." in html and 'value="Drug-one"' in html
    assert 'name="recommendations-1-kind"' in html
    assert "Recommendation 2" in html

    data = form_post("Summary typed first.", [targeted(item.case, drug="Drug-one"),
                                              {"kind": "further_testing", "test_name": "RNA panel"}], remove="0")
    html = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=data).get_data(as_text=True)
    assert "Drug-one" not in html and 'value="RNA panel"' in html and "Summary typed first." in html
    assert latest_decision(item) is None  # nothing saved by these buttons


def test_only_the_secretary_and_chair_open_the_session_page(client, login, team, started_meeting, clinician):
    meeting = started_meeting()
    login(team["member"])
    assert client.get(f"/meetings/{meeting.id}/session").status_code == 403
    client.post("/logout")
    login(team["chair"])
    assert client.get(f"/meetings/{meeting.id}/session").status_code == 200
    assert client.get("/meetings/999999/session").status_code == 404


def test_only_a_chair_validates_and_a_validated_decision_is_locked(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    decision = services.save_draft(item, team["secretary"], "Summary", [targeted(item.case)])
    db.session.commit()
    login(team["secretary"])
    refused = client.post(f"/decisions/{decision.id}/validate")
    assert refused.status_code == 403 and "Only a chair" in refused.get_data(as_text=True)
    client.post("/logout")
    login(team["chair"])
    assert client.post(f"/decisions/{decision.id}/validate").status_code == 302
    assert decision.status is DecisionStatus.VALIDATED and decision.validated_by_id == team["chair"].id
    assert item.case.status is CaseStatus.DECIDED

    edit = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=form_post("Changed", [targeted(item.case)]))
    assert edit.status_code == 409 and "locked" in edit.get_data(as_text=True)
    assert decision.summary == "Summary"


def test_a_chair_recused_on_the_case_cannot_validate_its_decision(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    record_attendance(meeting, team["secretary"],
                      {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    declare_conflict(item, team["secretary"], team["chair"].id, "Investigator of the proposed trial")
    decision = services.save_draft(item, team["secretary"], "Discussed.", [targeted(item.case)])
    db.session.commit()
    login(team["chair"])
    page = client.get(f"/meetings/{meeting.id}/session?item={item.id}").get_data(as_text=True)
    assert "You are recused on this case: another chair of the board validates its decision." in unescape(page)
    response = client.post(f"/decisions/{decision.id}/validate", data={"back": "session"}, follow_redirects=True)
    assert "You are recused on %s (conflict of interest)" % item.case.reference in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).is_draft
    with pytest.raises(services.RecusedChair):
        services.validate(decision, team["chair"])


def test_a_row_index_posted_in_other_digits_is_ignored_not_a_500(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    login(team["secretary"])
    data = form_post("Discussed.", [targeted(item.case)])
    data["recommendations-²-kind"] = "standard_of_care"  # "²".isdigit() is True, int("²") fails
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision", data=data)
    assert response.status_code == 302
    [recommendation] = latest_decision(item).recommendations
    assert recommendation.kind is RecommendationKind.TARGETED_THERAPY


def test_a_correction_needs_a_reason_and_the_earlier_version_stays_readable(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    first = services.save_draft(item, team["secretary"], "First summary", [targeted(item.case)])
    services.validate(first, team["chair"])
    db.session.commit()
    login(team["chair"])
    no_reason = client.post(f"/decisions/{first.id}/correct", data=form_post("Second summary", [targeted(item.case)]))
    assert no_reason.status_code == 200 and "Say why the decision is corrected" in no_reason.get_data(as_text=True)
    assert "Second summary" in no_reason.get_data(as_text=True)

    response = client.post(f"/decisions/{first.id}/correct", data=form_post(
        "Second summary", [targeted(item.case, escat_tier="II-B")], correction_reason="Wrong tier typed"))
    assert response.status_code == 302
    second = latest_decision(item)
    assert second.version == 2 and second.status is DecisionStatus.DRAFT
    assert client.post(f"/decisions/{second.id}/validate").status_code == 302
    assert first.status is DecisionStatus.SUPERSEDED and second.status is DecisionStatus.VALIDATED
    old = client.get(f"/decisions/{first.id}").get_data(as_text=True)
    assert "First summary" in old and "superseded" in old.lower() and "Wrong tier typed" in old
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "decision.view")) >= 1


def test_saving_over_a_draft_someone_else_changed_is_a_conflict(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    draft = services.save_draft(item, team["secretary"], "Summary v1", [targeted(item.case)])
    db.session.commit()
    stale = draft.row_version
    services.save_draft(item, team["chair"], "Chair's edit", [targeted(item.case)], row_version=stale)
    db.session.commit()
    login(team["secretary"])
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision",
                           data=form_post("Secretary's edit", [targeted(item.case)], row_version=str(stale)))
    assert response.status_code == 409
    assert latest_decision(item).summary == "Chair's edit"


def test_rediscuss_sends_the_case_back_to_the_pool(team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    decision = services.save_draft(item, team["secretary"], "Needs the new biopsy first.",
                                   [{"kind": "rediscuss", "rationale": "After the biopsy"}])
    assert item.case.status is CaseStatus.DEFERRED
    services.validate(decision, team["chair"])
    assert item.case.status is CaseStatus.DEFERRED and item.outcome is ItemOutcome.DISCUSSED


def _rediscussed_at_a_signed_meeting(team, started_meeting, case):
    from mtb.minutes import services as minutes

    first = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION, starts_in=timedelta(hours=-3))
    v1 = services.save_draft(first.items[0], team["secretary"], "Wait for the biopsy.", [{"kind": "rediscuss"}])
    services.validate(v1, team["chair"])
    close_meeting(first, team["secretary"])
    minutes.sign(first, team["chair"], notify=False)
    assert case.status is CaseStatus.DEFERRED
    return v1


def test_correcting_an_earlier_meetings_decision_does_not_rewind_a_case_decided_since(
        team, started_meeting, create_meeting, create_case):
    case = create_case(status="scheduled")
    v1 = _rediscussed_at_a_signed_meeting(team, started_meeting, case)
    # Discussed again at the next meeting, and decided there.
    second = create_meeting(starts_in=timedelta(hours=-1), status=MeetingStatus.IN_SESSION, cases=[case])
    d2 = services.save_draft(second.items[0], team["secretary"], "Osimertinib.", [targeted(case)])
    services.validate(d2, team["chair"])
    assert case.status is CaseStatus.DECIDED
    # A typo fixed in the first meeting's decision (still "re-discuss").
    v2 = services.correct(v1, team["chair"], "Wait for the new biopsy.", [{"kind": "rediscuss"}], "Typo")
    services.validate(v2, team["chair"])
    db.session.commit()
    assert case.status is CaseStatus.DECIDED  # not sent back to the pool


def test_correcting_an_earlier_meetings_decision_does_not_decide_a_case_waiting_on_the_next_agenda(
        team, started_meeting, create_meeting, create_case):
    from mtb.cases.lifecycle import change_status

    case = create_case(status="scheduled")
    v1 = _rediscussed_at_a_signed_meeting(team, started_meeting, case)
    create_meeting(starts_in=timedelta(days=7), status=MeetingStatus.PUBLISHED, cases=[case])
    change_status(case, CaseStatus.SCHEDULED, team["secretary"])
    v2 = services.correct(v1, team["chair"], "Osimertinib meanwhile.", [targeted(case)], "Wrong recommendation typed")
    services.validate(v2, team["chair"])
    db.session.commit()
    assert case.status is CaseStatus.SCHEDULED  # the next meeting still discusses it


def test_closing_is_refused_while_a_case_is_undecided_and_deferred_cases_carry_over(
        client, login, team, started_meeting, monkeypatch):
    # Closing calls the meetings part's carry-over through the name mtb.decisions.session imported.
    from mtb.decisions import session as closing

    carried = []
    real_carry_over = closing.carry_over_undiscussed

    def spy(meeting, user=None, **kwargs):
        carried.append(meeting.id)
        return real_carry_over(meeting, user=user, **kwargs)

    monkeypatch.setattr(closing, "carry_over_undiscussed", spy)
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first, second = meeting.items
    services.save_draft(first, team["secretary"], "Summary", [targeted(first.case)])
    db.session.commit()
    login(team["secretary"])
    refused = client.post(f"/meetings/{meeting.id}/session/close", follow_redirects=True)
    assert "cannot be closed yet" in refused.get_data(as_text=True) and second.case.reference in refused.get_data(as_text=True)
    assert meeting.status is MeetingStatus.IN_SESSION

    client.post(f"/meetings/{meeting.id}/items/{second.id}/defer", data={"defer-note": "Out of time"})
    assert second.outcome is ItemOutcome.DEFERRED
    assert client.post(f"/meetings/{meeting.id}/session/close").status_code == 302
    assert meeting.status is MeetingStatus.CLOSED and meeting.closed_at is not None
    # Closing hands the undiscussed cases to the meetings part: the deferred case goes onto a
    # later meeting's agenda, or waits in the pool when the meetings part leaves it there.
    assert carried == [meeting.id]
    later = db.session.scalars(
        sa.select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.case_id == second.case_id, Meeting.id != meeting.id)
    ).all()
    assert len(later) == 1 or second.case.status in POOL_STATUSES


def test_a_deferred_case_cannot_get_a_decision_and_a_decided_case_cannot_be_deferred(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first, second = meeting.items
    services.save_draft(first, team["secretary"], "Summary", [targeted(first.case)])
    services.defer_item(second, team["secretary"])
    db.session.commit()
    login(team["secretary"])
    assert client.post(f"/meetings/{meeting.id}/items/{first.id}/defer").status_code == 403
    response = client.post(f"/meetings/{meeting.id}/items/{second.id}/decision", data=form_post("Typed", [targeted(second.case)]))
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "undo the deferral before recording a decision" in html and "Typed" in html
    assert latest_decision(second) is None
    assert client.post(f"/meetings/{meeting.id}/items/{second.id}/undefer").status_code == 302
    assert second.outcome is ItemOutcome.PENDING and second.case.status is CaseStatus.SCHEDULED


def test_a_deferral_is_not_undone_once_the_case_has_left_the_pool(client, login, team, started_meeting, create_meeting):
    """Deferred in session, the case is back in the pool at once: the secretary may put it on
    next week's agenda, or its submitter withdraw it. Undoing the deferral then would leave it
    waiting at two meetings, or discuss a withdrawn case."""
    from mtb.cases.lifecycle import change_status
    from mtb.meetings import services as agenda

    meeting = started_meeting(status=MeetingStatus.IN_SESSION, n_cases=3)
    first, second, third = meeting.items
    services.defer_item(second, team["secretary"])
    services.defer_item(third, team["secretary"])
    later = create_meeting(starts_in=timedelta(days=7))
    agenda.add_case(later, second.case_id, team["secretary"], later.agenda_version)
    change_status(third.case, CaseStatus.WITHDRAWN, team["secretary"])
    db.session.commit()
    login(team["secretary"])
    page = client.post(f"/meetings/{meeting.id}/items/{second.id}/undefer", follow_redirects=True)
    text = unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert f"{second.case.reference} is on the agenda of the meeting of" in text and "take it off that agenda first" in text
    page = client.post(f"/meetings/{meeting.id}/items/{third.id}/undefer", follow_redirects=True)
    assert f"{third.case.reference} has left the pool (now: Withdrawn)" in unescape(page.get_data(as_text=True))
    db.session.expire_all()
    assert second.outcome is ItemOutcome.DEFERRED and third.outcome is ItemOutcome.DEFERRED
    waiting = db.session.scalars(sa.select(AgendaItem.meeting_id).where(
        AgendaItem.case_id == second.case_id, AgendaItem.outcome == ItemOutcome.PENDING)).all()
    assert waiting == [later.id]


def test_a_deferral_note_too_long_comes_back_with_its_text(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first, second = meeting.items
    login(team["secretary"])
    note = "Waiting for the biopsy result of the second lesion. " * 7
    page = client.post(f"/meetings/{meeting.id}/items/{second.id}/defer", data={"defer-note": note})
    html = unescape(page.get_data(as_text=True))
    assert page.status_code == 422
    assert "At most 300 characters." in html and note.strip() in html
    db.session.expire_all()
    assert second.outcome is ItemOutcome.PENDING and second.deferral_note is None


def test_session_page_shows_case_summary_beside_the_form_in_agenda_order(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first, second = meeting.items
    login(team["secretary"])
    html = client.get(f"/meetings/{meeting.id}/session").get_data(as_text=True)
    assert "Case 1 of 2" in html and "Second-line options after osimertinib progression?" in html
    assert "EGFR p.Leu858Arg" in html and 'name="recommendations-0-kind"' in html
    assert f"item={second.id}" in html and 'rel="next"' in html
    html = client.get(f"/meetings/{meeting.id}/session?item={second.id}").get_data(as_text=True)
    assert "Case 2 of 2" in html and 'rel="prev"' in html
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "meeting.session_view")) is not None


def test_decision_of_an_unsigned_meeting_is_hidden_from_the_submitter(client, login, team, started_meeting, clinician):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    decision = services.save_draft(item, team["secretary"], "Summary", [targeted(item.case)])
    services.validate(decision, team["chair"])
    db.session.commit()
    login(clinician)
    assert client.get(f"/decisions/{decision.id}").status_code == 403
    assert case_panel(item.case, clinician) is None
    panel = case_panel(item.case, team["member"])
    assert panel.template == "decisions/_case_panel.html" and panel.context["decisions"] == [decision]


def test_validation_freezes_quorum_while_drafts_follow_attendance(team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first, second = meeting.items
    validated = services.save_draft(first, team["secretary"], "S", [targeted(first.case)])
    draft = services.save_draft(second, team["secretary"], "S", [targeted(second.case)])
    services.validate(validated, team["chair"])
    assert not validated.quorum_met and not draft.quorum_met
    record_attendance(meeting, team["secretary"],
                               {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    db.session.expire_all()
    assert db.session.get(Decision, draft.id).quorum_met is True
    assert db.session.get(Decision, validated.id).quorum_met is False


# --- QA fixes: early start, form errors in place, unique ids, double submits, 404s, wording ---------

class _Ids(HTMLParser):
    """Every id attribute of a page, and every label's ``for``."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.label_for: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.label_for.append(attrs["for"])


def _assert_unique_ids(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    duplicates = sorted({i for i in parser.ids if parser.ids.count(i) > 1})
    assert duplicates == [], f"duplicate ids: {duplicates}"
    missing = [f for f in parser.label_for if f not in parser.ids]
    assert missing == [], f"labels pointing nowhere: {missing}"
    return parser


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html)))


def test_starting_more_than_two_hours_early_asks_for_a_confirmation_stating_the_date(client, login, team, started_meeting):
    meeting = started_meeting(starts_in=timedelta(days=3))
    scheduled = scheduled_label(meeting)
    login(team["secretary"])
    page = client.get(f"/meetings/{meeting.id}/session").get_data(as_text=True)
    assert 'name="start-confirm_early"' in page and scheduled in page

    # A click on "Start the meeting" alone does not start it: the page asks, next to the box.
    refused = client.post(f"/meetings/{meeting.id}/session/start")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="start-confirm_early-error"' in html and "Start now anyway" in html and scheduled in html
    assert meeting.status is MeetingStatus.PUBLISHED and meeting.started_at is None

    assert client.post(f"/meetings/{meeting.id}/session/start", data={"start-confirm_early": "y"}).status_code == 302
    assert meeting.status is MeetingStatus.IN_SESSION
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "meeting.start"))
    assert event.details["before_schedule"] is True


def test_starting_within_two_hours_of_the_schedule_needs_no_confirmation(client, login, team, started_meeting):
    meeting = started_meeting(starts_in=timedelta(minutes=90))
    login(team["secretary"])
    assert "start-confirm_early" not in client.get(f"/meetings/{meeting.id}/session").get_data(as_text=True)
    assert client.post(f"/meetings/{meeting.id}/session/start").status_code == 302
    assert meeting.status is MeetingStatus.IN_SESSION
    with pytest.raises(EarlyStart):
        start_meeting(started_meeting(starts_in=timedelta(hours=2, minutes=5)), team["secretary"])


def test_session_and_minutes_pages_show_the_full_date_the_session_opened_and_closed(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    meeting.started_at = meeting.starts_at - timedelta(days=3)
    services.defer_item(meeting.items[0], team["secretary"])
    services.defer_item(meeting.items[1], team["secretary"])
    close_meeting(meeting, team["secretary"])
    db.session.commit()
    tz = meeting.board.timezone
    opened = local_datetime(meeting.started_at, tz)
    closed = local_datetime(meeting.closed_at, tz)
    assert opened[:10] != closed[:10]
    login(team["secretary"])
    for url in (f"/meetings/{meeting.id}/session", f"/meetings/{meeting.id}/minutes"):
        text = _visible_text(client.get(url).get_data(as_text=True))
        assert opened in text and closed in text, url


def test_a_conflict_without_a_member_is_explained_next_to_the_field_and_the_note_is_kept(
        client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    record_attendance(meeting, team["secretary"], {team["chair"].id: None, team["member"].id: None})
    db.session.commit()
    login(team["secretary"])
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/conflicts",
                           data={"conflict-member_id": "", "conflict-note": "Investigator of TRIAL-X (typed)"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="conflict-member_id-error"' in html and "Choose the member who declares" in html
    assert 'value="Investigator of TRIAL-X (typed)"' in html
    assert 'class="flash' not in html  # the message is beside the field, not at the top
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recusal)) == 0

    # A member who is not recorded as present: same place, the choice and the note kept.
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/conflicts",
                           data={"conflict-member_id": str(team["biologist"].id), "conflict-note": "Kept note"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose a member recorded as present" in html
    assert 'id="conflict-member_id-error"' in html and 'value="Kept note"' in html
    _assert_unique_ids(html)


def test_a_conflict_on_a_case_already_decided_is_refused_beside_the_field(client, login, team, started_meeting):
    """The decision was validated with the members counted then; the minutes and the letter
    print that quorum. A recusal added (or withdrawn) afterwards would contradict them."""
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    record_attendance(meeting, team["secretary"], {team["chair"].id: None, team["member"].id: None})
    decision = services.save_draft(item, team["secretary"], "EGFR.", [targeted(item.case)])
    services.validate(decision, team["chair"])
    db.session.commit()
    login(team["secretary"])
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/conflicts",
                           data={"conflict-member_id": str(team["member"].id), "conflict-note": "Investigator"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "is validated with the members counted then" in html and 'id="conflict-member_id-error"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recusal)) == 0
    client.post("/logout")
    login(team["member"])
    page = client.post(f"/meetings/{meeting.id}/items/{item.id}/my-conflict", data={"note": "Investigator"},
                       follow_redirects=True)
    assert "is validated with the members counted then" in unescape(page.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recusal)) == 0


def test_a_guest_without_a_role_is_explained_next_to_the_field_and_the_name_is_kept(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    login(team["secretary"])
    response = client.post(f"/meetings/{meeting.id}/guests", data={"guest-guest_name": "Camille Rousseau"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="guest-guest_role-error"' in html and 'value="Camille Rousseau"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_session_page_has_no_duplicate_ids_and_every_label_names_its_own_field(client, login, team, started_meeting):
    early = started_meeting(starts_in=timedelta(days=2))
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first, second = meeting.items
    record_attendance(meeting, team["secretary"],
                               {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    add_guest(meeting, team["secretary"], "Camille Rousseau", "Research nurse")
    declare_conflict(first, team["secretary"], team["biologist"].id, "Investigator")
    services.save_draft(second, team["secretary"], "Summary", [targeted(second.case)])
    db.session.commit()
    login(team["chair"])
    pages = [
        client.get(f"/meetings/{early.id}/session").get_data(as_text=True),
        client.post(f"/meetings/{early.id}/session/start").get_data(as_text=True),
        client.get(f"/meetings/{meeting.id}/session?item={second.id}").get_data(as_text=True),
    ]
    # Attendance, guests, conflicts (with a recusal), the decision form and the defer form on one page.
    full = client.get(f"/meetings/{meeting.id}/session?item={first.id}").get_data(as_text=True)
    for form in ("decisions.attendance", "guest-guest_name", "conflict-member_id", "recommendations-0-kind", "defer-note"):
        assert form.split(".")[-1] in full
    for html in [*pages, full]:
        _assert_unique_ids(html)
    # "Why (optional)" belongs to the defer form's own field.
    assert re.search(r'<label for="defer-note">Why \(optional\)</label>\s*<input[^>]*id="defer-note"', full)


def test_a_chair_validating_twice_is_told_it_is_already_validated(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    decision = services.save_draft(item, team["secretary"], "Summary", [targeted(item.case)])
    db.session.commit()
    login(team["chair"])
    assert client.post(f"/decisions/{decision.id}/validate", data={"back": "session"}).status_code == 302
    again = client.post(f"/decisions/{decision.id}/validate", data={"back": "session"})
    assert again.status_code == 302 and again.location.endswith(f"/meetings/{meeting.id}/session?item={item.id}")
    html = client.get(again.location).get_data(as_text=True)
    assert "flash-info" in html and "already validated" in html
    assert decision.status is DecisionStatus.VALIDATED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "decision.validate")) == 1


def test_another_boards_member_gets_404_for_session_pages_and_forms(client, login, team, started_meeting, make_user):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    outsider = make_user("derm-secretary@example.org", {"dermatology": ["secretary", "chair"]})
    login(outsider)
    for url in (f"/meetings/{meeting.id}/session", f"/meetings/{meeting.id}/minutes"):
        assert client.get(url).status_code == 404, url
    for url in (f"/meetings/{meeting.id}/session/start", f"/meetings/{meeting.id}/session/close",
                f"/meetings/{meeting.id}/attendance", f"/meetings/{meeting.id}/guests",
                f"/meetings/{meeting.id}/items/{item.id}/conflicts", f"/meetings/{meeting.id}/items/{item.id}/defer",
                f"/meetings/{meeting.id}/items/{item.id}/decision", f"/meetings/{meeting.id}/minutes/sign"):
        assert client.post(url).status_code == 404, url
    assert meeting.status is MeetingStatus.IN_SESSION and item.outcome is ItemOutcome.PENDING


def test_quorum_heading_and_page_text_have_no_glued_words(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    first = meeting.items[0]
    meeting.started_at = meeting.starts_at
    record_attendance(meeting, team["secretary"], {team["chair"].id: None, team["member"].id: None})
    declare_conflict(first, team["secretary"], team["member"].id, None)
    decision = services.save_draft(first, team["secretary"], "Summary", [targeted(first.case)])
    db.session.commit()
    login(team["chair"])
    pages = {
        "session": client.get(f"/meetings/{meeting.id}/session?item={first.id}").get_data(as_text=True),
        "minutes": client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True),
        "decision": client.get(f"/decisions/{decision.id}").get_data(as_text=True),
    }
    assert "No quorum (for this case, without recused members)" in _visible_text(pages["session"])
    for name, html in pages.items():
        text = _visible_text(html)
        # A word run into "(" or "·" is a template line break eaten by trim_blocks.
        assert not re.search(r"\w\(|\w·|·\w|\)\w", text), (name, re.findall(r".{20}(?:\w\(|\w·|·\w|\)\w).{20}", text))


def test_a_drug_cannot_target_a_tested_not_detected_row(client, login, team, started_meeting, create_case):
    """The minutes and the letter said "targets Not detected: ALK, ROS1", and the FHIR export
    gave the negative result as the drug's reason."""
    case = create_case(status="scheduled", biomarkers=[
        {"kind": "variant", "gene": "EGFR", "hgvs_p": "p.Leu858Arg"},
        {"kind": "negative", "not_detected": ["ALK", "ROS1"]}])
    meeting = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    login(team["secretary"])
    page = client.get(f"/meetings/{meeting.id}/session?item={item.id}").get_data(as_text=True)
    choices = page[page.index('name="recommendations-0-biomarker_id"'):]
    choices = choices[:choices.index("</select>")]
    assert "EGFR" in choices and "Not detected" not in choices
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/decision",
                           data=form_post("ALK negative.", [targeted(case, 1, drug="Alectinib")]))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and latest_decision(item) is None
    assert "“Not detected: ALK, ROS1” is a negative result" in html
    assert 'id="recommendations-0-biomarker_id-error"' in html and "Alectinib" in html
