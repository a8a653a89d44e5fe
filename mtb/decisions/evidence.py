"""Evidence levels of a recommendation on four scales, and the crosswalk between them.

A recommendation's evidence is (scheme, level, modifiers): ESCAT (Mateo et al. 2018),
OncoKB therapeutic levels (v2), NCT/DKTK m-levels with the modifiers of the MII MTB code
system (is, iv, Z, R), or AMP/ASCO/CAP tiers (Li et al. 2017). The crosswalk ships as
``mtb/data/evidence_crosswalk.csv``, each row citing where its level is defined; it gives
the nearest levels of the other scales, shown beside the chosen one and used where a
receiver expects another scale (the FHIR export carries the m-level the MII profile asks for).

A grading of resistance (OncoKB R1/R2, an m-level with the modifier R) corresponds to gradings
of resistance only, and a grading of response to gradings of response only: "m1A (R)" is
"OncoKB R1", never "ESCAT I-A" (ESCAT grades response only; an AMP/ASCO/CAP tier does not say
which of the two it grades).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from mtb.i18n import lazy_gettext as _l

CROSSWALK_FILE = Path(__file__).resolve().parent.parent / "data" / "evidence_crosswalk.csv"

ESCAT, ONCOKB, NCT, AMP = "escat", "oncokb", "nct", "amp"
#: The MII modifier that makes an m-level a grading of resistance.
RESISTANCE = "R"


@dataclass(frozen=True)
class Scheme:
    code: str
    #: The scale's name as printed in front of a level ("ESCAT I-A").
    name: str
    levels: tuple[str, ...]
    #: Modifiers a level of this scale may carry.
    modifiers: tuple[str, ...] = ()
    #: Levels that grade resistance rather than response.
    resistance_levels: tuple[str, ...] = ()

    def level_label(self, level: str) -> str:
        if self.code == AMP:
            tier, _, grade = level.partition("-")
            return f"Tier {tier} level {grade}" if grade else f"Tier {tier}"
        return level


SCHEMES: dict[str, Scheme] = {
    ESCAT: Scheme(ESCAT, "ESCAT", ("I-A", "I-B", "I-C", "II-A", "II-B", "III-A", "III-B", "IV-A", "IV-B", "V", "X")),
    ONCOKB: Scheme(ONCOKB, "OncoKB", ("1", "2", "3A", "3B", "4", "R1", "R2"), resistance_levels=("R1", "R2")),
    NCT: Scheme(NCT, "NCT", ("m1A", "m1B", "m1C", "m2A", "m2B", "m2C", "m3", "m4"), ("is", "iv", "Z", "R")),
    AMP: Scheme(AMP, "AMP/ASCO/CAP", ("I-A", "I-B", "II-C", "II-D", "III", "IV")),
}

#: Headings of the level list, one per scale.
SCHEME_TITLES = {
    ESCAT: _l("ESCAT (ESMO)"),
    ONCOKB: _l("OncoKB"),
    NCT: _l("NCT/DKTK m-levels"),
    AMP: _l("AMP/ASCO/CAP tiers"),
}

#: The MII MTB code system's modifiers (Zusatzverweise) of an m-level.
MODIFIER_LABELS = {
    "is": _l("is: in situ data on patient material (IHC, FISH) support it"),
    "iv": _l("iv: in vitro or in vivo models of the same tumour type support it"),
    "Z": _l("Z: approved for use with this biomarker"),
    "R": _l("R: the biomarker predicts resistance"),
}


@dataclass(frozen=True)
class Evidence:
    """One grading: a level of a scale, with its modifiers (m-levels only)."""

    scheme: str
    level: str
    modifiers: tuple[str, ...] = field(default=())

    @property
    def scheme_name(self) -> str:
        return SCHEMES[self.scheme].name

    @property
    def value(self) -> str:
        """The form's value for this level (scheme and level)."""
        return f"{self.scheme}:{self.level}"

    @property
    def label(self) -> str:
        """E.g. "ESCAT I-A", "OncoKB 3A", "NCT m1B (is)", "AMP/ASCO/CAP Tier II level C"."""
        scheme = SCHEMES[self.scheme]
        text = f"{scheme.name} {scheme.level_label(self.level)}"
        return f"{text} ({', '.join(self.modifiers)})" if self.modifiers else text

    def __str__(self) -> str:
        return self.label

    @property
    def predicts_resistance(self) -> bool:
        """A grading of resistance: OncoKB R1/R2, or an m-level with the modifier R."""
        return RESISTANCE in self.modifiers or self.level in SCHEMES[self.scheme].resistance_levels

    def corresponding(self) -> dict[str, tuple[Evidence, ...]]:
        """The nearest levels of the other scales, by scheme code (empty tuple: no counterpart);
        for a grading of resistance, the nearest gradings of resistance only."""
        table = resistance_crosswalk() if self.predicts_resistance else crosswalk()
        return table.get((self.scheme, self.level), {})

    @property
    def m_level(self) -> Evidence | None:
        """The NCT/DKTK m-level: this one, or the crosswalk's best match (None: no counterpart)."""
        if self.scheme == NCT:
            return self
        matches = self.corresponding().get(NCT, ())
        return matches[0] if matches else None


