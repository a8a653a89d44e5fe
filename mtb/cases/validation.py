"""The rules a case form must follow: every field normalised, every problem reported at
once (keyed by form field name), and what a submission needs on top.

Nothing here writes: the services call these checks before they change anything, the
views call them to show every problem of a form in one round trip, the demo seeds
through them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from mtb.cases import checks
from mtb.cases.genes import GeneStatus, check_symbol
from mtb.cases.models import BiomarkerKind, Case, CnvType, HrdStatus, MsiStatus, Sex, Urgency
from mtb.cases.uploads import CheckedFile, Upload, check_upload
from mtb.cases.vocab import BIOMARKER_FIELDS, CASE_FIELDS, MAX_LENGTHS, RESEARCH_COHORTS, fields_of
from mtb.db import utcnow
from mtb.errors import InvalidInput
from mtb.text import clean_text


class CaseInputError(InvalidInput):
    """Every problem found in a case form, keyed by form field name
    (``diagnosis``, ``biomarkers-2-gene``); ``suggestions`` maps a gene field to the
    approved symbols to offer."""

    def __init__(self, errors: dict[str, list[str]], suggestions: dict[str, tuple[str, ...]] | None = None):
        first_field, messages = next(iter(errors.items()))
        super().__init__(first_field, messages[0])
        self.errors = errors
        self.suggestions = suggestions or {}


@dataclass
class Problems:
    """The problems found so far, by form field name, and the gene symbols to suggest."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    suggestions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise CaseInputError(self.errors, self.suggestions)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_length(name: str, value: str | None, problems: Problems, field_name: str | None = None) -> None:
    limit = MAX_LENGTHS.get(name)
    if value is not None and limit is not None and len(value) > limit:
        problems.add(field_name or name, _("At most %(n)d characters.", n=limit))


def check_case_values(values: dict, problems: Problems) -> dict:
    """Normalise the case fields; records problems for the ones that break a rule."""
    out: dict[str, Any] = {}
    for name in ("patient_record_number", "patient_name", "diagnosis", "stage", "prior_treatments", "clinical_question"):
        out[name] = clean_text(values.get(name))
        _check_length(name, out[name], problems)
    for name, message in (
        ("patient_record_number", _("Enter the hospital record number.")),
        ("patient_name", _("Enter the patient's name.")),
    ):
        if out[name] is None:
            problems.add(name, message)
    sex = values.get("patient_sex")
    if _blank(sex):
        problems.add("patient_sex", _("Choose the patient's sex (or Unknown)."))
    else:
        try:
            out["patient_sex"] = Sex(sex)
        except ValueError:
            problems.add("patient_sex", _("Choose the patient's sex (or Unknown)."))
    birth = values.get("patient_birth_date")
    if not isinstance(birth, date):
        problems.add("patient_birth_date", _("Enter the date of birth."))
    elif birth > utcnow().date():
        problems.add("patient_birth_date", _("The date of birth is in the future."))
    elif birth.year < 1900:
        problems.add("patient_birth_date", _("Check the year of birth."))
    else:
        out["patient_birth_date"] = birth

    code = clean_text(values.get("icd10_code"))
    out["icd10_code"] = None
    if code:
        try:
            out["icd10_code"], _description = checks.check_icd10(code)
        except InvalidInput as error:
            problems.add("icd10_code", error.message)
    morphology = clean_text(values.get("icdo3_morphology"))
    out["icdo3_morphology"] = None
    if morphology:
        try:
            out["icdo3_morphology"] = checks.check_icdo3(morphology)
        except InvalidInput as error:
            problems.add("icdo3_morphology", error.message)

    ecog = values.get("ecog")
    out["ecog"] = None
    if not _blank(ecog):
        try:
            out["ecog"] = int(ecog)
            if not 0 <= out["ecog"] <= 4:
                raise ValueError
        except (TypeError, ValueError):
            problems.add("ecog", _("ECOG is a number from 0 to 4."))
    prior = values.get("prior_lines")
    out["prior_lines"] = None
    if not _blank(prior):
        try:
            out["prior_lines"] = int(prior)
            if out["prior_lines"] < 0:
                raise ValueError
        except (TypeError, ValueError):
            problems.add("prior_lines", _("Enter a number of lines from 0."))
    try:
        out["urgency"] = Urgency(values.get("urgency") or Urgency.ROUTINE.value)
    except ValueError:
        problems.add("urgency", _("Choose routine or urgent."))
    consent = [c for c in (values.get("research_consent") or []) if c]
    unknown = [c for c in consent if c not in RESEARCH_COHORTS]
    other = clean_text(values.get("research_consent_other"))
    out["research_consent"] = [c for c in RESEARCH_COHORTS if c in consent] + unknown + ([other] if other and other not in consent else [])
    out["no_molecular_report"] = bool(values.get("no_molecular_report"))
    return out


