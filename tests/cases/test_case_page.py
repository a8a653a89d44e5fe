"""The case page: everything on the case, its files (upload, download), its timeline."""

import hashlib
import re

import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.cases.models import Attachment
from mtb.extensions import db
from tests.fixtures.cases import upload


def test_case_page_shows_picture_biomarkers_and_timeline(client, clinician, login, create_case):
    case = create_case(submitter=clinician, biomarkers=[
        {"kind": "variant", "gene": "EGFR", "hgvs_c": "c.2573T>G", "hgvs_p": "p.Leu858Arg", "vaf": 32},
        {"kind": "pdl1", "pdl1_tps": 80}])
    login(clinician)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    for text in ("Upper lobe, bronchus or lung", "8140/3", "Second-line options after osimertinib",
                 "EGFR c.2573T&gt;G p.Leu858Arg", "VAF 32 %", "PD-L1 TPS 80 %", "Submitted to the board",
                 "Created as draft", "IPP0012345"):
        assert text in html, text
    assert f"/cases/{case.id}/edit" in html and f"/cases/{case.id}/withdraw" in html


def test_clinician_attaches_files_from_the_case_page(client, clinician, login, create_case, files):
    case = create_case(submitter=clinician)
    login(clinician)
    response = client.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data", data={
        "files": [upload(files["pdf"], "NGS report.pdf"), upload(files["csv"], "variants.csv")],
        "description": "Panel results"})
    assert response.status_code == 302
    stored = db.session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()
    assert [(a.filename, a.file_type) for a in stored] == [("NGS report.pdf", "pdf"), ("variants.csv", "csv")]
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert hashlib.sha256(files["pdf"]).hexdigest() in html
    assert "Panel results" in html


def test_bad_upload_on_the_case_page_is_refused_with_a_message(client, clinician, login, create_case, files):
    case = create_case(submitter=clinician)
    login(clinician)
    response = client.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data",
                           data={"files": [upload(files["exe"], "setup.exe")]})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    # The message stands next to the file field, where the user is looking.
    assert re.search(r'id="files-error"[^>]*>[^<]*not a file type MTB accepts', body)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_a_too_long_file_description_is_said_next_to_it_and_kept(client, clinician, login, create_case, files):
    case = create_case(submitter=clinician)
    login(clinician)
    description = "NGS report, tissue block B-26-01234 A3, " * 6  # 246 characters: the field takes 200
    response = client.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data", data={
        "files": [upload(files["pdf"], "ngs.pdf")], "description": description})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'<p class="error" id="description-error">(.*?)</p>', html, re.S)
    assert error and "200 characters" in error.group(1)
    assert f'value="{description}"' in html  # what was typed is shown again
    assert "choose the file again" not in html  # the file is not blamed
    assert "choose ngs.pdf again" in html  # browsers cannot keep a chosen file
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_member_cannot_attach_files(client, member, login, create_case, files):
    case = create_case()
    login(member)
    response = client.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data",
                           data={"files": [upload(files["pdf"], "x.pdf")]})
    assert response.status_code == 403


def test_download_sends_the_bytes_with_safe_headers_and_is_audited(client, clinician, member, login, create_case, files):
    case = create_case(submitter=clinician)
    login(clinician)
    client.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data",
                data={"files": [upload(files["pdf"], "../Rapport NGS été.pdf")]})
    attachment = db.session.scalars(sa.select(Attachment)).one()
    assert attachment.filename == "Rapport NGS été.pdf"
    client.post("/logout")
    login(member)
    response = client.get(f"/cases/{case.id}/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == files["pdf"]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"Rapport_NGS_ete.pdf\"; filename*=UTF-8''Rapport%20NGS%20%C3%A9t%C3%A9.pdf")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "attachment.download"))
    assert event.user_id == member.id and event.object_id == attachment.id


def test_attachment_of_another_case_is_not_found(client, clinician, login, create_case, files):
    first, second = create_case(submitter=clinician), create_case(submitter=clinician)
    login(clinician)
    client.post(f"/cases/{first.id}/attachments", content_type="multipart/form-data",
                data={"files": [upload(files["pdf"], "a.pdf")]})
    attachment = db.session.scalars(sa.select(Attachment)).one()
    assert client.get(f"/cases/{second.id}/attachments/{attachment.id}").status_code == 404


def test_clinician_removes_an_attachment(client, clinician, login, create_case, files):
    case = create_case(submitter=clinician)
    login(clinician)
    client.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data",
                data={"files": [upload(files["png"], "photo.png")]})
    attachment = db.session.scalars(sa.select(Attachment)).one()
    assert client.post(f"/cases/{case.id}/attachments/{attachment.id}/remove").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "attachment.remove")) is not None


def test_home_shows_my_drafts_and_my_cases_status(client, clinician, login, create_case):
    draft = create_case(submitter=clinician, status="draft", diagnosis="Draft one")
    submitted = create_case(submitter=clinician)
    login(clinician)
    html = client.get("/").get_data(as_text=True)
    assert "My drafts" in html and draft.reference in html and submitted.reference in html
    assert "/cases/new" in html


def test_home_has_no_new_case_link_for_members(client, member, login):
    login(member)
    assert "/cases/new" not in client.get("/").get_data(as_text=True)


def test_other_finding_shows_its_description_once(client, clinician, login, create_case):
    case = create_case(submitter=clinician, biomarkers=[
        {"kind": "other", "description": "NTRK IHC positive"},
        {"kind": "variant", "gene": "EGFR", "hgvs_p": "p.Leu858Arg", "description": "Germline excluded"}])
    login(clinician)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert html.count("NTRK IHC positive") == 1
    assert "Germline excluded" in html  # a note on another kind still shows


def test_case_page_upload_keeps_only_the_name_of_a_windows_path(client, clinician, login, create_case, files):
    case = create_case(submitter=clinician)
    login(clinician)
    client.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data",
                data={"files": [upload(files["pdf"], "C:\\Users\\x\\rapport été.pdf")]})
    assert db.session.scalars(sa.select(Attachment.filename)).one() == "rapport été.pdf"
