"""Registry ids as typed: ids an input method writes in full-width or other digits are the
ids ClinicalTrials.gov and CTIS know, or refused; never stored as they came. A registry's
name written before a number names that number's registry, never a local code."""

from __future__ import annotations

import pytest

from mtb.trials.registrations import LOCAL, parse_ids, registry_of, split_stored


@pytest.mark.parametrize("typed, identifiers", [
    ("NCT０４６１３５９６", ["NCT04613596"]),                      # full-width digits (a Japanese or Chinese IME)
    ("ｎｃｔ04613596，２０２３-503456-39-00", ["NCT04613596", "2023-503456-39-00"]),  # full-width letters and comma
    ("２０１９－ａ０１２３４－５６", ["2019-A01234-56"]),          # full-width hyphens
])
def test_full_width_ids_are_stored_as_the_registry_writes_them(typed, identifiers):
    registrations, problems = parse_ids(typed)
    assert problems == [] and [r.identifier for r in registrations] == identifiers
    assert all(r.identifier.isascii() for r in registrations)


@pytest.mark.parametrize("typed", ["NCT٠٤٦١٣٥٩٦", "NCT০৪৬১৩৫৯৬", "٢٠٢٣-503456-39-00"])
def test_ids_in_other_digits_are_refused_with_the_format(typed):
    registrations, problems = parse_ids(typed)
    assert registrations == [] and len(problems) == 1
    assert registry_of(typed) is None


# Registry names written before their numbers ----------------------------------------------

@pytest.mark.parametrize("typed, identifiers", [
    ("NCT05000199, EU CT 2023-503456-39-00, EudraCT 2015-001234-56, ID-RCB 2019-A01234-99",
     ["NCT05000199", "2023-503456-39-00", "2015-001234-56", "2019-A01234-99"]),  # the form's own hint
    ("EU-CT: 2023-503456-39-00; CTIS 2024-510000-12-00", ["2023-503456-39-00", "2024-510000-12-00"]),
    ("EudraCT number 2015-001234-56, ID-RCB n° 2019-a01234-56, EudraCT:2016-000133-40",
     ["2015-001234-56", "2019-A01234-56", "2016-000133-40"]),
    ("NCT 04613596, ClinicalTrials.gov NCT04613597", ["NCT04613596", "NCT04613597"]),
    ("ISRCTN 12345678, isrctn87654321", ["ISRCTN12345678", "ISRCTN87654321"]),
    ("EU CT (CTIS) 2023-503456-39-00, ClinicalTrials.gov NCT04613596", ["2023-503456-39-00", "NCT04613596"]),
    ("NCT04613596, EudraCT 2015-001234-56 LYON-BIO-07", ["NCT04613596", "2015-001234-56", "LYON-BIO-07"]),
])
def test_a_registry_name_before_a_number_names_its_registry_and_is_no_local_code(typed, identifiers):
    registrations, problems = parse_ids(typed)
    assert problems == [] and [r.identifier for r in registrations] == identifiers
    assert [r.registry for r in registrations if r.registry == LOCAL] == (["local"] if "LYON" in typed else [])


@pytest.mark.parametrize("typed, message", [
    ("EudraCT 2023-503456-39-00", "“2023-503456-39-00” follows “EudraCT” but is no EudraCT number"),
    ("NCT04613596, EU CT", "“EU CT” names a registry but no number follows it"),
    ("ID-RCB, EudraCT 2015-001234-56", "“ID-RCB” names a registry but no number follows it"),
    ("ISRCTN1234567", "is not an ISRCTN: ISRCTN followed by 8 digits"),
])
def test_a_registry_name_without_its_number_is_a_problem_not_a_local_code(typed, message):
    registrations, problems = parse_ids(typed)
    assert len(problems) == 1 and message in problems[0]
    assert all(r.registry != LOCAL for r in registrations)


def test_a_list_stored_with_the_names_as_codes_reads_as_the_registries_it_names():
    stored = "NCT05000199, EU, CT, 2023-503456-39-00, EudraCT, 2015-001234-56, ID-RCB, 2019-A01234-99"
    assert [r.label for r in split_stored(stored)] == [
        "ClinicalTrials.gov NCT05000199", "EU CT (CTIS) 2023-503456-39-00", "EudraCT 2015-001234-56",
        "ID-RCB 2019-A01234-99"]
