"""Who may act on a case, and when: the submitter edits, submits, withdraws and manages
reports; once the case is submitted the board's secretaries may too (cover for an
absent colleague). Other clinicians of the board only read it. A draft is its author's
alone, by URL as in lists. Reports the board saw stay; a case in session stays."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mtb.cases import queries, services
from mtb.cases.models import Attachment, Case, CaseStatus
from mtb.cases.uploads import check_upload
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from tests.fixtures.cases import MINIMAL_PDF, case_form, upload


@pytest.fixture
def colleague(make_user):
    """Another clinician of the same board as the submitter."""
    return make_user("colleague@example.org", {"thoracic": ["clinician"]}, name="Dr Paul Girard")


def add_pdf(case, user) -> Attachment:
    attachment = services.attach_file(case, user, check_upload("report.pdf", MINIMAL_PDF, 10_000), None)
    db.session.commit()
    return attachment


def switch(client, login, user):
    client.post("/logout")
    login(user)


def edit_data(case, **overrides):
    data = case_form(version=str(case.version), **overrides)
    data["action"] = "save"
    return data


def file_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Attachment))


# --- 1. Only the submitter (and, once submitted, the secretaries) act on a case -----

def test_another_clinician_of_the_board_cannot_edit_withdraw_or_touch_reports(
        client, login, clinician, colleague, create_case, files):
    case = create_case(submitter=clinician)
    attachment = add_pdf(case, clinician)
    login(colleague)
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200  # reading stays open to the board
    html = page.get_data(as_text=True)
    assert f"/cases/{case.id}/edit" not in html and f"/cases/{case.id}/withdraw" not in html
    assert f"/attachments/{attachment.id}/remove" not in html and 'enctype="multipart/form-data"' not in html
    assert client.get(f"/cases/{case.id}/edit").status_code == 403
    assert client.post(f"/cases/{case.id}/edit", data=edit_data(case, stage="IVC")).status_code == 403
    assert client.get(f"/cases/{case.id}/withdraw").status_code == 403
    assert client.post(f"/cases/{case.id}/withdraw", data={"reason": "x"}).status_code == 403
    assert client.post(f"/cases/{case.id}/attachments/{attachment.id}/remove").status_code == 403
    assert client.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data",
                       data={"files": [upload(files["png"], "photo.png")]}).status_code == 403
    db.session.refresh(case)
    assert case.status is CaseStatus.SUBMITTED and case.stage == "IVA" and file_count() == 1


def test_the_rule_holds_in_the_services_too(clinician, colleague, secretary, member, create_case):
    submitted, draft = create_case(submitter=clinician), create_case(submitter=clinician, status="draft")
    for user in (colleague, member):
        assert not submitted.can_edit(user) and not submitted.can_withdraw(user)
        assert not submitted.can_add_attachments(user)
        assert not submitted.can_remove_attachments(user)
    assert submitted.can_edit(secretary) and submitted.can_withdraw(secretary)
    assert not draft.can_edit(secretary) and not draft.can_submit(secretary)
    assert draft.can_edit(clinician) and draft.can_submit(clinician)


def test_secretary_covers_for_an_absent_submitter_once_the_case_is_submitted(
        client, login, clinician, secretary, create_case):
    case = create_case(submitter=clinician)
    attachment = add_pdf(case, clinician)
    login(secretary)
    assert client.post(f"/cases/{case.id}/edit", data=edit_data(case, stage="IVB")).status_code == 302
    assert client.post(f"/cases/{case.id}/attachments/{attachment.id}/remove").status_code == 302
    assert client.post(f"/cases/{case.id}/withdraw", data={"reason": "Submitter on leave; patient moved"}).status_code == 302
    db.session.refresh(case)
    assert case.stage == "IVB" and file_count() == 0 and case.status is CaseStatus.WITHDRAWN
    assert case.events[-1].user_id == secretary.id


# --- 2. A draft is its author's alone, by URL as in lists ---------------------------

def test_someone_elses_draft_is_not_found_by_url(client, login, clinician, colleague, secretary, member,
                                                 create_case):
    draft = create_case(submitter=clinician, status="draft", patient_name="SECRET Patient")
    attachment = add_pdf(draft, clinician)
    for user in (colleague, secretary, member):
        switch(client, login, user)
        for url in (f"/cases/{draft.id}", f"/cases/{draft.id}/edit", f"/cases/{draft.id}/submit",
                    f"/cases/{draft.id}/withdraw", f"/cases/{draft.id}/attachments/{attachment.id}"):
            response = client.get(url)
            assert response.status_code == 404, (user.email, url)
            assert "SECRET Patient" not in response.get_data(as_text=True)
        assert client.post(f"/cases/{draft.id}/attachments/{attachment.id}/remove").status_code == 404
    switch(client, login, clinician)
    assert "SECRET Patient" in client.get(f"/cases/{draft.id}").get_data(as_text=True)


def test_page_and_lists_agree_once_the_draft_is_submitted(client, login, clinician, member, create_case):
    draft = create_case(submitter=clinician, status="draft")
    assert not draft.can_view(member)
    assert draft.id not in set(db.session.scalars(queries.visible_cases(member).with_only_columns(Case.id)))
    login(clinician)
    assert client.post(f"/cases/{draft.id}/submit").status_code == 302
    db.session.refresh(draft)
    assert draft.status is CaseStatus.SUBMITTED and draft.can_view(member)
    assert draft.id in set(db.session.scalars(queries.visible_cases(member).with_only_columns(Case.id)))
    switch(client, login, member)
    assert client.get(f"/cases/{draft.id}").status_code == 200


# --- 3. Reports the board saw stay -----------------------------------------------

@pytest.mark.parametrize("status", ["scheduled", "discussed", "decided"])
def test_reports_cannot_be_removed_once_the_board_has_the_case(client, login, clinician, create_case, status):
    case = create_case(submitter=clinician, status=status)
    attachment = add_pdf(case, clinician)
    login(clinician)
    assert f"/attachments/{attachment.id}/remove" not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    response = client.post(f"/cases/{case.id}/attachments/{attachment.id}/remove", follow_redirects=True)
    assert response.status_code == 200
    assert "stay as the board saw them" in response.get_data(as_text=True)
    assert file_count() == 1


def test_reports_of_a_case_deferred_during_the_session_stay_until_the_meeting_closes(
        client, login, clinician, create_case, create_meeting):
    case = create_case(submitter=clinician, status="deferred")
    create_meeting(cases=[case], status="in_session", starts_in=timedelta(days=3), outcome="deferred")
    attachment = add_pdf(case, clinician)
    login(clinician)
    client.post(f"/cases/{case.id}/attachments/{attachment.id}/remove")
    assert file_count() == 1


@pytest.mark.parametrize("status", ["draft", "submitted", "deferred"])
def test_reports_can_be_removed_before_the_board_looks_at_the_case(client, login, clinician, create_case, status):
    case = create_case(submitter=clinician, status=status)
    attachment = add_pdf(case, clinician)
    login(clinician)
    assert f"/attachments/{attachment.id}/remove" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert client.post(f"/cases/{case.id}/attachments/{attachment.id}/remove").status_code == 302
    assert file_count() == 0


def test_a_corrected_report_can_still_be_added_to_a_scheduled_case(client, login, clinician, create_case, files):
    case = create_case(submitter=clinician, status="scheduled")
    add_pdf(case, clinician)
    login(clinician)
    assert "attach a corrected file" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    client.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data",
                data={"files": [upload(files["pdf"], "corrected.pdf")]})
    assert file_count() == 2


# --- 4. No withdrawal once the meeting has the case --------------------------------

@pytest.mark.parametrize("meeting_status", ["in_session", "closed", "signed"])
def test_scheduled_case_cannot_be_withdrawn_once_its_meeting_started(
        client, login, clinician, create_case, meeting_status, create_meeting):
    case = create_case(submitter=clinician, status="scheduled")
    create_meeting(cases=[case], status=meeting_status, starts_in=timedelta(days=3))
    login(clinician)
    assert f"/cases/{case.id}/withdraw" not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    response = client.post(f"/cases/{case.id}/withdraw", data={"reason": "x"}, follow_redirects=True)
    assert "cannot be withdrawn" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.status is CaseStatus.SCHEDULED


def test_case_deferred_in_session_can_be_withdrawn_once_the_meeting_is_closed(
        client, login, clinician, create_case, create_meeting):
    case = create_case(submitter=clinician, status="deferred")
    meeting = create_meeting(cases=[case], status="in_session", starts_in=timedelta(days=3), outcome="deferred")
    login(clinician)
    response = client.post(f"/cases/{case.id}/withdraw", data={"reason": "x"}, follow_redirects=True)
    assert "while the meeting discussing it is in session" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.status is CaseStatus.DEFERRED
    meeting.status = MeetingStatus.CLOSED
    db.session.commit()
    assert client.post(f"/cases/{case.id}/withdraw", data={"reason": "Treated elsewhere"}).status_code == 302
    db.session.refresh(case)
    assert case.status is CaseStatus.WITHDRAWN


@pytest.mark.parametrize("status", ["draft", "submitted", "deferred"])
def test_waiting_case_can_be_withdrawn(client, login, clinician, create_case, status):
    case = create_case(submitter=clinician, status=status)
    login(clinician)
    assert client.post(f"/cases/{case.id}/withdraw", data={"reason": "x"}).status_code == 302
    db.session.refresh(case)
    assert case.status is CaseStatus.WITHDRAWN
