"""Findings a reviewer posted through the case form and saw saved wrong: a copy-number type
its numbers contradict, fusions oriented by wrong usual ends (KMT2A, RUNX1), a driver chosen
against the obvious one, a negative panel pasted with tabs or ending in "negative", and a
refused PD-L1 CPS that also asked for "at least one" result."""

import re

import pytest

from mtb.cases.gene_checks import panel_items
from mtb.cases.models import FusionDriver
from mtb.cases.vcf import read_vcf
from mtb.cases.vcf_rows import propose
from mtb.cases.vocab import fusion_order
from mtb.extensions import db
from tests.cases.test_findings_form import fusion, next_to, only_case, post, row
from tests.cases.test_vcf_robustness import COLUMNS, HEADER, csq

BLANK_VARIANT = {"hgvs_c": "", "hgvs_p": "", "vaf": ""}


def cnv(**fields) -> dict:
    return row(0, kind="cnv", gene=fields.pop("gene", "ERBB2"), **BLANK_VARIANT, **fields)


# --- 1. Copy-number type against the copy number and the FISH ratio -----------------------------

@pytest.mark.parametrize("cnv_type, field, value, words", [
    ("loss", "copy_number", "8", "copy number of 8 does not fit the change chosen (loss)"),
    ("deletion", "copy_number", "12", "copy number of 12 does not fit the change chosen (deletion)"),
    ("deletion", "copy_number", "5", "copy number of 5 does not fit"),
    ("amplification", "copy_number", "0", "copy number of 0 does not fit the change chosen (amplification)"),
    ("amplification", "copy_number", "1", "copy number of 1 does not fit the change chosen (amplification)"),
    ("amplification", "copy_number", "2", "copy number of 2 does not fit"),
    ("gain", "copy_number", "1", "copy number of 1 does not fit the change chosen (gain)"),
    ("gain", "copy_number", "0", "copy number of 0 does not fit"),
    ("loss", "cn_ratio", "3", "ratio to the centromere of 3 does not fit the change chosen (loss)"),
    ("gain", "cn_ratio", "0.5", "ratio to the centromere of 0.5 does not fit the change chosen (gain)"),
    ("amplification", "cn_ratio", "0.5", "ratio to the centromere of 0.5 does not fit"),
])
def test_a_copy_number_or_ratio_that_contradicts_the_type_is_refused_beside_it(client, clinician, login, cnv_type,
                                                                               field, value, words):
    login(clinician)
    response = post(client, cnv(gene="MET", cnv_type=cnv_type, **{field: value}))
    assert response.status_code == 422
    message = next_to(response.get_data(as_text=True), f"biomarkers-0-{field}")
    assert words in message and "Check the" in message and "or the type" in message


@pytest.mark.parametrize("cnv_type, field, value", [
    ("loss", "copy_number", "3"),  # a loss in a tetraploid tumour
    ("loss", "copy_number", "4"),
    ("deletion", "copy_number", "0"),
    ("loss", "copy_number", "1"),
    ("gain", "copy_number", "3"),
    ("gain", "copy_number", "2"),  # AR on a man's X chromosome: 1 copy is normal
    ("amplification", "copy_number", "8"),
    ("amplification", "copy_number", "2.5"),
    ("gain", "cn_ratio", "1"),  # polysomy
    ("loss", "cn_ratio", "1"),  # monosomy
    ("amplification", "cn_ratio", "2.5"),
    ("deletion", "cn_ratio", "0.4"),
])
def test_a_copy_number_or_ratio_that_fits_the_type_with_room_for_ploidy_saves(client, clinician, login, cnv_type,
                                                                              field, value):
    login(clinician)
    assert post(client, cnv(gene="MET", cnv_type=cnv_type, **{field: value})).status_code == 302


# --- 2. Usual fusion ends: KMT2A is 5′, RUNX1 either ---------------------------------------------

