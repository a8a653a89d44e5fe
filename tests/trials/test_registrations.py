"""Registry ids as typed: ids an input method writes in full-width or other digits are the
ids ClinicalTrials.gov and CTIS know, or refused; never stored as they came."""

from __future__ import annotations

import pytest

from mtb.trials.registrations import parse_ids, registry_of


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