def _decimal(value) -> Decimal | None:
    """A finite number, or None when blank; InvalidOperation for anything else
    (text, NaN, Infinity: callers other than the form, like the CLI, may pass them)."""
    if _blank(value):
        return None
    number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    if not number.is_finite():
        raise InvalidOperation(str(value))
    try:
        return number.quantize(Decimal("0.01"))  # like the columns: "1e-999999" is 0
    except InvalidOperation:
        return number  # far too large: the range check says so


def _check_gene(value: str, name: str, problems: Problems) -> str | None:
    result = check_symbol(value)
    if result.status is GeneStatus.APPROVED:
        return result.approved[0]
    if result.status is GeneStatus.ALIAS:
        if len(result.approved) == 1:
            problems.add(name, _("%(typed)s is an alias or previous symbol of %(approved)s; use the approved HGNC symbol %(approved)s.", typed=result.typed, approved=result.approved[0]))
        else:
            problems.add(name, _("%(typed)s is an alias of several genes (%(genes)s); choose the approved HGNC symbol you mean.", typed=result.typed, genes=", ".join(result.approved)))
        problems.suggestions[name] = result.approved
        return None
    problems.add(name, _("%(typed)s is not an HGNC gene symbol (as of April 2022). Check the spelling, e.g. EGFR, ERBB2, CDKN2A.", typed=result.typed))
    return None


def check_biomarker(row: dict, prefix: str, problems: Problems) -> dict | None:
    """Normalise one biomarker row; None for a row left blank."""
    def name(f: str) -> str:
        return f"{prefix}-{f}"

    typed = {f: row.get(f) for f in BIOMARKER_FIELDS}
    if all(_blank(v) for v in typed.values()):
        return None
    kind_value = typed["kind"]
    try:
        kind = BiomarkerKind(kind_value)
    except ValueError:
        problems.add(name("kind"), _("Choose what kind of finding this row is."))
        return None
    applies = fields_of(kind)
    out: dict[str, Any] = {f: None for f in BIOMARKER_FIELDS}
    out["kind"] = kind
    for f in ("description", "assay", "specimen", "lab"):
        out[f] = clean_text(typed[f])
        _check_length(f, out[f], problems, name(f))
    out["reported_on"] = typed["reported_on"] if isinstance(typed["reported_on"], date) else None
    if out["reported_on"] and out["reported_on"] > utcnow().date():
        problems.add(name("reported_on"), _("This date is in the future."))

    def text(f):
        return clean_text(typed[f]) if f in applies else None

    def number(f, low, high, message):
        if f not in applies:
            return None
        try:
            value = _decimal(typed[f])
        except (InvalidOperation, ValueError):
            problems.add(name(f), _("Enter a number, e.g. 32 or 12.5 (not NaN or Infinity)."))
            return None
        if value is not None and not (low <= value <= high):
            problems.add(name(f), message)
        return value

    def choice(f, enum_cls, message):
        value = typed[f] if f in applies else None
        if _blank(value):
            return None
        try:
            return enum_cls(value)
        except ValueError:
            problems.add(name(f), message)
            return None

    if kind in (BiomarkerKind.VARIANT, BiomarkerKind.CNV, BiomarkerKind.FUSION):
        gene = text("gene")
        if gene is None:
            problems.add(name("gene"), _("Enter the gene (HGNC symbol)."))
        else:
            out["gene"] = _check_gene(gene, name("gene"), problems)
    if kind is BiomarkerKind.VARIANT:
        transcript, hgvs_c, hgvs_p = text("transcript"), text("hgvs_c"), text("hgvs_p")
        if transcript:
            try:
                out["transcript"] = checks.check_transcript(transcript)
            except InvalidInput as error:
                problems.add(name("transcript"), error.message)
        if hgvs_c:
            try:
                out["hgvs_c"] = checks.check_hgvs_c(hgvs_c)
            except InvalidInput as error:
                problems.add(name("hgvs_c"), error.message)
        if hgvs_p:
            try:
                out["hgvs_p"] = checks.check_hgvs_p(hgvs_p)
            except InvalidInput as error:
                problems.add(name("hgvs_p"), error.message)
        for f in ("hgvs_c", "hgvs_p"):
            _check_length(f, out[f], problems, name(f))
        if not hgvs_c and not hgvs_p:
            problems.add(name("hgvs_p"), _("Give the protein change (p.), the coding change (c.), or both."))
        out["vaf"] = number("vaf", 0, 100, _("A VAF is between 0 and 100 %."))
    elif kind is BiomarkerKind.CNV:
        out["cnv_type"] = choice("cnv_type", CnvType, _("Choose gain, amplification, loss or deletion."))
        if out["cnv_type"] is None and name("cnv_type") not in problems.errors:
            problems.add(name("cnv_type"), _("Choose gain, amplification, loss or deletion."))
        out["copy_number"] = number("copy_number", 0, 9999, _("Enter a number of copies from 0."))
    elif kind is BiomarkerKind.FUSION:
        partner = text("gene_3p")
        if partner is None:
            problems.add(name("gene_3p"), _("Enter the 3′ partner gene (HGNC symbol)."))
        else:
            out["gene_3p"] = _check_gene(partner, name("gene_3p"), problems)
    elif kind is BiomarkerKind.TMB:
        out["tmb"] = number("tmb", 0, 99999, _("TMB is 0 or more mutations per megabase."))
        if out["tmb"] is None:
            problems.add(name("tmb"), _("Enter the TMB in mutations per megabase."))
    elif kind is BiomarkerKind.MSI:
        out["msi_status"] = choice("msi_status", MsiStatus, _("Choose MSI-H, MSI-L or MSS."))
        if out["msi_status"] is None and name("msi_status") not in problems.errors:
            problems.add(name("msi_status"), _("Choose MSI-H, MSI-L or MSS."))
    elif kind is BiomarkerKind.PDL1:
        out["pdl1_tps"] = number("pdl1_tps", 0, 100, _("TPS is between 0 and 100 %."))
        out["pdl1_cps"] = number("pdl1_cps", 0, 100, _("CPS is between 0 and 100."))
        out["pdl1_ic"] = number("pdl1_ic", 0, 100, _("IC is between 0 and 100 %."))
        if out["pdl1_tps"] is None and out["pdl1_cps"] is None and out["pdl1_ic"] is None:
            problems.add(name("pdl1_tps"), _("Give at least one PD-L1 score: TPS, CPS or IC."))
    elif kind is BiomarkerKind.HRD:
        out["hrd_status"] = choice("hrd_status", HrdStatus, _("Choose positive, negative or inconclusive."))
        if out["hrd_status"] is None and name("hrd_status") not in problems.errors:
            problems.add(name("hrd_status"), _("Choose positive, negative or inconclusive."))
        out["hrd_score"] = number("hrd_score", 0, 9999, _("A score is 0 or more."))
    elif kind is BiomarkerKind.OTHER and out["description"] is None:
        problems.add(name("description"), _("Describe the finding."))
    return out