WELL_KNOWN_FUSIONS = [
    ("EML4", "ALK"), ("KIF5B", "RET"), ("CCDC6", "RET"), ("CD74", "ROS1"), ("ETV6", "NTRK3"), ("TPM3", "NTRK1"),
    ("BCR", "ABL1"), ("EWSR1", "FLI1"), ("PAX3", "FOXO1"), ("TMPRSS2", "ERG"), ("FGFR3", "TACC3"),
    ("FGFR2", "BICC1"), ("CD74", "NRG1"), ("BRD4", "NUTM1"), ("KIAA1549", "BRAF"), ("ETV6", "RUNX1"),
    ("RUNX1", "RUNX1T1"), ("PML", "RARA"), ("CBFB", "MYH11"), ("NPM1", "ALK"), ("SS18", "SSX1"), ("EWSR1", "WT1"),
    ("MYB", "NFIB"), ("QKI", "MYB"), ("SLC34A2", "ROS1"), ("SDC4", "ROS1"), ("EZR", "ROS1"), ("TFG", "NTRK1"),
    ("LMNA", "NTRK1"), ("STRN", "ALK"), ("KMT2A", "AFF1"), ("KMT2A", "MLLT3"), ("KMT2A", "MLLT1"),
    ("FGFR1", "TACC1"), ("ZMYM2", "FGFR1"), ("NAB2", "STAT6"), ("DNAJB1", "PRKACA"), ("GOPC", "ROS1"),
]


@pytest.mark.parametrize("five, three", WELL_KNOWN_FUSIONS)
def test_well_known_fusions_keep_their_order_and_are_never_turned_round(five, three):
    """Typed or read in the right order, a well-known fusion stays so; typed the other way
    round, it is put right or left for the reviewer, never turned the wrong way."""
    assert fusion_order(five, three)[:2] == (five, three)
    assert fusion_order(three, five)[:2] in ((five, three), (three, five))
    reordered, _, settled = fusion_order(three, five)
    assert settled or reordered == three


def test_runx1_and_myb_are_at_either_end_so_nothing_is_said_of_them_alone():
    for gene in ("RUNX1", "MYB", "FGFR1"):
        assert fusion_order(gene, "NOVEL1") == (gene, "NOVEL1", False)
        assert fusion_order("NOVEL1", gene) == ("NOVEL1", gene, False)
    assert fusion_order("KMT2A", "NOVEL1") == ("KMT2A", "NOVEL1", True)


@pytest.mark.parametrize("five, three", [("KMT2A", "AFF1"), ("KMT2A", "MLLT3"), ("ETV6", "RUNX1"),
                                         ("RUNX1", "RUNX1T1"), ("QKI", "MYB"), ("MYB", "NFIB")])
def test_a_correctly_typed_fusion_is_not_asked_to_be_swapped(client, clinician, login, five, three):
    login(clinician)
    response = post(client, {"patient_name": ""}, fusion(0, gene=five, gene_3p=three, driver="5p"))
    html = response.get_data(as_text=True)
    assert 'id="biomarkers-0-gene"' in html
    assert "usually the 5′" not in next_to(html, "biomarkers-0-gene", "warning")


def test_kmt2a_typed_second_is_asked_to_be_swapped(client, clinician, login):
    login(clinician)
    response = post(client, {"patient_name": ""}, fusion(0, gene="AFF1", gene_3p="KMT2A", driver="3p"))
    assert "is this KMT2A::AFF1?" in next_to(response.get_data(as_text=True), "biomarkers-0-gene", "warning")


