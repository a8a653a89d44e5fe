"""Which trials a case may fit: a pure function over a trial's criteria and a case's facts,
saying for each criterion whether it is met, not met, or unknown (not tested, not given).

Only recruiting trials are proposed: a closed trial never, and one on hold neither (it
takes no patient now; the registry page still shows it). A trial is proposed when no
criterion fails and the case has what the trial is about: a molecular criterion met or, for
a trial without any, its diagnosis; age and prior lines alone never propose one. Its
molecular criteria combine as the trial says (any one, or all), and each unknown is listed
so the board sees what is left to check (a TMB never measured).
Alteration criteria (genes, changes, exons, fusions) are judged in ``mtb.trials.alterations``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import get_locale

from mtb.cases.findings import HrdStatus, MmrStatus, MsiStatus, Pdl1Category
from mtb.formatting import age_text, local_decimal
from mtb.i18n import gettext as _
from mtb.i18n import ngettext
from mtb.text import age_on
from mtb.trials.alterations import alteration_criterion, alteration_text
from mtb.trials.facts import FAILED, MET, UNKNOWN, CaseFacts, Criterion, Finding

__all__ = ["FAILED", "MET", "UNKNOWN", "CaseFacts", "Criterion", "Finding", "MatchResult", "alteration_criterion",
           "alteration_text", "criteria_key", "criteria_texts", "finding_genes", "has_molecular_criteria", "icd10_in",
           "match", "may_match", "proposable"]


@dataclass
class MatchResult:
    criteria: list[Criterion] = field(default_factory=list)
    molecular_logic: str = "any"
    #: ``brief()`` by language: a result is kept between views (``mtb.trials.queries``).
    _brief: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False, compare=False)

    def brief(self) -> tuple[str, str]:
        """(criteria met, criteria unknown), each worded and joined by commas, in the
        request's language: the one line a list of matches shows."""
        language = str(get_locale())
        if language not in self._brief:
            self._brief[language] = (", ".join(c.text for c in self.matched),
                                     ", ".join(c.text for c in self.unknown))
        return self._brief[language]

    @property
    def matched(self) -> list[Criterion]:
        return [c for c in self.criteria if c.verdict == MET]

    @property
    def failed(self) -> list[Criterion]:
        return [c for c in self.criteria if c.verdict == FAILED]

    @property
    def unknown(self) -> list[Criterion]:
        return [c for c in self.criteria if c.verdict == UNKNOWN]

    @property
    def is_match(self) -> bool:
        """No criterion fails, and the case has what the trial is about: one of its molecular
        criteria met (or to check on a finding that likely meets it, ``Criterion.proposes``)
        or, for a trial without any, its diagnosis met. Age, prior lines and unknowns alone
        never propose a trial (every adult of the board; a case never sequenced would be
        proposed every trial of its tumour type)."""
        if not self._clinical_ok:
            return False
        if self._molecular:
            return self._molecular_verdict != FAILED and any(c.verdict == MET or c.proposes
                                                              for c in self._molecular)
        return self._diagnosis is not None and self._diagnosis.verdict == MET

    _molecular: list[Criterion] = field(default_factory=list)
    _clinical: list[Criterion] = field(default_factory=list)
    #: The ICD-10 criterion (also among ``_clinical``), when the trial has one.
    _diagnosis: Criterion | None = None

    @property
    def _clinical_ok(self) -> bool:
        return all(c.verdict != FAILED for c in self._clinical)

    @property
    def _molecular_verdict(self) -> str:
        if not self._molecular:
            return MET
        verdicts = [c.verdict for c in self._molecular]
        if self.molecular_logic == "all":
            return FAILED if FAILED in verdicts else (UNKNOWN if UNKNOWN in verdicts else MET)
        return MET if MET in verdicts else (UNKNOWN if UNKNOWN in verdicts else FAILED)


def match(trial, facts: CaseFacts) -> MatchResult:
    """Every criterion of ``trial`` (a Trial, or anything with its attributes) judged on ``facts``."""
    logic = getattr(trial.molecular_logic, "value", trial.molecular_logic) or "any"
    result = MatchResult(molecular_logic=logic)
    for alteration in trial.alterations or ():
        result._molecular.append(alteration_criterion(alteration, facts))
    if trial.tmb_min is not None:
        result._molecular.append(_tmb(Decimal(trial.tmb_min), facts))
    if trial.requires_msi_high:
        result._molecular.append(_msi(facts))
    if trial.pdl1_tps_min is not None:
        result._molecular.append(_pdl1(Decimal(trial.pdl1_tps_min), facts))
    if trial.requires_hrd:
        result._molecular.append(_hrd(facts))
    if trial.icd10_ranges:
        result._diagnosis = _diagnosis(trial.icd10_ranges, facts)
        result._clinical.append(result._diagnosis)
    if trial.age_min is not None or trial.age_max is not None:
        result._clinical.append(_age(trial.age_min, trial.age_max, facts))
    if trial.prior_lines_min is not None or trial.prior_lines_max is not None:
        result._clinical.append(_lines(trial.prior_lines_min, trial.prior_lines_max, facts))
    result.criteria = result._molecular + result._clinical
    return result