def parse_value(value: str | None) -> tuple[str, str] | None:
    """("escat", "I-A") from the form's "escat:I-A"; None when not a known level."""
    scheme, _, level = (value or "").partition(":")
    if scheme in SCHEMES and level in SCHEMES[scheme].levels:
        return scheme, level
    return None


@cache
def crosswalk() -> dict[tuple[str, str], dict[str, tuple[Evidence, ...]]]:
    """The shipped table: (scheme, level) -> {other scheme: nearest levels, best first}."""
    table: dict[tuple[str, str], dict[str, tuple[Evidence, ...]]] = {}
    with CROSSWALK_FILE.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        for row in rows:
            others: dict[str, tuple[Evidence, ...]] = {}
            for code in SCHEMES:
                if code == row["scheme"]:
                    continue
                entries = []
                for token in (row[code] or "").split("|"):
                    if token.strip():
                        level, *modifiers = token.split()
                        entries.append(Evidence(code, level, tuple(modifiers)))
                others[code] = tuple(entries)
            table[(row["scheme"], row["level"])] = others
    return table


@cache
def resistance_crosswalk() -> dict[tuple[str, str], dict[str, tuple[Evidence, ...]]]:
    """The table for gradings of resistance: (scheme, level) -> {other scheme: nearest levels}.

    The table's rows of resistance (OncoKB R1, R2) give their counterparts of resistance
    ("m1A R"); an m-level's row is one of response, so "m1A R" is answered the other way
    round: by the rows of resistance that name it. A level nothing names has no counterpart."""
    table: dict[tuple[str, str], dict[str, tuple[Evidence, ...]]] = {}

    def row(code: str, level: str) -> dict[str, tuple[Evidence, ...]]:
        return table.setdefault((code, level), {other: () for other in SCHEMES if other != code})

    for (code, level), others in crosswalk().items():
        if not Evidence(code, level).predicts_resistance:
            continue
        own = row(code, level)
        for other, matches in others.items():
            own[other] = tuple(match for match in matches if match.predicts_resistance)
            for match in own[other]:
                named_by = row(other, match.level)
                named_by[code] += (Evidence(code, level),)
    return table


@cache
def crosswalk_sources() -> dict[tuple[str, str], str]:
    """Where each level of the table is defined, as the table cites it."""
    with CROSSWALK_FILE.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {(row["scheme"], row["level"]): row["source"] for row in rows}


def corresponding_text(evidence: Evidence | None) -> str:
    """One line for the form and pages: "OncoKB 1 · NCT m1A · AMP/ASCO/CAP Tier I level A"."""
    if evidence is None:
        return ""
    parts = []
    for code, matches in evidence.corresponding().items():
        if matches:
            parts.append(" / ".join(m.label if i == 0 else m.label.removeprefix(SCHEMES[code].name + " ")
                                    for i, m in enumerate(matches)))
    return " · ".join(parts)


def level_groups() -> list[tuple[str, list[tuple[str, str, str, str | None]]]]:
    """The level list as (scale heading, [(value, label, corresponding text, corresponding
    text with the modifier R)]) groups; the last is None on a scale without that modifier."""
    groups = []
    for code, scheme in SCHEMES.items():
        entries = []
        for level in scheme.levels:
            evidence = Evidence(code, level)
            resistance = (corresponding_text(Evidence(code, level, (RESISTANCE,)))
                          if RESISTANCE in scheme.modifiers else None)
            entries.append((evidence.value, evidence.label, corresponding_text(evidence), resistance))
        groups.append((str(SCHEME_TITLES[code]), entries))
    return groups


def evidence_of(value: str | None, modifiers=()) -> Evidence | None:
    """The Evidence a form value ("nct:m1B") and its ticked modifiers stand for (those of
    another scale are left out); None when empty or unknown."""
    parsed = parse_value(value)
    if not parsed:
        return None
    scheme, level = parsed
    return Evidence(scheme, level, tuple(m for m in SCHEMES[scheme].modifiers if m in (modifiers or ())))
