"""The case form: drafts, submission, biomarker rows, checks next to the fields,
uploads, and the stale-form conflict."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.cases.models import Attachment, Biomarker, BiomarkerKind, Case, CaseStatus
from mtb.extensions import db
from tests.fixtures.cases import case_form, upload

NEW = "/boards/thoracic/cases/new"


def only_case() -> Case:
    return db.session.scalars(sa.select(Case)).one()


def error_after(html: str, field_id: str) -> str:
    """The error paragraph rendered for a field (errors stand next to their field)."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


def test_clinician_saves_a_draft_with_only_the_patients_identity(client, clinician, login):
    login(clinician)
    data = {k: v for k, v in case_form().items() if k.startswith("patient_")}
    data["action"] = "draft"
    response = client.post(NEW, data=data)
    assert response.status_code == 302
    case = only_case()
    assert case.status is CaseStatus.DRAFT
    assert re.fullmatch(r"THO-\d{4}-0001", case.reference)
    assert case.diagnosis == "" and case.biomarkers == []
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "case.create")) is not None


def test_a_draft_still_needs_the_patients_identity(client, clinician, login):
    login(clinician)
    response = client.post(NEW, data=case_form(patient_name="", patient_birth_date="", action="draft"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter the patient" in error_after(html, "patient_name")
    assert error_after(html, "patient_birth_date")
    assert 'value="IPP0099001"' in html  # what was typed stays
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_submitting_converts_shorthand_normalises_icd10_and_records_everything(client, clinician, login):
    login(clinician)
    response = client.post(NEW, data=case_form(action="submit"))
    assert response.status_code == 302
    case = only_case()
    # The meetings part may put it straight onto the next meeting's agenda.
    assert case.status in (CaseStatus.SUBMITTED, CaseStatus.SCHEDULED) and case.submitted_at is not None
    assert case.icd10_code == "C34.1" and case.ecog == 1 and case.research_consent == ["BIOCART"]
    [variant] = case.biomarkers
    assert (variant.gene, variant.hgvs_p, variant.hgvs_c, float(variant.vaf)) == ("EGFR", "p.Leu858Arg", "c.2573T>G", 32.0)
    assert [e.kind for e in case.events][:2] == ["draft", "submitted"]


def test_submission_needs_diagnosis_question_and_a_biomarker(client, clinician, login):
    login(clinician)
    data = case_form(action="submit", diagnosis="", clinical_question="", icd10_code="")
    for key in [k for k in data if k.startswith("biomarkers-")]:
        data.pop(key)
    response = client.post(NEW, data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_after(html, "diagnosis") and error_after(html, "clinical_question") and error_after(html, "icd10_code")
    assert "No molecular report yet" in error_after(html, "no_molecular_report")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_case_without_molecular_report_can_be_submitted_when_said_so(client, clinician, login):
    login(clinician)
    data = {k: v for k, v in case_form(action="submit", no_molecular_report="y").items() if not k.startswith("biomarkers-")}
    assert client.post(NEW, data=data).status_code == 302
    case = only_case()
    assert case.submitted_at is not None and case.no_molecular_report and case.biomarkers == []


def test_icd10_block_is_refused_next_to_the_field(client, clinician, login):
    login(clinician)
    html = client.post(NEW, data=case_form(action="submit", icd10_code="C30-C39")).get_data(as_text=True)
    assert "chapter or block" in error_after(html, "icd10_code")


def test_errors_appear_in_the_right_biomarker_row(client, clinician, login):
    login(clinician)
    data = case_form(action="draft", **{
        "biomarkers-1-kind": "variant", "biomarkers-1-gene": "BRAF", "biomarkers-1-hgvs_p": "p.V600",
        "biomarkers-1-vaf": "140",
        "biomarkers-2-kind": "fusion", "biomarkers-2-gene": "EML4", "biomarkers-2-gene_3p": "ALKK",
    })
    response = client.post(NEW, data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert not error_after(html, "biomarkers-0-hgvs_p")
    assert "not a valid HGVS protein change" in error_after(html, "biomarkers-1-hgvs_p")
    assert "between 0 and 100" in error_after(html, "biomarkers-1-vaf")
    assert "ALKK is not an HGNC gene symbol" in error_after(html, "biomarkers-2-gene_3p")
    assert 'value="p.V600"' in html and 'value="EML4"' in html


def test_alias_gets_an_offer_of_the_approved_symbol_that_fills_the_field(client, clinician, login):
    login(clinician)
    data = case_form(action="draft", **{"biomarkers-0-gene": "HER2", "biomarkers-0-hgvs_p": "p.S310F",
                                        "biomarkers-0-hgvs_c": "c.929C>T"})
    html = client.post(NEW, data=data).get_data(as_text=True)
    assert "use the approved HGNC symbol ERBB2" in error_after(html, "biomarkers-0-gene")
    assert 'name="use_symbol" value="biomarkers-0-gene=ERBB2"' in html
    # Without the script, the offer is a button that re-shows the form with the symbol in place.
    data["use_symbol"] = "biomarkers-0-gene=ERBB2"
    html = client.post(NEW, data=data).get_data(as_text=True)
    assert re.search(r'id="biomarkers-0-gene"[^>]*value="ERBB2"|value="ERBB2"[^>]*id="biomarkers-0-gene"', html)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    data.pop("use_symbol")
    data["biomarkers-0-gene"] = "ERBB2"
    assert client.post(NEW, data=data).status_code == 302
    assert only_case().biomarkers[0].hgvs_p == "p.Ser310Phe"


def test_add_row_button_keeps_everything_typed(client, clinician, login):
    login(clinician)
    response = client.post(NEW, data=case_form(add_row="1"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="biomarkers-1-kind"' in html and 'name="biomarkers-2-kind"' not in html
    for typed in ('value="DURAND Marie"', 'value="p.L858R"', 'value="32"', "Second-line options?"):
        assert typed in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_remove_row_button_drops_only_that_row(client, clinician, login):
    login(clinician)
    data = case_form(remove_row="biomarkers-0", **{"biomarkers-1-kind": "tmb", "biomarkers-1-tmb": "14.2"})
    html = client.post(NEW, data=data).get_data(as_text=True)
    assert 'name="biomarkers-0-kind"' not in html
    assert 'name="biomarkers-1-tmb"' in html and 'value="14.2"' in html


def test_blank_row_is_ignored_on_save(client, clinician, login):
    login(clinician)
    data = case_form(action="submit", **{"biomarkers-1-kind": "", "biomarkers-1-gene": ""})
    assert client.post(NEW, data=data).status_code == 302
    assert len(only_case().biomarkers) == 1


def test_kind_specific_rules(client, clinician, login):
    login(clinician)
    data = case_form(action="draft", **{
        "biomarkers-1-kind": "cnv", "biomarkers-1-gene": "MET",
        "biomarkers-2-kind": "pdl1",
        "biomarkers-3-kind": "other",
        "biomarkers-4-gene": "KRAS",
    })
    html = client.post(NEW, data=data).get_data(as_text=True)
    assert "gain, amplification" in error_after(html, "biomarkers-1-cnv_type")
    assert "at least one PD-L1 result" in error_after(html, "biomarkers-2-pdl1_tps")
    assert "Describe the finding" in error_after(html, "biomarkers-3-description")
    assert "Choose what kind" in error_after(html, "biomarkers-4-kind")


def test_every_kind_of_biomarker_is_stored(client, clinician, login):
    login(clinician)
    data = case_form(action="submit", **{
        "biomarkers-1-kind": "cnv", "biomarkers-1-gene": "MET", "biomarkers-1-cnv_type": "amplification", "biomarkers-1-copy_number": "12",
        "biomarkers-2-kind": "fusion", "biomarkers-2-gene": "EML4", "biomarkers-2-gene_3p": "ALK",
        "biomarkers-3-kind": "tmb", "biomarkers-3-tmb": "14.2",
        "biomarkers-4-kind": "msi", "biomarkers-4-msi_status": "MSI-H",
        "biomarkers-5-kind": "pdl1", "biomarkers-5-pdl1_tps": "80", "biomarkers-5-pdl1_cps": "85",
        "biomarkers-6-kind": "hrd", "biomarkers-6-hrd_status": "positive", "biomarkers-6-hrd_score": "52",
        "biomarkers-7-kind": "other", "biomarkers-7-description": "NTRK IHC positive",
        # A VAF typed in a TMB row does not apply to it and is not stored.
        "biomarkers-3-vaf": "12",
    })
    assert client.post(NEW, data=data).status_code == 302
    labels = [b.label for b in only_case().biomarkers]
    assert labels == ["EGFR p.Leu858Arg", "MET amplification (12 copies)", "ALK fusion EML4::ALK", "TMB 14.2 mut/Mb",
                      "MSI-H", "PD-L1 TPS 80 %, CPS 85", "HRD positive (score 52)", "NTRK IHC positive"]
    assert only_case().biomarkers[3].vaf is None


def test_report_date_cannot_be_in_the_future(client, clinician, login):
    login(clinician)
    html = client.post(NEW, data=case_form(**{"reports-0-assay": "TSO500", "reports-0-reported_on": "2999-01-01"})
                       ).get_data(as_text=True)
    assert "future" in error_after(html, "reports-0-reported_on")


def test_member_without_clinician_role_cannot_open_the_form(client, member, login):
    login(member)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, data=case_form(action="draft")).status_code == 403


def test_clinician_of_several_boards_picks_the_board(client, make_user, login):
    user = make_user("two@example.org", {"thoracic": ["clinician"], "dermatology": ["clinician"]})
    login(user)
    html = client.get("/cases/new").get_data(as_text=True)
    assert "/boards/thoracic/cases/new" in html and "/boards/dermatology/cases/new" in html


def test_clinician_of_one_board_goes_straight_to_its_form(client, clinician, login):
    login(clinician)
    response = client.get("/cases/new")
    assert response.status_code == 302 and response.headers["Location"].endswith(NEW)


# --- Editing -------------------------------------------------------------------

def edit_form(case: Case, **overrides) -> dict:
    data = case_form(version=str(case.version), **overrides)
    for position, biomarker in enumerate(case.biomarkers):
        data[f"biomarkers-{position}-biomarker_id"] = str(biomarker.id)
    return data


def test_editing_keeps_biomarker_ids_and_adds_a_timeline_entry(client, clinician, login, create_case):
    case = create_case(submitter=clinician)
    biomarker_id, version = case.biomarkers[0].id, case.version
    login(clinician)
    form_html = client.get(f"/cases/{case.id}/edit").get_data(as_text=True)
    assert f'value="{biomarker_id}"' in form_html and 'name="version"' in form_html
    response = client.post(f"/cases/{case.id}/edit", data=edit_form(case, action="save", diagnosis="Lung adenocarcinoma, stage IVB"))
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.diagnosis == "Lung adenocarcinoma, stage IVB" and case.version == version + 1
    assert [b.id for b in case.biomarkers] == [biomarker_id]
    assert case.events[-1].kind == "edited"


def test_stale_form_gives_a_conflict_with_the_typed_values_kept(client, clinician, login, create_case):
    case = create_case(submitter=clinician)
    stale = edit_form(case, action="save", clinical_question="My careful new question")
    case.stage = "IVB"  # someone else saves first
    db.session.commit()
    login(clinician)
    response = client.post(f"/cases/{case.id}/edit", data=stale)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "This case was saved elsewhere (another tab or another person)" in html
    assert "Someone else saved" not in html  # it may have been the same user in another tab
    assert "data-unsaved-initial" in html
    assert "My careful new question" in html
    db.session.refresh(case)
    assert case.clinical_question != "My careful new question" and case.stage == "IVB"
    # The page now carries the current version: saving again is a deliberate choice.
    assert f'name="version" type="hidden" value="{case.version}"' in html or f'value="{case.version}" name="version"' in html or re.search(rf'name="version"[^>]*value="{case.version}"', html)


def test_submitted_case_must_stay_complete_when_edited(client, clinician, login, create_case):
    case = create_case(submitter=clinician)
    login(clinician)
    response = client.post(f"/cases/{case.id}/edit", data=edit_form(case, action="save", clinical_question=""))
    assert response.status_code == 422
    assert "Write the question" in error_after(response.get_data(as_text=True), "clinical_question")


def test_scheduled_case_can_no_longer_be_edited(client, clinician, login, create_case):
    case = create_case(submitter=clinician, status="scheduled")
    version = case.version
    login(clinician)
    assert client.get(f"/cases/{case.id}/edit").status_code == 302
    response = client.post(f"/cases/{case.id}/edit", data=edit_form(case, action="save"))
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.version == version


# --- Uploads in the form -------------------------------------------------------

def test_case_form_accepts_several_reports(client, clinician, login, files):
    login(clinician)
    data = case_form(action="submit", report_files=[upload(files["pdf"], "NGS report.pdf"), upload(files["vcf.gz"], "tumour.vcf.gz")])
    assert client.post(NEW, data=data, content_type="multipart/form-data").status_code == 302
    assert sorted(a.file_type for a in only_case().attachments) == ["pdf", "vcf.gz"]


def test_wrong_file_type_is_refused_with_the_form_intact(client, clinician, login, files):
    login(clinician)
    data = case_form(action="submit", report_files=[upload(files["png"], "report.pdf")])
    response = client.post(NEW, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "contains a PNG file" in error_after(html, "report_files")
    assert 'value="DURAND Marie"' in html and 'value="p.L858R"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_file_over_the_size_limit_is_a_form_error(app, client, clinician, login, files, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 300)
    login(clinician)
    data = case_form(action="submit", report_files=[upload(files["pdf"] + b"%" * 400, "big.pdf")])
    response = client.post(NEW, data=data, content_type="multipart/form-data")
    assert "the limit is" in error_after(response.get_data(as_text=True), "report_files")


def test_files_must_be_chosen_again_when_other_fields_fail(client, clinician, login, files):
    login(clinician)
    data = case_form(action="submit", diagnosis="", report_files=[upload(files["pdf"], "NGS report.pdf")])
    html = client.post(NEW, data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "choose NGS report.pdf again" in html


# --- Submit and withdraw -------------------------------------------------------

def test_submit_puts_the_case_on_the_next_meeting_when_meetings_offers_it(client, clinician, login, create_case, monkeypatch):
    from mtb.meetings import services as meetings

    proposed = []
    monkeypatch.setattr(meetings, "propose_for_next_meeting", lambda case, **kw: proposed.append(case.id), raising=False)
    case = create_case(submitter=clinician, status="draft")
    login(clinician)
    assert "Submit the case" in client.get(f"/cases/{case.id}/submit").get_data(as_text=True)
    response = client.post(f"/cases/{case.id}/submit")
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.status is CaseStatus.SUBMITTED and proposed == [case.id]


def test_incomplete_draft_cannot_be_submitted(client, clinician, login, create_case):
    case = create_case(submitter=clinician, status="draft", clinical_question="", biomarkers=())
    login(clinician)
    html = client.get(f"/cases/{case.id}/submit").get_data(as_text=True)
    assert "cannot be submitted yet" in html and "Write the question" in html
    client.post(f"/cases/{case.id}/submit")
    db.session.refresh(case)
    assert case.status is CaseStatus.DRAFT


def test_withdraw_asks_for_confirmation_then_takes_the_case_off_agendas(client, clinician, login, create_case, monkeypatch, create_meeting):
    from mtb.meetings import services as meetings

    removed = []
    monkeypatch.setattr(meetings, "remove_withdrawn_case", lambda case, **kw: removed.append(case.id), raising=False)
    case = create_case(submitter=clinician, status="scheduled")
    create_meeting(cases=[case], status="published", starts_in=timedelta(days=3))
    login(clinician)
    assert "Withdraw the case" in client.get(f"/cases/{case.id}/withdraw").get_data(as_text=True)
    db.session.refresh(case)
    assert case.status is CaseStatus.SCHEDULED  # the GET only asks
    assert client.post(f"/cases/{case.id}/withdraw", data={"reason": "Started treatment elsewhere"}).status_code == 302
    db.session.refresh(case)
    assert case.status is CaseStatus.WITHDRAWN and removed == [case.id]
    assert case.events[-1].note == "Started treatment elsewhere"
    again = client.post(f"/cases/{case.id}/withdraw", follow_redirects=True)  # refused, with the reason
    assert "This case cannot be withdrawn: it is withdrawn" in again.get_data(as_text=True)
    db.session.refresh(case)
    assert [e.kind for e in case.events].count("withdrawn") == 1


def test_member_cannot_withdraw_or_submit(client, member, login, create_case):
    case = create_case(status="submitted")
    login(member)
    assert client.post(f"/cases/{case.id}/withdraw").status_code == 403
    assert client.post(f"/cases/{case.id}/submit").status_code == 403


def test_icd10_lookup_answers_the_who_description(client, clinician, login):
    login(clinician)
    assert client.get("/cases/icd10?code=c341").get_json() == {
        "valid": True, "code": "C34.1", "description": "Malignant neoplasm: Upper lobe, bronchus or lung"}
    assert client.get("/cases/icd10?code=C30-C39").get_json()["valid"] is False


@pytest.mark.parametrize("kind", [k.value for k in BiomarkerKind])
def test_new_form_offers_every_kind(client, clinician, login, kind):
    login(clinician)
    assert f'<option value="{kind}">' in client.get(NEW).get_data(as_text=True)


def test_biomarker_rows_are_deleted_when_removed_on_edit(client, clinician, login, create_case):
    case = create_case(submitter=clinician, biomarkers=[
        {"kind": "variant", "gene": "EGFR", "hgvs_p": "p.Leu858Arg"}, {"kind": "tmb", "tmb": 12}])
    login(clinician)
    data = edit_form(case, action="save")  # row 0 kept, row 1 (TMB) not posted
    data.pop("biomarkers-1-biomarker_id")
    assert client.post(f"/cases/{case.id}/edit", data=data).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Biomarker)) == 1


def test_conflict_names_who_saved_the_case_meanwhile(client, clinician, make_user, login, create_case):
    case = create_case(submitter=clinician)
    stale = edit_form(case, action="save", clinical_question="Mine")
    # A secretary covers for the submitter (another clinician may not edit the case).
    colleague = make_user("colleague@example.org", {"thoracic": ["secretary"]}, name="Dr Paul Girard")
    login(colleague)
    assert client.post(f"/cases/{case.id}/edit", data=edit_form(case, action="save", stage="IVB")).status_code == 302
    client.post("/logout")
    login(clinician)
    html = client.post(f"/cases/{case.id}/edit", data=stale).get_data(as_text=True)
    assert "Last saved by Dr Paul Girard" in html


def test_conflict_with_my_own_other_tab_says_it_was_me(client, clinician, login, create_case):
    case = create_case(submitter=clinician)
    first_tab, second_tab = edit_form(case, action="save", stage="IVB"), edit_form(case, action="save", stage="IVC")
    login(clinician)
    assert client.post(f"/cases/{case.id}/edit", data=first_tab).status_code == 302
    response = client.post(f"/cases/{case.id}/edit", data=second_tab)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Last saved by you" in html and "Dr Claire Dubois" not in html.split('id="conflict"')[1].split("</div>")[0]


def test_form_shown_again_after_a_post_counts_as_unsaved(client, clinician, login):
    login(clinician)
    fresh = client.get(NEW).get_data(as_text=True)
    assert "data-unsaved-warning" in fresh and "data-unsaved-initial" not in fresh
    failed = client.post(NEW, data=case_form(action="submit", diagnosis="")).get_data(as_text=True)
    assert re.search(r'<form[^>]*id="case-form"[^>]*data-unsaved-initial', failed)
    assert "data-unsaved-warning" in failed
    added = client.post(NEW, data=case_form(add_row="1")).get_data(as_text=True)
    assert re.search(r'<form[^>]*id="case-form"[^>]*data-unsaved-initial', added)


def test_row_buttons_without_script_come_back_to_the_biomarkers(client, clinician, login, create_case):
    login(clinician)
    html = client.get(NEW).get_data(as_text=True)
    assert re.search(r'name="add_row"[^>]*formaction="/boards/thoracic/cases/new#biomarkers"', html)
    assert re.search(r'name="remove_row" value="biomarkers-0"[^>]*formaction="/boards/thoracic/cases/new#biomarkers"', html)
    case = create_case(submitter=clinician)
    edit = client.get(f"/cases/{case.id}/edit").get_data(as_text=True)
    assert f'formaction="/cases/{case.id}/edit#biomarkers"' in edit
    # Taking the approved symbol comes back to the gene field it fills.
    data = case_form(action="draft", **{"biomarkers-0-gene": "HER2"})
    html = client.post(NEW, data=data).get_data(as_text=True)
    assert 'formaction="/boards/thoracic/cases/new#biomarkers-0-gene"' in html


def test_good_files_are_named_to_choose_again_when_another_file_is_refused(client, clinician, login, files):
    login(clinician)
    data = case_form(action="submit", report_files=[upload(files["pdf"], "NGS report.pdf"), upload(files["png"], "photo.pdf")])
    response = client.post(NEW, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "photo.pdf contains a PNG file" in error_after(html, "report_files")
    assert "choose NGS report.pdf again" in html
    assert "choose NGS report.pdf, photo.pdf" not in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_a_bad_file_is_reported_at_once_when_other_fields_fail_too(client, clinician, login, files):
    login(clinician)
    data = case_form(action="submit", diagnosis="", patient_name="",
                     report_files=[upload(files["exe"], "setup.pdf"), upload(files["vcf"], "tumour.vcf")])
    html = client.post(NEW, data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert error_after(html, "patient_name") and error_after(html, "diagnosis")
    assert "setup.pdf is not a file type MTB accepts" in error_after(html, "report_files")
    assert "choose tumour.vcf again" in html


def test_files_attached_with_the_form_appear_on_the_timeline(client, clinician, login, files, create_case):
    login(clinician)
    data = case_form(action="submit", report_files=[upload(files["pdf"], "NGS report.pdf"), upload(files["vcf"], "tumour.vcf")])
    assert client.post(NEW, data=data, content_type="multipart/form-data").status_code == 302
    case = only_case()
    [event] = [e for e in case.events if e.kind == "attachment_added"]
    assert event.note == "NGS report.pdf, tumour.vcf" and event.user_id == clinician.id
    assert "File attached" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    # The same when a file is added while editing.
    data = edit_form(case, action="save", report_files=[upload(files["png"], "photo.png")])
    assert client.post(f"/cases/{case.id}/edit", data=data, content_type="multipart/form-data").status_code == 302
    db.session.refresh(case)
    assert [e.note for e in case.events if e.kind == "attachment_added"] == ["NGS report.pdf, tumour.vcf", "photo.png"]


def test_windows_path_in_an_uploaded_name_keeps_only_the_file_name(client, clinician, login, files):
    login(clinician)
    data = case_form(action="draft", report_files=[upload(files["pdf"], "C:\\Users\\x\\rapport été.pdf")])
    assert client.post(NEW, data=data, content_type="multipart/form-data").status_code == 302
    assert [a.filename for a in only_case().attachments] == ["rapport été.pdf"]


#: A number field of each kind, with the other fields that row needs.
NUMBER_ROWS = {
    "vaf": {},
    "copy_number": {"kind": "cnv", "gene": "ERBB2", "cnv_type": "amplification", "hgvs_c": None, "hgvs_p": None},
    "tmb": {"kind": "tmb", "gene": None, "hgvs_c": None, "hgvs_p": None},
    "pdl1_tps": {"kind": "pdl1", "gene": None, "hgvs_c": None, "hgvs_p": None},
    "pdl1_cps": {"kind": "pdl1", "gene": None, "hgvs_c": None, "hgvs_p": None},
    "pdl1_ic": {"kind": "pdl1", "gene": None, "hgvs_c": None, "hgvs_p": None},
    "hrd_score": {"kind": "hrd", "gene": None, "hgvs_c": None, "hgvs_p": None},
}


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-inf"])
@pytest.mark.parametrize("name", list(NUMBER_ROWS))
def test_not_a_number_is_refused_next_to_the_field(client, clinician, login, name, value):
    data = case_form(action="submit", **{"biomarkers-0-vaf": None})
    data.update({f"biomarkers-0-{k}": v for k, v in NUMBER_ROWS[name].items() if v is not None})
    for k in [f"biomarkers-0-{k}" for k, v in NUMBER_ROWS[name].items() if v is None]:
        data.pop(k)
    data[f"biomarkers-0-{name}"] = value
    login(clinician)
    response = client.post(NEW, data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "not NaN or Infinity" in error_after(html, f"biomarkers-0-{name}")
    assert f'value="{value}"' in html  # what was typed is shown again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_text_in_a_number_field_gets_one_clear_message(client, clinician, login):
    login(clinician)
    html = client.post(NEW, data=case_form(action="save", **{"biomarkers-0-vaf": "32,5 mg"})).get_data(as_text=True)
    assert error_after(html, "biomarkers-0-vaf") == "Enter a number, e.g. 32 or 12.5."


def test_a_vanishingly_small_number_is_refused_rather_than_rounded_to_zero(client, clinician, login):
    login(clinician)
    data = case_form(action="save", **{"biomarkers-1-kind": "cnv", "biomarkers-1-gene": "CDKN2A",
                                       "biomarkers-1-cnv_type": "deletion", "biomarkers-1-copy_number": "1e-999999"})
    response = client.post(NEW, data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "At most 2 decimals are kept" in error_after(html, "biomarkers-1-copy_number")
    assert 'value="1e-999999"' in html


def test_a_vanishingly_small_vaf_is_refused_rather_than_stored_as_zero(client, clinician, login):
    login(clinician)
    response = client.post(NEW, data=case_form(action="save", **{"biomarkers-0-vaf": "1e-999999"}))
    assert response.status_code == 422
    assert "smaller than 0.0001 percent" in error_after(response.get_data(as_text=True), "biomarkers-0-vaf")


def test_services_refuse_not_a_number_from_other_callers(request_ctx):
    from mtb.cases import validation

    problems = validation.Problems()
    assert validation.check_biomarker({"kind": "tmb", "tmb": "NaN"}, "biomarkers-0", problems)["tmb"] is None
    assert "not NaN or Infinity" in problems.errors["biomarkers-0-tmb"][0]
