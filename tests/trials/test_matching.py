"""Matching a case to trials: a hand-made trial list with known answers for each case."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from mtb.cases.findings import BiomarkerKind, Classification, MmrStatus, MsiStatus, Pdl1Category
from mtb.trials.matching import FAILED, MET, UNKNOWN, CaseFacts, Finding, finding_genes, icd10_in, match, may_match

TODAY = date(2026, 12, 1)


def trial(**criteria):
    base = dict(alterations=[], molecular_logic="any", tmb_min=None, requires_msi_high=False, pdl1_tps_min=None,
                requires_hrd=False, icd10_ranges=[], age_min=None, age_max=None, prior_lines_min=None,
                prior_lines_max=None)
    base.update(criteria)
    return SimpleNamespace(**base)


TRIALS = {
    "kras_g12c_2l": trial(alterations=[{"gene": "KRAS", "kind": "variant", "change": "p.Gly12Cys"}],
                          icd10_ranges=["C34"], prior_lines_min=1, age_min=18),
    "braf_v600_any_tumour": trial(alterations=[{"gene": "BRAF", "kind": "variant", "change": "p.Val600"}]),
    "alk_fusion": trial(alterations=[{"gene": "ALK", "kind": "fusion", "change": ""}], icd10_ranges=["C34"]),
    "egfr_exon20": trial(alterations=[{"gene": "EGFR", "kind": "variant", "change": "exon 20"}]),
    "met_amp": trial(alterations=[{"gene": "MET", "kind": "cnv", "change": "amplification"}]),
    "tmb_or_msi": trial(tmb_min=Decimal(10), requires_msi_high=True),
    "tmb_and_pdl1": trial(tmb_min=Decimal(10), pdl1_tps_min=Decimal(50), molecular_logic="all"),
    "melanoma_first_line": trial(icd10_ranges=["C43-C44"], prior_lines_max=0),
    "paediatric_ntrk": trial(alterations=[{"gene": "NTRK3", "kind": "fusion", "change": ""}], age_max=21),
}


def facts(*findings, icd10="C34.1", born=date(1960, 5, 1), lines=1):
    return CaseFacts(icd10, born, lines, tuple(findings), TODAY)


CASES = {
    "lung_kras_g12c": facts(Finding(BiomarkerKind.VARIANT, gene="KRAS", hgvs_p="p.Gly12Cys"),
                            Finding(BiomarkerKind.TMB, tmb=Decimal("4.1"))),
    "lung_eml4_alk": facts(Finding(BiomarkerKind.FUSION, gene="EML4", gene_3p="ALK"), lines=0),
    "melanoma_braf_v600k": facts(Finding(BiomarkerKind.VARIANT, gene="BRAF", hgvs_p="p.Val600Lys"),
                                 Finding(BiomarkerKind.TMB, tmb=Decimal(22)), icd10="C43.5", lines=0),
    "lung_egfr_ex20ins": facts(Finding(BiomarkerKind.VARIANT, gene="EGFR", hgvs_p="p.Ala767_Val769dup",
                                       exon="exon 20")),
    "lung_met_amp_msi": facts(Finding(BiomarkerKind.CNV, gene="MET", cnv_type="amplification"),
                              Finding(BiomarkerKind.MSI, msi_status=MsiStatus.MSI_H)),
    "child_ntrk3": facts(Finding(BiomarkerKind.FUSION, gene="ETV6", gene_3p="NTRK3"), icd10="C49.2",
                         born=date(2025, 1, 1), lines=0),
    "no_sequencing": facts(icd10="C34.1", lines=None),
}

#: case -> the trials it matches (every other trial of TRIALS must not match).
EXPECTED = {
    "lung_kras_g12c": {"kras_g12c_2l"},
    "lung_eml4_alk": {"alk_fusion"},
    "melanoma_braf_v600k": {"braf_v600_any_tumour", "tmb_or_msi", "melanoma_first_line", "tmb_and_pdl1"},
    "lung_egfr_ex20ins": {"egfr_exon20"},
    "lung_met_amp_msi": {"met_amp", "tmb_or_msi"},
    "child_ntrk3": {"paediatric_ntrk"},
    "no_sequencing": set(),
}


@pytest.mark.parametrize("case_name", sorted(EXPECTED))
def test_each_case_matches_exactly_the_expected_trials(app, case_name):
    matched = {name for name, t in TRIALS.items() if match(t, CASES[case_name]).is_match}
    assert matched == EXPECTED[case_name]
    # The quick test the pages run first (no wording) never drops a trial the full match takes.
    genes = finding_genes(CASES[case_name])
    quick = {name for name, t in TRIALS.items() if may_match(t, CASES[case_name], genes)}
    assert matched <= quick


def test_the_criterion_that_matched_and_the_unknown_ones_are_named(app):
    result = match(TRIALS["tmb_and_pdl1"], CASES["melanoma_braf_v600k"])
    assert [(c.text, c.verdict) for c in result.criteria] == [
        ("TMB ≥ 10 mut/Mb", MET), ("PD-L1 TPS ≥ 50 %", UNKNOWN)]
    assert result.matched[0].because == "TMB 22 mut/Mb"
    assert result.unknown[0].because == "PD-L1 not measured"


def test_a_gene_tested_negative_fails_and_no_sequencing_is_unknown(app):
    negative = facts(Finding(BiomarkerKind.NEGATIVE, not_detected=("KRAS", "EGFR")))
    assert match(TRIALS["kras_g12c_2l"], negative).failed[0].because == "KRAS tested, not detected"
    untested = match(TRIALS["kras_g12c_2l"], CASES["no_sequencing"])
    verdicts = {c.text: c.verdict for c in untested.criteria}
    assert verdicts["KRAS p.Gly12Cys"] == UNKNOWN
    assert verdicts["At least 1 prior line"] == UNKNOWN
    assert not untested.is_match  # nothing met: not proposed on unknowns alone


def test_codon_criterion_takes_every_change_at_the_codon_but_not_a_longer_number(app):
    v600 = TRIALS["braf_v600_any_tumour"]
    assert match(v600, facts(Finding(BiomarkerKind.VARIANT, gene="BRAF", hgvs_p="p.Val600Glu"))).is_match
    assert not match(v600, facts(Finding(BiomarkerKind.VARIANT, gene="BRAF", hgvs_p="p.Val6001Glu"))).is_match


def test_pdl1_category_decides_when_it_can(app):
    high = facts(Finding(BiomarkerKind.PDL1, pdl1_category=Pdl1Category.FROM_50))
    low = facts(Finding(BiomarkerKind.PDL1, pdl1_category=Pdl1Category.FROM_1_TO_49))
    t = trial(pdl1_tps_min=Decimal(50))
    assert match(t, high).criteria[0].verdict == MET
    assert match(t, low).criteria[0].verdict == FAILED
    assert match(trial(pdl1_tps_min=Decimal(20)), low).criteria[0].verdict == UNKNOWN


def test_dmmr_counts_as_msi_high_and_pmmr_fails(app):
    t = trial(requires_msi_high=True)
    assert match(t, facts(Finding(BiomarkerKind.MMR, mmr_status=MmrStatus.DEFICIENT))).is_match
    assert match(t, facts(Finding(BiomarkerKind.MMR, mmr_status=MmrStatus.PROFICIENT))).failed


def test_age_is_counted_on_the_day(app):
    t = trial(age_max=17, icd10_ranges=["C71"])
    born = date(2008, 12, 2)  # 17 until tomorrow
    assert match(t, facts(icd10="C71.1", born=born)).is_match
    assert not match(t, facts(icd10="C71.1", born=date(2008, 12, 1))).is_match


@pytest.mark.parametrize("code, spec, inside", [
    ("C34.1", "C34", True), ("C34.1", "C30-C39", True), ("C43.5", "C43-C44", True), ("C44.4", "C43-C44", True),
    ("C45.0", "C43-C44", False), ("C34.1", "C34.0-C34.1", True), ("C34.2", "C34.0-C34.1", False), ("C3", "C34", False),
])
def test_icd10_ranges(code, spec, inside):
    assert icd10_in(code, spec) is inside


@pytest.mark.parametrize("grade", [Classification.TIER_IV, Classification.CLASS_1, Classification.CLASS_2])
def test_a_benign_variant_does_not_meet_an_alteration_criterion(app, grade):
    """A TP53 polymorphism classified benign is no "TP53 mutation" a trial asks for."""
    tp53 = trial(alterations=[{"gene": "TP53", "kind": "variant", "change": ""}])
    benign = facts(Finding(BiomarkerKind.VARIANT, gene="TP53", hgvs_p="p.Pro72Arg", classification=grade))
    result = match(tp53, benign)
    assert not result.is_match
    assert "classified" in result.failed[0].because
    pathogenic = facts(Finding(BiomarkerKind.VARIANT, gene="TP53", hgvs_p="p.Arg273His",
                               classification=Classification.TIER_II))
    assert match(tp53, pathogenic).is_match
    unclassified = facts(Finding(BiomarkerKind.VARIANT, gene="TP53", hgvs_p="p.Arg273His"))
    assert match(tp53, unclassified).is_match