def _bnd_pair(first: tuple[str, int, str], second: tuple[str, int, str]) -> bytes:
    """Two BND mates in genome order, each annotated with its own gene."""
    (chrom_a, pos_a, gene_a), (chrom_b, pos_b, gene_b) = first, second
    alt_a, alt_b = f"A]{chrom_b}:{pos_b}]", f"G]{chrom_a}:{pos_a}]"
    lines = (f"{chrom_a}\t{pos_a}\tbnd_a\tA\t{alt_a}\t.\tPASS\tSVTYPE=BND;MATEID=bnd_b;CSQ="
             + csq(alt_a, gene_a, "", "") + "\tGT\t0/1\t0/0\n"
             f"{chrom_b}\t{pos_b}\tbnd_b\tG\t{alt_b}\t.\tPASS\tSVTYPE=BND;MATEID=bnd_a;CSQ="
             + csq(alt_b, gene_b, "", "") + "\tGT\t0/1\t0/0\n")
    return (HEADER + COLUMNS + lines).encode()


@pytest.mark.parametrize("first, second, expected", [
    (("chr11", 118482000, "KMT2A"), ("chr19", 6220000, "MLLT1"), ("KMT2A", "MLLT1")),  # KMT2A first: kept
    (("chr4", 87000000, "AFF1"), ("chr11", 118482000, "KMT2A"), ("KMT2A", "AFF1")),  # AFF1 first: turned round
    (("chr8", 91950000, "RUNX1T1"), ("chr21", 34880000, "RUNX1"), ("RUNX1", "RUNX1T1")),
    (("chr12", 11850000, "ETV6"), ("chr21", 34880000, "RUNX1"), ("ETV6", "RUNX1")),
])
def test_a_vcf_fusion_with_kmt2a_or_runx1_is_oriented_right(app, first, second, expected):
    rows = [r for r in propose(read_vcf(_bnd_pair(first, second))).rows if r.kind.value == "fusion"]
    assert [(r.values.get("gene"), r.values.get("gene_3p")) for r in rows] == [expected]
    assert not any("does not say which partner is 5" in m for m in rows[0].warnings.get("gene", []))


# --- 3. A driver chosen against the obvious one -----------------------------------------------

def test_a_driver_chosen_against_the_obvious_one_warns_but_saves(client, clinician, login):
    login(clinician)
    response = post(client, {"patient_name": ""}, fusion(0, gene="EML4", gene_3p="ALK", driver="5p"))
    message = next_to(response.get_data(as_text=True), "biomarkers-0-driver", "warning")
    assert "ALK is the usual driver of EML4::ALK, not EML4" in message and "EML4 fusion" in message
    response = post(client, fusion(0, gene="EML4", gene_3p="ALK", driver="5p"))
    assert response.status_code == 302  # a warning, not a refusal
    assert only_case().biomarkers[0].driver is FusionDriver.FIVE_PRIME
    assert "ALK is the usual driver of EML4::ALK" in client.get(response.location).get_data(as_text=True)


@pytest.mark.parametrize("fields", [{"gene": "EML4", "gene_3p": "ALK", "driver": "3p"},
                                    {"gene": "EML4", "gene_3p": "ALK"},
                                    {"gene": "TMPRSS2", "gene_3p": "ERG", "driver": "5p"},
                                    {"gene": "ALK", "gene_3p": "EML4", "driver": "5p"}])
def test_a_driver_that_fits_or_is_not_obvious_says_nothing(client, clinician, login, fields):
    login(clinician)
    response = post(client, {"patient_name": ""}, fusion(0, **fields))
    html = response.get_data(as_text=True)
    assert 'id="biomarkers-0-driver"' in html
    assert "usual driver" not in next_to(html, "biomarkers-0-driver", "warning")


# --- 4. A negative panel pasted with tabs, or ending in "negative" --------------------------------