def criteria_key(trial) -> tuple:
    """Everything ``match`` reads of a trial, hashable: trials with equal keys match alike."""
    logic = getattr(trial.molecular_logic, "value", trial.molecular_logic) or "any"
    # As JSON (C-encoded): the registry keys its 120 trials on every view.
    alterations = json.dumps(trial.alterations or [], sort_keys=True, default=str)
    return (logic, alterations, trial.tmb_min, bool(trial.requires_msi_high), trial.pdl1_tps_min,
            bool(trial.requires_hrd), tuple(trial.icd10_ranges or ()), trial.age_min, trial.age_max,
            trial.prior_lines_min, trial.prior_lines_max)


def may_match(trial, facts: CaseFacts, genes: frozenset[str]) -> bool:
    """False when ``match(trial, facts)`` cannot be a match, decided without wording any
    criterion: a pool of 60 cases meets 40 trials each, and most pairs share no gene.
    ``genes``: the upper-case genes the case's findings name (``finding_genes``)."""
    if trial.icd10_ranges and facts.icd10_code and not any(icd10_in(facts.icd10_code, spec)
                                                           for spec in trial.icd10_ranges):
        return False
    if not has_molecular_criteria(trial):
        return bool(trial.icd10_ranges)
    findings = facts.findings
    return (any((a.get("gene") or "").upper() in genes for a in trial.alterations or ())
            or (trial.tmb_min is not None and any(f.tmb is not None for f in findings))
            or (trial.requires_msi_high and any(f.msi_status or f.mmr_status for f in findings))
            or (trial.pdl1_tps_min is not None and any(f.pdl1_tps is not None or f.pdl1_category for f in findings))
            or (trial.requires_hrd and any(f.hrd_status for f in findings)))


def has_molecular_criteria(trial) -> bool:
    """An alteration, a TMB, MSI, PD-L1 or HRD criterion."""
    return bool(trial.alterations) or trial.tmb_min is not None or bool(trial.requires_msi_high) \
        or trial.pdl1_tps_min is not None or bool(trial.requires_hrd)


def proposable(trial) -> bool:
    """Whether matching can ever propose the trial to a case (``MatchResult.is_match``): it
    has a molecular criterion, or a diagnosis one; age and prior lines alone never do."""
    return has_molecular_criteria(trial) or bool(trial.icd10_ranges)


def finding_genes(facts: CaseFacts) -> frozenset[str]:
    return frozenset(g.upper() for f in facts.findings for g in (f.gene, f.gene_3p) if g)


def criteria_texts(trial) -> tuple[list[str], list[str]]:
    """(molecular, clinical) criteria of a trial in the words the matches use, for listing.

    Kept by criteria and language: the registry words every trial on every view."""
    key = (criteria_key(trial), str(get_locale()))
    texts = _worded_criteria.get(key)
    if texts is None:
        result = match(trial, CaseFacts(None, None, None, (), None))
        texts = ([c.text for c in result._molecular], [c.text for c in result._clinical])
        if len(_worded_criteria) > 4096:
            _worded_criteria.clear()
        _worded_criteria[key] = texts
    return texts


_worded_criteria: dict[tuple, tuple[list[str], list[str]]] = {}


# --- Thresholds -----------------------------------------------------------------

def _tmb(minimum: Decimal, facts: CaseFacts) -> Criterion:
    text = lambda: _("TMB ≥ %(n)s mut/Mb", n=_num(minimum))
    values = [f.tmb for f in facts.findings if f.tmb is not None]
    if not values:
        return Criterion(text, UNKNOWN, lambda: _("TMB not measured"))
    value = max(values)
    return Criterion(text, MET if value >= minimum else FAILED, lambda: _("TMB %(n)s mut/Mb", n=_num(value)))


def _msi(facts: CaseFacts) -> Criterion:
    text = lambda: _("MSI-H or dMMR")
    statuses = [f.msi_status for f in facts.findings if f.msi_status] + [f.mmr_status for f in facts.findings
                                                                          if f.mmr_status]
    if MsiStatus.MSI_H in statuses or MmrStatus.DEFICIENT in statuses:
        return Criterion(text, MET, lambda: _("MSI-H") if MsiStatus.MSI_H in statuses else _("dMMR"))
    if statuses:
        return Criterion(text, FAILED, lambda: ", ".join(str(s.label) for s in statuses))
    return Criterion(text, UNKNOWN, lambda: _("MSI and MMR not tested"))


