"""Findings as clinicians paste them from PDF reports into the case form: invisible
characters in gene symbols, percentages with their sign, alternative exons (EML4 exon 6a),
a gene prefix in lower case; and the words the labels and refusals print about them."""

from decimal import Decimal

import pytest
import sqlalchemy as sa
from markupsafe import escape

from mtb.cases.biomarker_labels import finding_details
from mtb.cases.models import Biomarker, Case, MolecularReport
from mtb.extensions import db
from tests.cases.test_findings_form import next_to
from tests.fixtures.cases import case_form

NEW = "/boards/thoracic/cases/new"


def post_row(client, reports=None, **row):
    """A draft case whose only finding is ``row`` (with ``reports``' fields posted too)."""
    data = case_form(action="draft")
    for key in [key for key in data if key.startswith("biomarkers-0-")]:
        data.pop(key)
    data.update({f"biomarkers-0-{name}": value for name, value in row.items()})
    data.update(reports or {})
    return client.post(NEW, data=data)


def saved_finding() -> Biomarker:
    return db.session.scalars(sa.select(Case).order_by(Case.id.desc())).first().biomarkers[0]


def error_of(response, name: str) -> str:
    return next_to(response.get_data(as_text=True), f"biomarkers-0-{name}")


# --- 1. Invisible characters in gene symbols ------------------------------------------

@pytest.mark.parametrize("typed", ["EGFR\u200b", "EGFR\u00ad", "\ufeffEGFR", "ＥＧＦＲ", "E\u200bGFR "])
def test_a_gene_symbol_pasted_with_invisible_characters_is_the_symbol_seen(client, clinician, login, typed):
    login(clinician)
    response = post_row(client, kind="variant", gene=typed, hgvs_p="p.L858R")
    assert response.status_code == 302, error_of(response, "gene")
    assert saved_finding().gene == "EGFR"


def test_fusion_partners_pasted_with_invisible_characters_are_stored_clean(client, clinician, login):
    login(clinician)
    response = post_row(client, kind="fusion", gene="EML4\u00ad", gene_3p="ＡＬＫ\u200b")
    assert response.status_code == 302, error_of(response, "gene")
    assert (saved_finding().gene, saved_finding().gene_3p) == ("EML4", "ALK")


def test_a_negative_panel_stores_the_symbols_without_invisible_characters(client, clinician, login):
    login(clinician)
    response = post_row(client, kind="negative", not_detected="EGFR\u200b, ALK\u00ad; ＲＯＳ１, MET\u00a0exon\u200b 14")
    assert response.status_code == 302, error_of(response, "not_detected")
    assert saved_finding().not_detected == ["EGFR", "ALK", "ROS1", "MET exon 14"]


@pytest.mark.parametrize("typed, stored", [
    ("ALK/ROS1/RET", ["ALK", "ROS1", "RET"]),  # three genes, each checked
    ("NTRK1/2/3", ["NTRK1/2/3"]),  # one gene's family, as the lab wrote it
    ("EGFR(ex18-21)", ["EGFR(ex18-21)"]),
    ("EGFR (exons 18-21), KRAS (codons 12, 13, 61)", ["EGFR (exons 18-21)", "KRAS (codons 12, 13, 61)"]),
])
def test_a_negative_panel_is_kept_as_the_report_lists_it(client, clinician, login, typed, stored):
    """Commas inside brackets do not split an item; genes joined by slashes are each a gene."""
    login(clinician)
    response = post_row(client, kind="negative", not_detected=typed)
    assert response.status_code == 302, error_of(response, "not_detected")
    assert saved_finding().not_detected == stored


def test_an_unknown_symbol_with_invisible_characters_is_still_refused(client, clinician, login):
    login(clinician)
    response = post_row(client, kind="variant", gene="EGFX\u200b", hgvs_p="p.L858R")
    assert response.status_code == 422
    assert "EGFX is not an HGNC gene symbol" in error_of(response, "gene")


# --- 2. Percentages written with their sign ---------------------------------------------

@pytest.mark.parametrize("typed", ["35%", "35 %", "35\u00a0%", "35\u202f%", "35,0 %"])
def test_a_vaf_written_with_its_percent_sign_is_stored_as_the_number(client, clinician, login, typed):
    login(clinician)
    response = post_row(client, kind="variant", gene="EGFR", hgvs_p="p.L858R", vaf=typed)
    assert response.status_code == 302, error_of(response, "vaf")
    assert saved_finding().vaf == Decimal(35)  # 35 %, never a fraction of 0.35


