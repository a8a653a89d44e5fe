"""Defects a reviewer found posting the case form: a typographic dash between two positions
read as an intronic offset, TERT's promoter nicknames stored as protein changes, report
wording refused without saying where it goes, VEP's space separated c./p. pair refused."""

import html
import re

import pytest
import sqlalchemy as sa

from mtb.cases.descriptions import check_descriptions
from mtb.cases.hgvs import normalise_c, normalise_g, normalise_p
from mtb.cases.models import Case
from mtb.errors import InvalidInput
from mtb.extensions import db
from tests.fixtures.cases import case_form

NEW = "/boards/thoracic/cases/new"


def only_case() -> Case:
    return db.session.scalars(sa.select(Case)).one()


def next_to(page: str, field_id: str, kind: str = "error") -> str:
    match = re.search(rf'<p class="{kind}" id="{re.escape(field_id)}-{kind}">(.*?)</p>', page, re.S)
    return html.unescape(match.group(1)) if match else ""


def post(client, gene: str, hgvs_c: str = "", hgvs_p: str = ""):
    return client.post(NEW, data=case_form(action="draft", **{
        "biomarkers-0-gene": gene, "biomarkers-0-hgvs_c": hgvs_c, "biomarkers-0-hgvs_p": hgvs_p}))


# --- 1. a dash between two positions ------------------------------------------------------

@pytest.mark.parametrize("typed, positions, ranged", [
    ("c.2235\u20132249del", "2235\u20132249", "c.2235_2249del"),      # en dash
    ("c.2313\u20132324dup", "2313\u20132324", "c.2313_2324dup"),
    ("c.2235\u20142249del", "2235\u20142249", "c.2235_2249del"),      # em dash
    ("c.2235 \u2013 2249del", "2235 \u2013 2249", "c.2235_2249del"),
    ("c.2235\u22122249del", "2235\u22122249", "c.2235_2249del"),      # a minus sign that also reads as a range
    ("NM_005228.5:c.2235\u20132249del (p.E746_A750del)", "2235\u20132249", "c.2235_2249del"),
])
def test_a_dash_between_two_positions_is_refused_next_to_the_field_with_a_question(client, clinician, login, typed,
                                                                                   positions, ranged):
    login(clinician)
    response = post(client, "EGFR", hgvs_c=typed)
    assert response.status_code == 422
    message = next_to(response.get_data(as_text=True), "biomarkers-0-hgvs_c")
    assert f"A dash between two positions ({positions})" in message
    assert "range or a position in the intron?" in message
    assert ranged in message and ranged.replace("_", "-") in message
    assert not db.session.scalars(sa.select(Case)).all()


def test_a_dash_before_a_length_that_only_a_range_fits_asks_for_the_range(client, clinician, login):
    login(clinician)  # was refused as "positions cover 1"
    response = post(client, "EGFR", hgvs_c="c.2235\u20132249del15")
    assert response.status_code == 422
    assert next_to(response.get_data(as_text=True), "biomarkers-0-hgvs_c") == (
        "A dash between two positions (2235\u20132249): a range is written with an underscore, e.g. c.2235_2249del.")


def test_a_dash_between_two_genomic_positions_asks_for_the_range():
    with pytest.raises(InvalidInput) as raised:
        normalise_g("NC_000007.14:g.1000\u20132000del")
    assert "A dash between two positions (1000\u20132000)" in raised.value.message
    assert "e.g. g.1000_2000del" in raised.value.message


def test_an_en_dash_that_can_only_be_an_intronic_offset_names_the_hyphen():
    with pytest.raises(InvalidInput) as raised:
        normalise_c("c.3028\u20131G>A")
    assert "A dash between two positions (3028\u20131)" in raised.value.message
    assert "e.g. c.3028-1G>A" in raised.value.message


@pytest.mark.parametrize("typed, stored", [
    ("c.\u2212124C>T", "c.-124C>T"),           # minus sign after c.
    ("c.\u2013124C>T", "c.-124C>T"),           # en dash after c., no digit before it
    ("c.100\u22122A>G", "c.100-2A>G"),          # a minus in an offset: a range cannot carry A>G
    ("c.100\u22122del", "c.100-2del"),          # c.100_2del would run backwards
    ("c.3028+1G>A", "c.3028+1G>A"),
    ("c.3028-1G>A", "c.3028-1G>A"),
    ("c.2235-2249del", "c.2235-2249del"),       # the ASCII hyphen is what was meant
])
def test_a_dash_that_can_only_mean_a_minus_is_still_read_as_one(client, clinician, login, typed, stored):
    assert normalise_c(typed).value == stored
    login(clinician)
    assert post(client, "TP53", hgvs_c=typed).status_code == 302
    assert only_case().biomarkers[0].hgvs_c == stored


def test_a_hyphenated_gene_before_the_change_is_no_range():
    assert normalise_c("NKX2\u20131:c.100A>G").value == "c.100A>G"


# --- 2. TERT promoter nicknames; a change outside the coding sequence ---------------------

TERT_MESSAGE = ("TERT C228T is the promoter change c.-124C>T (C250T is c.-146C>T): write it in the c. field and "
                "leave p. empty.")


