"""A variant's descriptions as pasted from reports: the reference before the colon goes to
its field, the change is stored in its normal form and shown so, every refusal stands
next to its field with an example and everything typed kept."""

import re

import pytest
import sqlalchemy as sa

from mtb.cases.models import Case
from mtb.extensions import db
from tests.fixtures.cases import case_form

NEW = "/boards/thoracic/cases/new"


def only_case() -> Case:
    return db.session.scalars(sa.select(Case)).one()


def shown_next_to(html: str, field_id: str, kind: str = "error") -> str:
    match = re.search(rf'<p class="{kind}" id="{re.escape(field_id)}-{kind}">(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


def stored_as(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="stored-as" id="{re.escape(field_id)}-note"[^>]*>(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


def braf_row(**fields) -> dict:
    row = {"biomarkers-0-gene": "BRAF", "biomarkers-0-hgvs_c": "", "biomarkers-0-hgvs_p": "",
           "biomarkers-0-transcript": ""}
    row.update({f"biomarkers-0-{k}": v for k, v in fields.items()})
    return row


def post(client, **fields):
    return client.post(NEW, data=case_form(action="draft", **braf_row(**fields)))


def test_pasted_references_are_split_off_and_the_one_letter_conversion_never_touches_them(client, clinician, login):
    login(clinician)
    response = post(client, hgvs_c="NM_004333.6:c.1799T>A", hgvs_p="NP_004324.2:p.V600E")
    assert response.status_code == 302
    [variant] = only_case().biomarkers
    assert (variant.transcript, variant.hgvs_c) == ("NM_004333.6", "c.1799T>A")
    assert (variant.protein_reference, variant.hgvs_p) == ("NP_004324.2", "p.Val600Glu")
    page = client.get(response.location).get_data(as_text=True)
    assert "BRAF NM_004333.6:c.1799T&gt;A p.Val600Glu" in page and "protein NP_004324.2" in page
    assert "c.NM_" not in page and "AsnPro" not in page


def test_clinvar_title_form_gives_transcript_gene_and_protein(client, clinician, login):
    login(clinician)
    assert post(client, hgvs_c="NM_004333.6(BRAF):c.1799T>A (p.V600E)").status_code == 302
    [variant] = only_case().biomarkers
    assert (variant.transcript, variant.hgvs_c, variant.hgvs_p) == ("NM_004333.6", "c.1799T>A", "p.Val600Glu")


def test_a_transcript_clash_is_an_error_next_to_the_transcript_field(client, clinician, login):
    login(clinician)
    response = post(client, transcript="NM_004333.5", hgvs_c="NM_004333.6:c.1799T>A")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    message = shown_next_to(html, "biomarkers-0-transcript")
    assert "NM_004333.6" in message and "NM_004333.5" in message and "e.g." in message
    assert 'value="NM_004333.5"' in html and 'value="NM_004333.6:c.1799T&gt;A"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_the_same_transcript_typed_twice_is_no_clash(client, clinician, login):
    login(clinician)
    assert post(client, transcript="NM_004333.6", hgvs_c="NM_004333.6:c.1799T>A").status_code == 302
    assert only_case().biomarkers[0].transcript == "NM_004333.6"


def test_a_gene_before_the_colon_must_be_the_rows_gene(client, clinician, login):
    login(clinician)
    response = post(client, hgvs_p="KRAS:p.G12C")
    assert response.status_code == 422
    message = shown_next_to(response.get_data(as_text=True), "biomarkers-0-hgvs_p")
    assert "KRAS" in message and "BRAF" in message and "e.g." in message
    assert post(client, hgvs_p="BRAF:p.V600E").status_code == 302
    assert only_case().biomarkers[0].hgvs_p == "p.Val600Glu"


@pytest.mark.parametrize("typed, field, words", [
    ("hello:c.1A>G", "hgvs_c", "“hello” before the colon"),
    ("c.2573T>T", "hgvs_c", "the same"),
    ("p.V600", "hgvs_p", "not a valid HGVS protein change"),
    ("c.1799T>A", "hgvs_p", "protein"),
    ("p.V600E", "hgvs_c", "protein change"),
    ("NC_000007.14:g.140753336A>T", "hgvs_c", "genomic"),
])
def test_each_refusal_says_what_is_wrong_with_an_example_next_to_the_field(client, clinician, login, typed, field,
                                                                           words):
    login(clinician)
    other = {"hgvs_c": "hgvs_p", "hgvs_p": "hgvs_c"}[field]
    response = post(client, **{field: typed, other: "p.V600E" if other == "hgvs_p" else ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    message = shown_next_to(html, f"biomarkers-0-{field}")
    assert words in message and "e.g." in message, message
    assert f'value="{typed.replace(">", "&gt;")}"' in html  # what was typed stays


@pytest.mark.parametrize("typed", ["NP_004324.2", "ENSP00000288602.7", "BRAF", "NC_000007.14"])
def test_only_a_transcript_goes_in_the_transcript_field(client, clinician, login, typed):
    login(clinician)
    response = post(client, transcript=typed, hgvs_c="c.1799T>A")
    assert response.status_code == 422
    assert "e.g. NM_004333.6" in shown_next_to(response.get_data(as_text=True), "biomarkers-0-transcript")


def test_report_style_forms_are_stored_normalised_and_said_so_after_saving(client, clinician, login):
    login(clinician)
    response = client.post(NEW, data=case_form(action="draft", **{
        "biomarkers-0-hgvs_c": "c.2235_2249delGGAATTAAGAGAAGC", "biomarkers-0-hgvs_p": "p.E746_A750delELREA"}))
    assert response.status_code == 302
    [variant] = only_case().biomarkers
    assert (variant.hgvs_c, variant.hgvs_p) == ("c.2235_2249del", "p.Glu746_Ala750del")
    page = client.get(response.location).get_data(as_text=True)
    assert "Stored as c.2235_2249del." in page and "c.2235_2249del" in page


def test_a_protein_change_given_with_the_coding_change_fills_the_protein_field(client, clinician, login):
    login(clinician)
    assert post(client, hgvs_c="c.1799T>A (p.V600E)").status_code == 302
    assert only_case().biomarkers[0].hgvs_p == "p.Val600Glu"


def test_a_protein_change_given_twice_must_agree(client, clinician, login):
    login(clinician)
    response = post(client, hgvs_c="c.1799T>A (p.V600E)", hgvs_p="p.V600K")
    assert response.status_code == 422
    message = shown_next_to(response.get_data(as_text=True), "biomarkers-0-hgvs_p")
    assert "p.Val600Glu" in message and "p.Val600Lys" in message
    assert post(client, hgvs_c="c.1799T>A (p.V600E)", hgvs_p="p.(V600E)").status_code == 302


def test_a_transcript_without_version_warns_but_saves(client, clinician, login):
    login(clinician)
    response = post(client, transcript="NM_004333", hgvs_c="c.1799T>A")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "has no version" in page and "flash-warning" in page
    assert only_case().biomarkers[0].transcript == "NM_004333"


def test_warnings_and_stored_forms_stand_next_to_their_fields_when_the_form_comes_back(client, clinician, login):
    login(clinician)
    response = client.post(NEW, data=case_form(action="draft", patient_name="", **braf_row(
        transcript="NM_004333", hgvs_c="c.1799T>A (p.V600E)")))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "has no version" in shown_next_to(html, "biomarkers-0-transcript", "warning")
    assert "p.Val600Glu" in stored_as(html, "biomarkers-0-hgvs_p")


def test_the_edit_form_shows_the_protein_reference_with_its_change_and_keeps_it(client, clinician, login):
    login(clinician)
    post(client, hgvs_c="NM_004333.6:c.1799T>A", hgvs_p="NP_004324.2:p.V600E")
    case = only_case()
    html = client.get(f"/cases/{case.id}/edit").get_data(as_text=True)
    assert 'value="NP_004324.2:p.Val600Glu"' in html and 'value="NM_004333.6"' in html
    data = case_form(action="draft", version=str(case.version), **braf_row(
        transcript="NM_004333.6", hgvs_c="c.1799T>A", hgvs_p="NP_004324.2:p.Val600Glu",
        biomarker_id=str(case.biomarkers[0].id)))
    assert client.post(f"/cases/{case.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert only_case().biomarkers[0].protein_reference == "NP_004324.2"


# --- the live hint -------------------------------------------------------------------

def check(client, field, value, **row):
    response = client.get("/cases/check", query_string={"field": field, "value": value, **row})
    assert response.status_code == 200
    return response.get_json()


def test_live_hint_shows_the_form_a_save_stores(client, clinician, login):
    login(clinician)
    answer = check(client, "hgvs_c", "c.2235_2249delGGAATTAAGAGAAGC", gene="EGFR")
    assert answer["valid"] and answer["value"] == "c.2235_2249del" and "Stored as c.2235_2249del" in answer["message"]
    answer = check(client, "hgvs_c", "NM_004333.6:c.1799T>A", gene="BRAF")
    assert answer["value"] == "c.1799T>A" and "NM_004333.6" in answer["message"]
    answer = check(client, "hgvs_p", "NP_004324.2:p.V600E", gene="BRAF")
    assert answer["value"] == "p.Val600Glu" and "NP_004324.2" in answer["message"]


def test_live_hint_names_the_problem_a_save_would_refuse(client, clinician, login):
    login(clinician)
    assert not check(client, "hgvs_c", "hello:c.1A>G")["valid"]
    answer = check(client, "hgvs_p", "KRAS:p.G12C", gene="BRAF")
    assert not answer["valid"] and "BRAF" in answer["message"]
    answer = check(client, "hgvs_c", "NM_004333.6:c.1799T>A", gene="BRAF", transcript="NM_000000.1")
    assert answer["valid"] and "NM_000000.1" in answer["message"]  # the clash, said beside the change


def test_live_hint_needs_a_known_field_and_a_signed_in_user(client, clinician, login):
    assert client.get("/cases/check?field=hgvs_c&value=c.1A>G").status_code == 302
    login(clinician)
    assert client.get("/cases/check?field=patient_name&value=x").status_code == 400