@pytest.mark.parametrize("typed, stored", [
    ("EGFR\tALK\tROS1", ["EGFR", "ALK", "ROS1"]),
    ("EGFR  ALK   ROS1", ["EGFR", "ALK", "ROS1"]),
    ("EGFR, ALK, ROS1 negative", ["EGFR", "ALK", "ROS1"]),
    ("EGFR\tnegative\nALK\tnot detected\nROS1\twild-type", ["EGFR", "ALK", "ROS1"]),
    ("EGFR: wild-type; KRAS wt; BRAF neg; RET négatif; ALK (not detected)", ["EGFR", "KRAS", "BRAF", "RET", "ALK"]),
    ("MET exon 14 skipping not detected, NTRK fusions negative", ["MET exon 14 skipping", "NTRK fusions"]),
    ("KRAS (codons 12, 13, 61)\tALK / ROS1", ["KRAS (codons 12, 13, 61)", "ALK", "ROS1"]),
    ("EGFR\texon 19 deletion\tnot detected", ["EGFR exon 19 deletion"]),
    ("WT1, EGFR", ["WT1", "EGFR"]),
])
def test_a_negative_panel_pasted_from_a_report_keeps_every_gene(client, clinician, login, typed, stored):
    login(clinician)
    response = post(client, row(0, kind="negative", gene="", **BLANK_VARIANT, not_detected=typed))
    assert response.status_code == 302, next_to(response.get_data(as_text=True), "biomarkers-0-not_detected")
    assert only_case().biomarkers[0].not_detected == stored


def test_a_column_that_could_be_a_gene_is_its_own_item_and_checked():
    assert panel_items("EGFR\tHER2") == ["EGFR", "HER2"]  # the alias is refused, not hidden after EGFR
    assert panel_items("negative") == []


# --- 5. A refused PD-L1 CPS asks for nothing more ---------------------------------------------------

@pytest.mark.parametrize("cps", [">100", "10%"])
def test_a_refused_cps_does_not_also_ask_for_a_tps(client, clinician, login, cps):
    login(clinician)
    response = post(client, row(0, kind="pdl1", gene="", **BLANK_VARIANT, pdl1_cps=cps))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and next_to(html, "biomarkers-0-pdl1_cps")
    assert next_to(html, "biomarkers-0-pdl1_tps") == ""


def test_a_kmt2a_rearrangement_needs_no_driver_chosen(client, clinician, login):
    """KMT2A::AFF1 is a KMT2A rearrangement (what menin inhibitors are given for): the form
    does not ask which partner drives it, so a VCF's KMT2A fusion can be imported too."""
    login(clinician)
    response = post(client, {"patient_name": ""}, fusion(0, gene="KMT2A", gene_3p="AFF1"))
    assert "Which partner drives this fusion?" not in response.get_data(as_text=True)


def test_a_vcf_fusion_without_a_usual_driver_is_imported_once_the_driver_is_chosen(client, login, case_with):
    """ETV6::RUNX1: neither partner is the usual driver, so the review asks on the row itself
    (there is no other place to say it), and refuses the row until it is chosen."""
    data = _bnd_pair(("chr12", 11850000, "ETV6"), ("chr21", 34880000, "RUNX1"))
    case, attachment, clinician = case_with("etv6_runx1.vcf", data=data)
    login(clinician)
    url = f"/cases/{case.id}/attachments/{attachment.id}/variants"
    html = client.get(url, query_string={"filtered": "y"}).get_data(as_text=True)
    key = re.search(r'name="driver-([^"]+)"', html).group(1)
    assert f'<label for="driver-{key}">Driver</label>' in html and "RUNX1 (3′ partner)" in html
    assert f'id="row-{key}"  disabled' not in html and f'value="{key}" id="row-{key}"  >' in html  # tickable
    refused = client.post(url, data={"row": [key], "version": case.version})
    assert refused.status_code == 422 and not case.biomarkers
    assert "Which partner drives this fusion?" in refused.get_data(as_text=True)
    added = client.post(url, data={"row": [key], "version": case.version, f"driver-{key}": "5p"})
    assert added.status_code == 302
    db.session.expire_all()
    fusion_row, = case.biomarkers
    assert (fusion_row.gene, fusion_row.gene_3p, fusion_row.driver) == ("ETV6", "RUNX1", FusionDriver.FIVE_PRIME)