def missing_for_submission(values: dict, biomarker_count: int) -> dict[str, str]:
    """What a submitted case must have that the values lack, by field name."""
    missing = {}
    if not values.get("diagnosis"):
        missing["diagnosis"] = _("Enter the diagnosis: the board needs it to discuss the case.")
    if not values.get("icd10_code"):
        missing["icd10_code"] = _("Enter the ICD-10 code of the diagnosis.")
    if not values.get("clinical_question"):
        missing["clinical_question"] = _("Write the question you ask the board.")
    if biomarker_count == 0 and not values.get("no_molecular_report"):
        missing["no_molecular_report"] = _("Add at least one biomarker, or tick “No molecular report yet” if you ask the board which tests to order.")
    return missing


def values_of(case: Case) -> dict:
    """The case's stored values, as check_case_values returns them (blank as None)."""
    return {name: getattr(case, name) or None for name in CASE_FIELDS}


def missing_to_submit(case: Case) -> dict[str, str]:
    """What the stored case lacks to be submitted (nothing for a case already submitted)."""
    if not case.is_draft:
        return {}
    return missing_for_submission(values_of(case), len(case.biomarkers))


#: One biomarker row as typed, and its normalised values.
CheckedRow = tuple[dict, dict]


def check_form(values: dict, rows: list[dict], *, complete: bool) -> tuple[dict, list[CheckedRow]]:
    """The normalised case values and the rows that are not blank; raises CaseInputError
    with every rule they break. ``complete``: also what a submission needs."""
    problems = Problems()
    clean = check_case_values(values, problems)
    checked = []
    for position, row in enumerate(rows):
        prefix = row.get("_prefix") or f"biomarkers-{position}"
        out = check_biomarker(row, prefix, problems)
        if out is not None:
            checked.append((row, out))
    if complete:
        for name, message in missing_for_submission(clean, len(checked)).items():
            if name not in problems.errors:
                problems.add(name, message)
    problems.raise_if_any()
    return clean, checked


def check_case_form(values: dict, rows: list[dict], *, complete: bool) -> None:
    """Raise CaseInputError with every rule the values break (nothing is written)."""
    check_form(values, rows, complete=complete)


def sort_uploads(uploads: list[Upload]) -> tuple[list[CheckedFile], list[str]]:
    """Check each file: (the files that pass, a message for each one that does not)."""
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    checked, problems = [], []
    for upload in uploads:
        try:
            checked.append(check_upload(upload.filename, upload.data, limit))
        except InvalidInput as error:
            problems.append(error.message)
    return checked, problems


def check_uploads(uploads: list[Upload], field_name: str) -> list[CheckedFile]:
    """The checked files; CaseInputError on ``field_name`` naming every file refused."""
    checked, messages = sort_uploads(uploads)
    if messages:
        raise CaseInputError({field_name: messages})
    return checked