def test_tumour_content_and_pdl1_percentages_take_their_percent_sign(client, clinician, login):
    login(clinician)
    response = post_row(client, kind="pdl1", pdl1_tps="80 %", pdl1_ic="5%",
                        reports={"reports-0-assay": "22C3 IHC", "reports-0-specimen_type": "ffpe_tissue",
                                 "reports-0-tumour_content": "40\u00a0%", "biomarkers-0-report": "reports-0"})
    assert response.status_code == 302, response.get_data(as_text=True)
    finding = saved_finding()
    assert (finding.pdl1_tps, finding.pdl1_ic) == (Decimal(80), Decimal(5))
    assert db.session.scalars(sa.select(MolecularReport)).one().tumour_content == Decimal(40)


@pytest.mark.parametrize("name, typed", [("vaf", "%"), ("vaf", "35 %%"), ("vaf", "% 35"), ("vaf", "150 %")])
def test_a_percent_sign_without_a_percentage_is_refused(client, clinician, login, name, typed):
    login(clinician)
    response = post_row(client, kind="variant", gene="EGFR", hgvs_p="p.L858R", **{name: typed})
    assert response.status_code == 422
    assert error_of(response, name)


@pytest.mark.parametrize("row, name", [
    ({"kind": "tmb", "tmb": "12 %"}, "tmb"),
    ({"kind": "cnv", "gene": "MET", "cnv_type": "amplification", "copy_number": "9%"}, "copy_number"),
    ({"kind": "cnv", "gene": "MET", "cnv_type": "amplification", "cn_ratio": "2.5 %"}, "cn_ratio"),
    ({"kind": "pdl1", "pdl1_cps": "10 %"}, "pdl1_cps"),
])
def test_a_percent_sign_is_refused_where_the_value_is_no_percentage(client, clinician, login, row, name):
    login(clinician)
    response = post_row(client, **row)
    assert response.status_code == 422
    assert "Enter a number" in error_of(response, name)


def test_percentage_fields_let_the_browser_send_a_percent_sign(client, clinician, login):
    """A number input would refuse "35 %" before the server sees it."""
    login(clinician)
    page = client.get(NEW).get_data(as_text=True)
    vaf = page[page.index('id="biomarkers-0-vaf"') - 200:page.index('id="biomarkers-0-vaf"') + 200]
    assert 'type="text"' in vaf and 'inputmode="decimal"' in vaf
    # Nor any other number: a number input drops the comma of "8,5" (TMB 85) in the browser.
    for name in ("tmb", "copy_number", "cn_ratio", "log2_ratio", "pdl1_cps", "hrd_score"):
        html = page[page.index(f'id="biomarkers-0-{name}"') - 200:page.index(f'id="biomarkers-0-{name}"') + 200]
        assert 'type="number"' not in html and 'inputmode="decimal"' in html, name


@pytest.mark.parametrize("row, field, stored", [
    ({"kind": "tmb", "tmb": "8,5"}, "tmb", Decimal("8.5")),
    ({"kind": "cnv", "gene": "CDKN2A", "cnv_type": "loss", "log2_ratio": "\u22121.5"}, "log2_ratio", Decimal("-1.5")),
    ({"kind": "cnv", "gene": "CDKN2A", "cnv_type": "loss", "log2_ratio": "\u20131,2"}, "log2_ratio", Decimal("-1.2")),
    ({"kind": "pdl1", "pdl1_cps": "\u202f12,5\u202f"}, "pdl1_cps", Decimal("12.5")),
])
def test_numbers_pasted_from_a_report_are_read_as_written(client, clinician, login, row, field, stored):
    """A decimal comma, a PDF's minus sign (U+2212, en dash), French narrow spaces: the
    number the report printed, never another (8,5 mut/Mb is not 85)."""
    login(clinician)
    assert post_row(client, **row).status_code == 302
    assert getattr(saved_finding(), field) == stored


# --- 3. Copies in the singular and the plural -------------------------------------------

@pytest.mark.parametrize("copies, label", [
    ("1", "CDKN2A loss (1 copy)"), ("0", "CDKN2A loss (0 copies)"), ("2.5", "CDKN2A loss (2.5 copies)"),
    ("1.5", "CDKN2A loss (1.5 copies)"),
])
def test_a_copy_number_label_agrees_with_the_number(client, clinician, login, copies, label):
    login(clinician)
    assert post_row(client, kind="cnv", gene="CDKN2A", cnv_type="loss", copy_number=copies).status_code == 302
    assert saved_finding().full_label == label
    page = client.get(f"/cases/{saved_finding().case_id}").get_data(as_text=True)
    assert label in page


# --- 4. Copy-number refusals that read right ---------------------------------------------

@pytest.mark.parametrize("cnv_type, log2, chosen", [("amplification", "-1", "amplification"),
                                                    ("gain", "-0.5", "gain"), ("loss", "1.2", "loss")])
def test_a_log2_ratio_against_the_change_chosen_names_that_change(client, clinician, login, cnv_type, log2, chosen):
    login(clinician)
    response = post_row(client, kind="cnv", gene="ERBB2", cnv_type=cnv_type, log2_ratio=log2)
    assert response.status_code == 422
    message = error_of(response, "log2_ratio")
    assert f"A log2 ratio of {log2} does not fit the change chosen ({chosen})" in message
    assert "a amplification" not in message