@pytest.mark.parametrize("hgvs_c, hgvs_p", [
    ("", "C228T"), ("", "C250T"), ("", "p.C228T"), ("", "p.Cys228Thr"), ("", "p.(Cys250Thr)"),
    ("c.-124C>T", "C228T"), ("c.-146C>T", "p.Cys250Thr"),
])
def test_tert_c228t_in_the_protein_field_is_refused_next_to_it(client, clinician, login, hgvs_c, hgvs_p):
    login(clinician)
    response = post(client, "TERT", hgvs_c=hgvs_c, hgvs_p=hgvs_p)
    assert response.status_code == 422
    assert next_to(response.get_data(as_text=True), "biomarkers-0-hgvs_p") == TERT_MESSAGE


def test_tert_c228t_typed_in_the_coding_field_says_what_to_write():
    assert check_descriptions({"hgvs_c": "C228T"}, "TERT").errors == {"hgvs_c": [TERT_MESSAGE]}


def test_tert_promoter_change_alone_is_stored(client, clinician, login):
    login(clinician)
    assert post(client, "TERT", hgvs_c="c.-124C>T").status_code == 302
    variant = only_case().biomarkers[0]
    assert (variant.hgvs_c, variant.hgvs_p) == ("c.-124C>T", None)


@pytest.mark.parametrize("gene, hgvs_c, hgvs_p", [
    ("KRAS", "c.*32A>G", "p.G12D"),
    ("BRCA1", "c.-20_-10del", "p.Met1Val"),
    ("TERT", "c.-124C>T", "p.Arg5Trp"),
])
def test_a_protein_change_for_a_change_outside_the_coding_sequence_is_refused(client, clinician, login, gene, hgvs_c,
                                                                              hgvs_p):
    login(clinician)
    response = post(client, gene, hgvs_c=hgvs_c, hgvs_p=hgvs_p)
    assert response.status_code == 422
    message = next_to(response.get_data(as_text=True), "biomarkers-0-hgvs_p")
    assert f"{hgvs_c} lies outside the coding sequence" in message and "changes no amino acid" in message


@pytest.mark.parametrize("hgvs_c, hgvs_p", [
    ("c.-124C>T", "p.?"), ("c.-124C>T", "p.(?)"), ("c.*32A>G", "p.="), ("c.*32A>G", "p.(=)"),
    ("c.-124C>T", "p.0"), ("c.-124C>T", "p.(0)"), ("c.-124C>T", "p.0?"),
    ("c.100-2A>G", "p.Val34Glu"),              # an intronic offset is not outside the coding sequence
    ("c.1799T>A", "p.V600E"),
    ("c.-10_*10del", "p.Val34Glu"),            # spans the coding sequence
])
def test_what_a_change_outside_the_coding_sequence_may_give_as_protein(hgvs_c, hgvs_p):
    assert check_descriptions({"hgvs_c": hgvs_c, "hgvs_p": hgvs_p}, "KRAS").errors == {}


# --- 3. report wording; VEP's space separated pair ----------------------------------------

@pytest.mark.parametrize("field, typed, exon", [
    ("hgvs_p", "exon 19 deletion", "exon 19"), ("hgvs_p", "ex19del", "exon 19"),
    ("hgvs_p", "exon 20 insertion", "exon 20"), ("hgvs_p", "MET exon 14 skipping", "exon 14"),
    ("hgvs_c", "exon 19 deletion", "exon 19"), ("hgvs_c", "ex19del", "exon 19"),
])
def test_exon_wording_is_refused_saying_where_it_goes(client, clinician, login, field, typed, exon):
    login(clinician)
    response = post(client, "EGFR", **{field: typed})
    assert response.status_code == 422
    message = next_to(response.get_data(as_text=True), f"biomarkers-0-{field}")
    assert message.startswith(f"“{typed}” is not an HGVS change: put “{exon}” in the Exon / intron field")
    assert "or record it as an Other finding" in message


def test_a_protein_change_after_a_residue_named_ex_is_still_a_protein_change():
    assert normalise_p("E19del").value == "p.Glu19del"
    assert normalise_p("p.Ter110GlnextTer17").value == "p.Ter110GlnextTer17"


def test_vep_pair_pasted_in_the_coding_field_fills_both_fields(client, clinician, login):
    login(clinician)
    response = post(client, "EGFR", hgvs_c="NM_005228.5:c.2573T>G NP_005219.2:p.Leu858Arg")
    assert response.status_code == 302
    variant = only_case().biomarkers[0]
    assert (variant.transcript, variant.hgvs_c, variant.hgvs_p) == ("NM_005228.5", "c.2573T>G", "p.Leu858Arg")


def test_vep_pair_is_read_like_the_parenthesised_pair():
    spaced = normalise_c("NM_005228.5:c.2573T>G NP_005219.2:p.Leu858Arg")
    bracketed = normalise_c("NM_005228.5:c.2573T>G (NP_005219.2:p.Leu858Arg)")
    assert spaced == bracketed
    assert (spaced.value, spaced.reference, spaced.protein) == ("c.2573T>G", "NM_005228.5", "p.Leu858Arg")
    assert normalise_c("c.2369C>T; NP_005219.2:p.T790M").protein == "p.Thr790Met"
    with pytest.raises(InvalidInput, match="more than the DNA change"):
        normalise_c("c.2573T>G NP_005219.2:p.Xyz")
