"""The rules of a trial in the registry: its registry ids (the formats recommendations
accept, ``mtb.trials.registrations``), title, phase, status, boards, and the structured
eligibility (alterations written one per line, thresholds, ICD-10 ranges, age, lines).

Every problem is keyed by form field name and reported at once (``TrialInputError``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from mtb.cases.biomarker_validation import normalise_location
from mtb.cases.gene_checks import check_gene
from mtb.cases.hgvs import normalise_c, normalise_p
from mtb.cases.hgvs_grammar import ONE_LETTER
from mtb.cases.problems import Problems, to_decimal
from mtb.errors import InvalidInput
from mtb.i18n import gettext as _
from mtb.text import clean_text
from mtb.trials.alterations import protein_key, synonymous_change
from mtb.trials.matching import icd10_in
from mtb.trials.models import MolecularLogic, TrialStatus
from mtb.trials.registrations import JOINER, LOCAL, TRIAL_PHASES, parse_ids


class TrialInputError(InvalidInput):
    """Every problem of a trial form, by field name."""

    def __init__(self, errors: dict[str, list[str]]):
        first, messages = next(iter(errors.items()))
        super().__init__(first, messages[0])
        self.errors = errors


_CNV_WORDS = {"amplification": "amplification", "amplified": "amplification", "amp": "amplification",
              "gain": "gain", "loss": "loss", "deletion": "deletion", "homozygous deletion": "deletion"}
_ANY_WORDS = {"", "alteration", "altered", "any"}
_VARIANT_WORDS = {"mutation", "mutated", "variant", "mut"}
_CODON = re.compile(r"(?:p\.)?([A-Z](?:[a-z]{2})?)(\d{1,5})")
#: An exon-level criterion as reports write it: "exon 20 insertion(s)", "ex20ins", "exon 19 del",
#: "ex19del", "exon 14 skipping".
_EXON_CHANGE_WORDS = re.compile(r"ex(?:on)?\s*([1-9]\d{0,2})\s*(?:(ins(?:ertions?)?)|(del(?:etions?)?)|(skip(?:ping)?))")
#: What a report writes for a gene without the alteration: a negative criterion, not one of these.
_WILD_TYPE = re.compile(r"wild[\s-]?type|wt|negative|neg|not\s+(?:mutated|detected|altered)|non[\s-]?mutated|unmutated")
_ICD10_SPEC = re.compile(r"[A-Z]\d{2}(?:\.\d{1,2})?(?:-[A-Z]\d{2}(?:\.\d{1,2})?)?")


def parse_alteration(line: str, name: str, problems: Problems) -> dict | None:
    """"BRAF p.V600E", "BRAF V600", "ALK fusion", "MET amplification", "EGFR exon 20",
    "EGFR exon 20 insertion", "EGFR exon 19 deletion", "MET exon 14 skipping", "KRAS mutation",
    "NTRK1" (any alteration) -> {"gene", "kind", "change"}; None with the problem recorded
    next to ``name``, the line quoted first (a textarea holds many)."""
    line = line.strip()
    try:
        return _alteration(line)
    except InvalidInput as error:
        problems.add(name, _("“%(line)s”: %(problem)s", line=line, problem=error.message))
        return None


def _alteration(line: str) -> dict:
    """One line read; InvalidInput(None, what is wrong) when it cannot be."""
    gene_text, _sep, rest = line.partition(" ")
    rest = rest.strip()
    found = Problems()
    gene = check_gene(gene_text, "gene", found, fusion_offer=False)
    if gene is None:
        raise InvalidInput(None, found.errors["gene"][0])
    words = rest.lower()
    if words in ("fusion", "rearrangement", "fusion or rearrangement"):
        return {"gene": gene, "kind": "fusion", "change": ""}
    if words in _CNV_WORDS:
        return {"gene": gene, "kind": "cnv", "change": _CNV_WORDS[words]}
    if words in _ANY_WORDS:
        return {"gene": gene, "kind": "any", "change": ""}
    if words in _VARIANT_WORDS:
        return {"gene": gene, "kind": "variant", "change": ""}
    if _WILD_TYPE.fullmatch(words):
        # A criterion says what a case has: the matching cannot weigh an absence against it.
        raise InvalidInput(None, _("wild-type (negative) criteria are not supported: trials are proposed on the "
                                   "alterations a case has. Write it in the eligibility text instead."))
    if exon_change := _EXON_CHANGE_WORDS.fullmatch(words):
        what = "insertion" if exon_change[2] else "deletion" if exon_change[3] else "skipping"
        return {"gene": gene, "kind": "variant", "change": f"exon {int(exon_change[1])} {what}"}
    if words.startswith(("exon", "intron")) or words.isdigit():
        return {"gene": gene, "kind": "variant", "change": normalise_location(rest)}
    if not rest.startswith("c."):
        # Compared without them (mtb.trials.alterations.protein_key): stored without them too.
        rest = protein_key(rest)
    codon = _CODON.fullmatch(rest)
    if codon and (len(codon[1]) == 3 or codon[1] in ONE_LETTER):
        residue = codon[1] if len(codon[1]) == 3 else ONE_LETTER[codon[1]]
        return {"gene": gene, "kind": "variant", "change": f"p.{residue}{int(codon[2])}"}
    try:
        change = normalise_c(rest).value if rest.startswith("c.") else normalise_p(rest).value
    except InvalidInput as error:
        raise InvalidInput(None, _("%(problem)s Write one alteration per line: a gene, then p.V600E, V600 (any change "
                                   "at the codon), exon 20, exon 20 insertion, exon 19 deletion, exon 14 skipping, "
                                   "fusion, amplification or mutation.", problem=error.message)) from None
    if synonymous_change(change):
        # It would never meet a case (mtb.trials.alterations): no amino acid changed.
        raise InvalidInput(None, _("A synonymous change changes no amino acid, so no case would meet it; write the "
                                   "codon (BRAF V600) or the change (BRAF p.V600E)."))
    return {"gene": gene, "kind": "variant", "change": change}


def _decimal(values: dict, name: str, low, high, message: str, problems: Problems) -> Decimal | None:
    text = clean_text(values.get(name))
    if text is None:
        return None
    try:
        value = to_decimal(text.replace("%", ""))
    except InvalidOperation:
        value = None
    if value is None or not low <= value <= high:
        problems.add(name, message)
        return None
    return value


def _integer(values: dict, name: str, low: int, high: int, message: str, problems: Problems) -> int | None:
    text = clean_text(values.get(name))
    if text is None:
        return None
    # Length first: int() refuses more than 4,300 digits, and no range here needs more than a few.
    if not text.isascii() or not text.isdigit() or len(text) > 6 or not low <= int(text) <= high:
        problems.add(name, message)
        return None
    return int(text)


def check_trial(values: dict, boards: list, allowed_board_ids: set[int] | None) -> dict:
    """The trial's normalised values (``boards``: the Board objects chosen); raises
    TrialInputError with every problem. ``allowed_board_ids``: the boards the user may
    add trials to (None: every board, an admin)."""
    problems = Problems()
    out: dict = {}
    registrations, id_problems = parse_ids(values.get("registry_ids"))
    for message in id_problems:
        problems.add("registry_ids", message)
    registry = [r for r in registrations if r.registry != LOCAL]
    if not id_problems and not registry:
        problems.add("registry_ids", _("Give the trial's registry id: NCT04613596, an EU CT number "
                                       "2023-503456-39-00, a EudraCT number 2015-001234-56 or an ID-RCB "
                                       "2019-A01234-56 (the hospital's own code may follow)."))
    out["registry_ids"] = JOINER.join(r.identifier for r in registrations)
    out["primary_id"] = registry[0].identifier if registry else None
    if len(out["registry_ids"]) > 200:
        problems.add("registry_ids", _("At most %(n)d characters.", n=200))
    for name, limit in (("title", 500), ("acronym", 60), ("sponsor", 200), ("investigator", 200),
                        ("contact", 300), ("conditions", 500)):
        out[name] = clean_text(values.get(name))
        if out[name] is not None and len(out[name]) > limit:
            problems.add(name, _("At most %(n)d characters.", n=limit))
    out["eligibility_text"] = clean_text(values.get("eligibility_text"))
    if out["title"] is None:
        problems.add("title", _("Enter the trial's title."))
    phase = clean_text(values.get("phase"))
    if phase is not None and phase not in TRIAL_PHASES:
        problems.add("phase", _("Choose the phase from the list."))
    out["phase"] = phase
    try:
        out["status"] = TrialStatus(values.get("status") or "")
    except ValueError:
        problems.add("status", _("Choose recruiting, on hold or closed."))
    try:
        out["molecular_logic"] = MolecularLogic(values.get("molecular_logic") or MolecularLogic.ANY.value)
    except ValueError:
        problems.add("molecular_logic", _("Choose how the molecular criteria combine."))
    if not boards:
        problems.add("boards", _("Choose at least one board that may propose the trial."))
    elif allowed_board_ids is not None and any(b.id not in allowed_board_ids for b in boards):
        problems.add("boards", _("You can add trials only to the boards where you are a secretary."))
    out["boards"] = list(boards)
    alterations = []
    for line in (values.get("alterations") or "").splitlines():
        if line.strip():
            found = parse_alteration(line, "alterations", problems)
            if found is not None and found not in alterations:
                alterations.append(found)
    out["alterations"] = alterations
    out["tmb_min"] = _decimal(values, "tmb_min", 0, 1000, _("TMB is 0 or more mutations per megabase, e.g. 10."),
                              problems)
    out["pdl1_tps_min"] = _decimal(values, "pdl1_tps_min", 0, 100, _("A TPS is between 0 and 100 %, e.g. 50."),
                                   problems)
    out["requires_msi_high"] = bool(values.get("requires_msi_high"))
    out["requires_hrd"] = bool(values.get("requires_hrd"))
    ranges = []
    for token in re.split(r"[\s,;]+", (values.get("icd10_ranges") or "").upper()):
        token = token.replace("–", "-")
        if not token:
            continue
        low, _dash, high = token.partition("-")
        if not _ICD10_SPEC.fullmatch(token):
            problems.add("icd10_ranges", _("“%(code)s” is not an ICD-10 code or range; write e.g. C34, C43-C44 "
                                           "or C71.0.", code=token))
        elif not icd10_in(low, token):
            # A range that does not hold its own first code would match no case (C44-C43).
            fixed = f"{high}-{low}"
            problems.add("icd10_ranges", _("“%(range)s” is reversed: write the lower code first, e.g. "
                                           "%(fixed)s.", range=token, fixed=fixed))
        elif token not in ranges:
            ranges.append(token)
    out["icd10_ranges"] = ranges
    years = _("An age in whole years, 0 to 120.")
    out["age_min"] = _integer(values, "age_min", 0, 120, years, problems)
    out["age_max"] = _integer(values, "age_max", 0, 120, years, problems)
    if out["age_min"] is not None and out["age_max"] is not None and out["age_min"] > out["age_max"]:
        problems.add("age_max", _("The maximum age is below the minimum age."))
    lines = _("A number of prior lines, 0 to 20.")
    out["prior_lines_min"] = _integer(values, "prior_lines_min", 0, 20, lines, problems)
    out["prior_lines_max"] = _integer(values, "prior_lines_max", 0, 20, lines, problems)
    if out["prior_lines_min"] is not None and out["prior_lines_max"] is not None \
            and out["prior_lines_min"] > out["prior_lines_max"]:
        problems.add("prior_lines_max", _("The maximum is below the minimum."))
    if problems.errors:
        raise TrialInputError(problems.errors)
    return out


def alterations_text(alterations: list[dict]) -> str:
    """The stored alterations as the form's textarea shows them, one per line."""
    lines = []
    for a in alterations or ():
        change = a.get("change") or ""
        word = {"fusion": "fusion", "cnv": change or "amplification", "any": "", "variant": change or "mutation"}
        lines.append(f"{a['gene']} {word.get(a.get('kind') or 'any', change)}".strip())
    return "\n".join(lines)
