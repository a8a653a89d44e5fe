"""The vocabularies a case is checked against: ICD-10, ICD-O-3, HGNC symbols, HGVS."""

import pytest

pytestmark = pytest.mark.usefixtures("request_ctx")

from mtb.cases import checks
from mtb.cases.genes import GeneStatus, check_symbol
from mtb.cases.hgvs import normalise_c, normalise_p
from mtb.errors import InvalidInput


@pytest.mark.parametrize("typed", ["c341", "C341", " C34.1 ", "c34.1"])
def test_icd10_code_is_normalised_to_dotted_form(typed):
    code, description = checks.check_icd10(typed)
    assert code == "C34.1"
    assert "Upper lobe" in description


def test_icd10_category_is_accepted():
    assert checks.check_icd10("C34")[0] == "C34"


@pytest.mark.parametrize("typed", ["C30-C39", "II"])
def test_icd10_chapters_and_blocks_are_refused(typed):
    with pytest.raises(InvalidInput, match="chapter or block"):
        checks.check_icd10(typed)


@pytest.mark.parametrize("typed", ["C34.10", "X99.9", "hello"])
def test_icd10_code_not_in_who_list_is_refused(typed):
    with pytest.raises(InvalidInput, match="not in the WHO ICD-10 list"):
        checks.check_icd10(typed)


@pytest.mark.parametrize("typed, expected", [
    ("8140/3", "8140/3"), ("M-8140/3", "8140/3"), ("M8140/3", "8140/3"), ("m 8140/3", "8140/3"),
    ("M81403", "8140/3"), ("8500/32", "8500/32"), ("M-8500/32", "8500/32"),
])
def test_icdo3_morphology_is_read_with_its_m_prefix_and_grade_digit(typed, expected):
    assert checks.check_icdo3(typed) == expected


def test_icdo3_morphology_needs_four_digits_and_behaviour():
    assert checks.check_icdo3("8140/3") == "8140/3"
    for bad in ("81403", "8140/7", "814/3", "8140/30", "M-814/3"):
        with pytest.raises(InvalidInput):
            checks.check_icdo3(bad)


def test_approved_gene_symbol_is_accepted_in_any_case():
    result = check_symbol("egfr")
    assert result.status is GeneStatus.APPROVED and result.approved == ("EGFR",)


def test_approved_symbol_wins_over_an_alias_of_another_gene():
    # MET is approved, and also an old alias of SLTM.
    assert check_symbol("MET").status is GeneStatus.APPROVED


def test_alias_offers_the_approved_symbol():
    result = check_symbol("HER2")
    assert result.status is GeneStatus.ALIAS and result.approved == ("ERBB2",)


def test_alias_of_several_genes_offers_each():
    result = check_symbol("TRK")
    assert result.status is GeneStatus.ALIAS and set(result.approved) == {"NTRK1", "TPM3"}


def test_unknown_symbol_is_unknown():
    assert check_symbol("NOTAGENE1").status is GeneStatus.UNKNOWN


@pytest.mark.parametrize("typed, expected", [
    ("p.V600E", "p.Val600Glu"),
    ("V600E", "p.Val600Glu"),
    ("p.L858R", "p.Leu858Arg"),
    ("p.(L858R)", "p.(Leu858Arg)"),
    ("p.(Leu858Arg)", "p.(Leu858Arg)"),
    ("p.G12C", "p.Gly12Cys"),
    ("p.E746_A750del", "p.Glu746_Ala750del"),
    ("p.R1175*", "p.Arg1175Ter"),
    ("p.L747Sfs*10", "p.Leu747SerfsTer10"),
    ("p.Val600Glu", "p.Val600Glu"),
])
def test_protein_shorthand_becomes_three_letter_hgvs(typed, expected):
    assert normalise_p(typed).value == expected


@pytest.mark.parametrize("typed", ["p.V600", "p.Val600Glx", "600E", "p.Val600Glu)", "c.1799T>A"])
def test_bad_protein_syntax_is_refused_with_an_example(typed):
    with pytest.raises(InvalidInput, match="e.g."):
        normalise_p(typed)


@pytest.mark.parametrize("typed, expected", [
    ("c.2235_2249del", "c.2235_2249del"),
    ("c.1799T>A", "c.1799T>A"),
    ("2573T>G", "c.2573T>G"),
    ("c.3082+1G>T", "c.3082+1G>T"),
    ("c.2235_2249delGGAATTAAGAGAAGC", "c.2235_2249del"),
])
def test_coding_dna_is_accepted_in_its_normal_form(typed, expected):
    assert normalise_c(typed).value == expected


@pytest.mark.parametrize("typed", ["c.1799T>", "c.ABC", "p.Val600Glu", "c.2573T>T"])
def test_bad_coding_dna_is_refused_with_an_example(typed):
    with pytest.raises(InvalidInput, match="e.g."):
        normalise_c(typed)


def test_services_refuse_text_longer_than_its_column():
    from datetime import date

    from mtb.cases import validation

    values = dict(patient_record_number="IPP1", patient_name="A B", patient_sex="male",
                  patient_birth_date=date(1970, 1, 1), stage="x" * 41)
    rows = [dict(kind="other", description="y" * 501)]
    with pytest.raises(validation.CaseInputError) as raised:
        validation.check_case_form(values, rows, complete=False)
    assert set(raised.value.errors) == {"stage", "biomarkers-0-description"}


@pytest.mark.parametrize("typed", ["G719X", "p.G719X", "p.(Gly719X)", "R213x", "p.Arg213X"])
def test_an_x_that_may_be_a_stop_or_any_amino_acid_is_refused_beside_the_field(app, typed):
    """Old reports write a stop as X (TP53 R213X), others any amino acid (EGFR G719X): read
    as a stop, a treatable EGFR variant was signed as truncating. The typist says which."""
    from mtb.cases.descriptions import check_descriptions

    with app.test_request_context():
        found = check_descriptions({"hgvs_p": typed}, "EGFR")
    (error,) = found.errors["hgvs_p"]
    assert "may mean a stop codon" in error and "Xaa for any amino acid" in error
    assert found.values["hgvs_p"] is None
    with app.test_request_context():
        for written, stored in (("p.G719Xaa", "p.Gly719Xaa"), ("p.(Gly719Xaa)", "p.(Gly719Xaa)"), ("p.R213*", "p.Arg213Ter"),
                                ("p.Arg213Ter", "p.Arg213Ter"), ("p.R1443fsX12", "p.Arg1443fsTer12")):
            found = check_descriptions({"hgvs_p": written}, "EGFR")
            assert found.values["hgvs_p"] == stored and "hgvs_p" not in found.errors, written
            assert "hgvs_p" not in found.warnings, written