def _pdl1(minimum: Decimal, facts: CaseFacts) -> Criterion:
    text = lambda: _("PD-L1 TPS ≥ %(n)s %%", n=_num(minimum))
    scores = [f.pdl1_tps for f in facts.findings if f.pdl1_tps is not None]
    if scores:
        value = max(scores)
        return Criterion(text, MET if value >= minimum else FAILED, lambda: _("TPS %(n)s %%", n=_num(value)))
    ranges = {Pdl1Category.BELOW_1: (Decimal(0), Decimal("0.99")), Pdl1Category.FROM_1_TO_49: (Decimal(1), Decimal(49)),
              Pdl1Category.FROM_50: (Decimal(50), Decimal(100))}
    categories = [f.pdl1_category for f in facts.findings if f.pdl1_category]
    if categories:
        low, high = ranges[categories[0]]
        verdict = MET if low >= minimum else (FAILED if high < minimum else UNKNOWN)
        return Criterion(text, verdict, lambda: str(categories[0].label))
    return Criterion(text, UNKNOWN, lambda: _("PD-L1 not measured"))


def _hrd(facts: CaseFacts) -> Criterion:
    text = lambda: _("HRD positive")
    statuses = [f.hrd_status for f in facts.findings if f.hrd_status]
    if HrdStatus.POSITIVE in statuses:
        return Criterion(text, MET, lambda: str(HrdStatus.POSITIVE.label))
    if HrdStatus.NEGATIVE in statuses:
        return Criterion(text, FAILED, lambda: str(HrdStatus.NEGATIVE.label))
    return Criterion(text, UNKNOWN, lambda: _("HRD not tested"))


# --- Clinical criteria -----------------------------------------------------------

def icd10_in(code: str, spec: str) -> bool:
    """"C34.1" is in "C34", in "C30-C39", in "C34.0-C34.9"; not in "C43-C44"."""
    code = code.upper().replace(" ", "")
    low, _dash, high = spec.upper().replace(" ", "").partition("-")
    high = high or low
    return low <= code[: len(low)] and code[: len(high)] <= high


def _diagnosis(ranges: list[str], facts: CaseFacts) -> Criterion:
    text = lambda: _("Diagnosis %(codes)s", codes=", ".join(ranges))
    if not facts.icd10_code:
        return Criterion(text, UNKNOWN, lambda: _("no ICD-10 code"))
    inside = any(icd10_in(facts.icd10_code, spec) for spec in ranges)
    return Criterion(text, MET if inside else FAILED, lambda: facts.icd10_code)


def _age(low: int | None, high: int | None, facts: CaseFacts) -> Criterion:
    if low is not None and high is not None:
        text = lambda: ngettext("Age %(low)d to %(num)d year", "Age %(low)d to %(num)d years", high, low=low)
    elif low is not None:
        text = lambda: ngettext("Age ≥ %(num)d year", "Age ≥ %(num)d years", low)
    else:
        text = lambda: ngettext("Age ≤ %(num)d year", "Age ≤ %(num)d years", high)
    if facts.birth_date is None:
        return Criterion(text, UNKNOWN, None)
    today = facts.today or date.today()
    age = age_on(facts.birth_date, today)
    inside = (low is None or age >= low) and (high is None or age <= high)
    return Criterion(text, MET if inside else FAILED, lambda: age_text(facts.birth_date, today))


def _lines(low: int | None, high: int | None, facts: CaseFacts) -> Criterion:
    if low is not None and high is not None:
        text = lambda: _("%(low)d to %(high)d prior lines", low=low, high=high)
    elif low is not None:
        text = lambda: ngettext("At least %(num)d prior line", "At least %(num)d prior lines", low)
    elif high == 0:
        text = lambda: _("No prior line (first line)")
    else:
        text = lambda: ngettext("At most %(num)d prior line", "At most %(num)d prior lines", high)
    if facts.prior_lines is None:
        return Criterion(text, UNKNOWN, lambda: _("prior lines not given"))
    inside = (low is None or facts.prior_lines >= low) and (high is None or facts.prior_lines <= high)
    return Criterion(text, MET if inside else FAILED,
                     lambda: ngettext("%(num)d prior line", "%(num)d prior lines", facts.prior_lines))


def _num(value: Decimal) -> str:
    """12.50 -> "12.5" ("12,5" in French)."""
    return local_decimal(f"{value.normalize():f}")