@pytest.mark.parametrize("ratio", ["1000", "0.001", "0"])
def test_a_centromere_ratio_out_of_range_is_refused_with_the_range(client, clinician, login, ratio):
    login(clinician)
    response = post_row(client, kind="cnv", gene="MET", cnv_type="amplification", cn_ratio=ratio)
    assert response.status_code == 422
    assert "between 0.01 and 999" in error_of(response, "cn_ratio")


# --- 5. Alternative exons as fusion breakpoints -------------------------------------------

@pytest.mark.parametrize("typed, stored", [("exon 6a", "exon 6a"), ("Exon 6B", "exon 6b"), ("ex6b", "exon 6b"),
                                           ("6a", "exon 6a")])
def test_an_alternative_exon_is_a_fusion_breakpoint(client, clinician, login, typed, stored):
    login(clinician)
    response = post_row(client, kind="fusion", gene="EML4", gene_3p="ALK", breakpoint_5p=typed, breakpoint_3p="exon 20")
    assert response.status_code == 302, error_of(response, "breakpoint_5p")
    finding = saved_finding()
    assert finding.breakpoint_5p == stored
    assert f"breakpoints EML4 {stored}::ALK exon 20" in finding_details(finding)


@pytest.mark.parametrize("typed", ["exon 6z", "exon 6ab", "exon a6", "exon 6a-7", "exon 0a"])
def test_a_breakpoint_that_is_no_exon_is_still_refused(client, clinician, login, typed):
    login(clinician)
    response = post_row(client, kind="fusion", gene="EML4", gene_3p="ALK", breakpoint_5p=typed, breakpoint_3p="exon 20")
    assert response.status_code == 422
    assert "Write the exon or intron number" in error_of(response, "breakpoint_5p")


# --- 6. The coding change as reports print it ---------------------------------------------

@pytest.mark.parametrize("typed", ["egfr:c.2573T>G", "Egfr:c.2573T>G", "egfr c.2573T>G", "NM_005228.5(egfr):c.2573T>G"])
def test_a_gene_prefix_in_lower_case_is_the_rows_gene(client, clinician, login, typed):
    login(clinician)
    response = post_row(client, kind="variant", gene="egfr", hgvs_c=typed, hgvs_p="p.L858R")
    assert response.status_code == 302, error_of(response, "hgvs_c")
    assert (saved_finding().gene, saved_finding().hgvs_c) == ("EGFR", "c.2573T>G")


@pytest.mark.parametrize("typed", ["BRAF V600E", "BRAF Val600Glu", "braf V600E"])
def test_a_finding_written_as_reports_do_gene_then_change_is_read(client, clinician, login, typed):
    """"BRAF V600E" pasted into the p. field: the gene, then the protein change without p."""
    login(clinician)
    response = post_row(client, kind="variant", gene="BRAF", hgvs_p=typed)
    assert response.status_code == 302, error_of(response, "hgvs_p")
    assert (saved_finding().gene, saved_finding().hgvs_p) == ("BRAF", "p.Val600Glu")


def test_a_finding_written_with_another_gene_is_still_named(client, clinician, login):
    login(clinician)
    response = post_row(client, kind="variant", gene="BRAF", hgvs_p="KRAS G12C")
    assert response.status_code == 422 and "KRAS" in error_of(response, "hgvs_p")


def test_a_lower_case_prefix_of_another_gene_is_named_in_upper_case(client, clinician, login):
    login(clinician)
    response = post_row(client, kind="variant", gene="EGFR", hgvs_c="kras:c.35G>A")
    assert response.status_code == 422
    assert "given for KRAS but the row&#39;s gene is EGFR" in error_of(response, "hgvs_c")


def test_a_word_before_the_colon_is_still_no_gene(client, clinician, login):
    login(clinician)
    response = post_row(client, kind="variant", gene="EGFR", hgvs_c="hello:c.2573T>G")
    assert response.status_code == 422
    assert "neither a reference sequence nor a gene symbol" in error_of(response, "hgvs_c")


@pytest.mark.parametrize("typed", ["c.2573T>G (p.L858R) exon 21", "c.2573T>G exon 21", "c.2573T>G (p.L858R), Exon 21"])
def test_protein_change_and_exon_typed_with_the_coding_change_are_sent_to_their_fields(client, clinician, login,
                                                                                       typed):
    login(clinician)
    response = post_row(client, kind="variant", gene="EGFR", hgvs_c=typed)
    assert response.status_code == 422
    message = error_of(response, "hgvs_c")
    assert f"“{escape(typed)}”" in message  # quoted as typed
    assert "the protein change and the exon go in their own fields" in message
