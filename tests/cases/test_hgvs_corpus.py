"""mtb.cases.hgvs against a corpus of real descriptions (tests/cases/data/hgvs_corpus.tsv)
and targeted rules: references split off, one-letter conversion kept off the
accession, refusals that show an example, normal forms that are stable.

flask_babel's gettext works outside an app context, so these tests need no
fixture of their own (conftest's autouse ``_db`` runs anyway).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from mtb.cases.hgvs import (
    Normalised, normalise_c, normalise_g, normalise_p, normalise_transcript, split_reference,
)
from mtb.errors import InvalidInput

try:  # optional: random text as hostile input
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    given = None

CORPUS = Path(__file__).parent / "data" / "hgvs_corpus.tsv"
NORMALISE = {"c": normalise_c, "p": normalise_p, "g": normalise_g}


def _load() -> list[dict[str, str]]:
    with CORPUS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


ROWS = _load()
VALID = [row for row in ROWS if row["expected"] != "INVALID"]
INVALID = [row for row in ROWS if row["expected"] == "INVALID"]


def _id(row: dict[str, str]) -> str:
    return f"{row['kind']}:{row['input']}"


# --- the corpus ---------------------------------------------------------------

def test_corpus_is_large_enough_and_well_formed():
    assert len(VALID) >= 200 and len(INVALID) >= 40
    assert {row["kind"] for row in ROWS} <= set(NORMALISE)
    assert all(row["source"] for row in ROWS)
    keys = [(row["input"], row["kind"]) for row in ROWS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("row", VALID, ids=_id)
def test_valid_description_gets_a_stable_normal_form(row):
    """The expected normal form; normalising it again changes nothing (idempotent);
    a note comes with every change and names the stored value."""
    normalise = NORMALISE[row["kind"]]
    result = normalise(row["input"])
    assert result.value == row["expected"], row["source"]
    assert (result.note is not None) == result.changed
    if result.changed:
        assert result.value in result.note
    again = normalise(result.value)
    assert again.value == result.value
    assert again.changed is False and again.note is None


@pytest.mark.parametrize("row", INVALID, ids=_id)
def test_invalid_description_is_refused_with_an_example(row):
    with pytest.raises(InvalidInput) as raised:
        NORMALISE[row["kind"]](row["input"])
    assert raised.value.field is None
    assert "e.g." in raised.value.message, raised.value.message


# --- references and genes -------------------------------------------------------

def test_normalised_is_the_documented_frozen_record():
    result = normalise_c("NM_004333.6(BRAF):c.1799T>A")
    assert result == Normalised(value="c.1799T>A", reference="NM_004333.6", gene="BRAF",
                                changed=False, note=None, protein=None)
    with pytest.raises(AttributeError):
        result.value = "c.1A>G"


@pytest.mark.parametrize("typed, reference, gene, value", [
    ("NM_004333.6:c.1799T>A", "NM_004333.6", None, "c.1799T>A"),
    ("NM_004985.5(KRAS):c.35G>A", "NM_004985.5", "KRAS", "c.35G>A"),
    ("nm_004333.6:c.1799T>A", "NM_004333.6", None, "c.1799T>A"),
    ("ENST00000288602.11:c.1799T>A", "ENST00000288602.11", None, "c.1799T>A"),
    ("ENST00000288602:c.1799T>A", "ENST00000288602", None, "c.1799T>A"),
    ("LRG_292t1:c.68_69del", "LRG_292t1", None, "c.68_69del"),
    ("NC_000007.14(NM_004333.6):c.1799T>A", "NM_004333.6", None, "c.1799T>A"),
    ("NC_000007.14:g.140753336A>T", "NC_000007.14", None, "g.140753336A>T"),
    ("NR_003051.3:n.71A>G", "NR_003051.3", None, "n.71A>G"),
    ("BRAF c.1799T>A", None, "BRAF", "c.1799T>A"),
    ("NM_004333.6 : c.1799T>A", "NM_004333.6", None, "c.1799T>A"),
])
def test_reference_and_gene_are_split_off_dna(typed, reference, gene, value):
    result = normalise_c(typed)
    assert (result.reference, result.gene, result.value) == (reference, gene, value)


@pytest.mark.parametrize("typed, reference, gene", [
    ("NP_004324.2:p.V600E", "NP_004324.2", None),
    ("BRAF:p.V600E", None, "BRAF"),
    ("H3-3A:p.K27M", None, "H3-3A"),
    ("ENSP00000288602.7:p.Val600Glu", "ENSP00000288602.7", None),
    ("LRG_321p1:p.Arg175His", "LRG_321p1", None),
])
def test_reference_and_gene_are_split_off_protein(typed, reference, gene):
    result = normalise_p(typed)
    assert (result.reference, result.gene) == (reference, gene)


@pytest.mark.parametrize("typed, reference", [
    ("NP_004324.2:p.V600E", "NP_004324.2"),    # the old bug: p.AsnPro_004324.2:p.Val600Glu
    ("NP_004324.2:V600E", "NP_004324.2"),
    ("NP_004324.2 : p.(V600E)", "NP_004324.2"),
    ("np_004324.2:p.v600e", "NP_004324.2"),    # lower case: letters that are amino acid codes
    ("ENSP00000288602.7:p.V600E", "ENSP00000288602.7"),
    ("LRG_299p1:p.V600E", "LRG_299p1"),
])
def test_one_letter_conversion_never_touches_the_accession(typed, reference):
    result = normalise_p(typed)
    assert result.reference == reference
    assert result.value in ("p.Val600Glu", "p.(Val600Glu)")
    assert "_" not in result.value and ":" not in result.value


def test_stop_is_stored_as_ter_and_parentheses_are_kept():
    assert normalise_p("p.R213*").value == "p.Arg213Ter"
    assert normalise_p("p.(Arg213*)").value == "p.(Arg213Ter)"
    assert normalise_p("p.Arg213Ter").value == "p.Arg213Ter"
    assert normalise_p("p.Leu858Arg").value == "p.Leu858Arg"  # parentheses never added


def test_split_reference():
    assert split_reference("NM_004985.5(KRAS):c.35G>A") == ("NM_004985.5", "KRAS", "c.35G>A")
    assert split_reference("BRAF:p.V600E") == (None, "BRAF", "p.V600E")
    assert split_reference("c.1799T>A") == (None, None, "c.1799T>A")
    assert split_reference("c.1799T>A (NP_004324.2:p.V600E)") == (None, None, "c.1799T>A (NP_004324.2:p.V600E)")


@pytest.mark.parametrize("typed, found", [
    ("hello:c.1A>G", "hello"),
    ("chr7:g.140753336A>T", "chr7"),
    ("7:g.140753336A>T", "7"),
    ("NM_0043x:c.1A>G", "NM_0043x"),
])
def test_anything_else_before_the_colon_is_named(typed, found):
    with pytest.raises(InvalidInput) as raised:
        normalise_c(typed)
    assert f"“{found}”" in raised.value.message and "e.g." in raised.value.message


@pytest.mark.parametrize("typed, normalise, reference", [
    ("NP_004324.2:c.1799T>A", normalise_c, "NP_004324.2"),
    ("NC_000007.14:c.1799T>A", normalise_c, "NC_000007.14"),
    ("NM_004333.6:p.V600E", normalise_p, "NM_004333.6"),
    ("NM_004333.6:g.140753336A>T", normalise_g, "NM_004333.6"),
    ("NR_003051.3:c.71A>G", normalise_c, "NR_003051.3"),
])
def test_reference_must_fit_the_description_type(typed, normalise, reference):
    with pytest.raises(InvalidInput) as raised:
        normalise(typed)
    assert reference in raised.value.message and "e.g." in raised.value.message


# --- report forms -------------------------------------------------------------------

@pytest.mark.parametrize("typed, value, protein", [
    ("c.1799T>A (p.V600E)", "c.1799T>A", "p.Val600Glu"),
    ("NM_004333.6(BRAF):c.1799T>A (p.Val600Glu)", "c.1799T>A", "p.Val600Glu"),
    ("c.2369C>T;p.T790M", "c.2369C>T", "p.Thr790Met"),
    ("c.1799T>A (NP_004324.2:p.(V600E))", "c.1799T>A", "p.(Val600Glu)"),
    ("c.1799T>A", "c.1799T>A", None),
])
def test_protein_given_with_the_dna_change(typed, value, protein):
    result = normalise_c(typed)
    assert (result.value, result.protein) == (value, protein)


def test_notes_say_what_is_stored():
    result = normalise_c("c.2235_2249delGGAATTAAGAGAAGC")
    assert result.changed and "c.2235_2249del" in result.note
    same = normalise_c("  c.2235_2249del ")
    assert not same.changed and same.note is None
    spaced = normalise_c("c.2573 T>G")  # whitespace alone is no change
    assert spaced.value == "c.2573T>G" and not spaced.changed


def test_same_base_and_same_amino_acid_show_the_no_change_form():
    with pytest.raises(InvalidInput, match=r"c\.2573="):
        normalise_c("c.2573T>T")
    with pytest.raises(InvalidInput, match=r"p\.Val600="):
        normalise_p("p.Val600Val")


def test_listed_bases_must_fit_the_range():
    assert normalise_c("c.2236_2250del15").value == "c.2236_2250del"
    with pytest.raises(InvalidInput, match="15"):
        normalise_c("c.2235_2249delGGAATT")


def test_protein_change_in_the_dna_field_is_named():
    with pytest.raises(InvalidInput, match="protein change"):
        normalise_c("V600E")
    with pytest.raises(InvalidInput, match="protein change"):
        normalise_c("p.V600E")


def test_empty_input_asks_for_a_value():
    for normalise in NORMALISE.values():
        with pytest.raises(InvalidInput, match="e.g."):
            normalise("   ")


# --- transcripts -------------------------------------------------------------------

@pytest.mark.parametrize("typed, expected", [
    ("NM_004333.6", "NM_004333.6"),
    (" nm_004333.6 ", "NM_004333.6"),
    ("NM004333.6", "NM_004333.6"),
    ("NM_004333.6(BRAF)", "NM_004333.6"),
    ("NR_003051.3", "NR_003051.3"),
    ("XM_017012344.1", "XM_017012344.1"),
    ("ENST00000288602", "ENST00000288602"),
    ("ENST00000288602.11", "ENST00000288602.11"),
    ("NP_004324.2", "NP_004324.2"),
    ("ENSP00000288602.7", "ENSP00000288602.7"),
    ("LRG_199t1", "LRG_199t1"),
    ("LRG_199p1", "LRG_199p1"),
])
def test_transcript_is_normalised(typed, expected):
    assert normalise_transcript(typed) == expected


@pytest.mark.parametrize("typed", ["", "BRAF", "ENST123", "NC_000007.14", "NG_007873.3", "LRG_199",
                                   "NM_004333.6:c.1799T>A", "NM_", "chr7"])
def test_bad_transcript_is_refused(typed):
    with pytest.raises(InvalidInput, match="e.g."):
        normalise_transcript(typed)


# --- hostile input ------------------------------------------------------------------

_ALPHABET = "ACGTNacgtpPcg._-+*?()[];:>=0123456789 delinsdupextfsTerXMetVal%/|,"


def _mutations(seed: int, count: int):
    rng = random.Random(seed)
    inputs = [row["input"] for row in VALID]
    for _ in range(count):
        text = list(rng.choice(inputs))
        for _ in range(rng.randint(1, 4)):
            at = rng.randint(0, len(text))
            roll = rng.random()
            if roll < 0.4 and text:
                del text[min(at, len(text) - 1)]
            elif roll < 0.8:
                text.insert(at, rng.choice(_ALPHABET))
            elif text:
                text[min(at, len(text) - 1)] = rng.choice(_ALPHABET)
        yield "".join(text)


def _only_invalid_input_or_stable(normalise, text: str) -> None:
    try:
        result = normalise(text)
    except InvalidInput as error:
        assert "e.g." in error.message, (text, error.message)
        return
    again = normalise(result.value)
    assert (again.value, again.changed) == (result.value, False), text


def test_mutated_corpus_raises_only_invalid_input_and_stays_stable():
    for text in _mutations(seed=20240601, count=1500):
        for normalise in NORMALISE.values():
            _only_invalid_input_or_stable(normalise, text)
        try:
            normalise_transcript(text)
        except InvalidInput:
            pass


def test_very_long_input_is_refused_quickly():
    for text in ("c." + "A" * 5000 + ">", "p." + "(" * 3000, "p.[" + ";".join(["Val600Glu"] * 800) + "]"):
        for normalise in NORMALISE.values():
            with pytest.raises(InvalidInput):
                normalise(text)


if given is not None:
    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.text(alphabet=st.sampled_from(_ALPHABET + "éΩ\u2013\u200b"), max_size=40) | st.text(max_size=40))
    def test_random_text_raises_only_invalid_input(text):
        for normalise in NORMALISE.values():
            _only_invalid_input_or_stable(normalise, text)
