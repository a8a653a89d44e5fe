"""The rules a case form must follow: every field normalised, every problem reported at
once (keyed by form field name), and what a submission needs on top. The molecular
findings (reports and biomarker rows) follow ``biomarker_validation``.

Nothing here writes: the services call these checks before they change anything, the
views call them to show every problem of a form in one round trip, the demo seeds
through them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app

from mtb.cases import checks
from mtb.cases.biomarker_validation import check_biomarker, check_counts, check_links, check_report
from mtb.cases.models import Case, GermlineConsent, Sex, Urgency
from mtb.cases.problems import CaseInputError, Problems, blank
from mtb.cases.uploads import CheckedFile, Upload, check_upload
from mtb.cases.vocab import CASE_FIELDS, MAX_LENGTHS, RESEARCH_COHORTS
from mtb.db import utcnow
from mtb.errors import InvalidInput
from mtb.i18n import gettext as _
from mtb.text import clean_text

__all__ = ["CaseInputError", "CheckedForm", "Problems", "check_biomarker", "check_case_form", "check_form",
           "check_report", "missing_to_submit", "remarks"]


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
    if blank(sex):
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
            out["icd10_code"], description = checks.check_icd10(code)
        except InvalidInput as error:
            problems.add("icd10_code", error.message)
        else:
            if checks.outside_neoplasms(out["icd10_code"]) and not values.get("icd10_confirmed"):
                problems.add("icd10_code", _(
                    "%(code)s (%(description)s) is not in the neoplasms chapter (C00–D48). Tick “Keep this code” "
                    "below if the case is rightly coded so, or give the tumour's code, e.g. C34.1.",
                    code=out["icd10_code"], description=description))
    morphology = clean_text(values.get("icdo3_morphology"))
    out["icdo3_morphology"] = None
    if morphology:
        try:
            out["icdo3_morphology"] = checks.check_icdo3(morphology)
        except InvalidInput as error:
            problems.add("icdo3_morphology", error.message)

    ecog = values.get("ecog")
    out["ecog"] = None
    if not blank(ecog):
        try:
            out["ecog"] = int(ecog)
            if not 0 <= out["ecog"] <= 4:
                raise ValueError
        except (TypeError, ValueError):
            problems.add("ecog", _("ECOG is a number from 0 to 4."))
    prior = values.get("prior_lines")
    out["prior_lines"] = None
    if not blank(prior):
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
    germline = values.get("germline_consent")
    out["germline_consent"] = None
    if not blank(germline):
        try:
            out["germline_consent"] = GermlineConsent(germline)
        except ValueError:
            problems.add("germline_consent", _("Choose a germline consent status from the list."))
    out["no_molecular_report"] = bool(values.get("no_molecular_report"))
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


#: One biomarker row (or report) as typed, and its normalised values.
CheckedRow = tuple[dict, dict]


@dataclass
class CheckedForm:
    """A case form that passed: the case's values, its reports keyed as the rows name them
    (``reports-0``), and its rows, each naming its report by that key (or None)."""

    values: dict
    reports: dict[str, CheckedRow] = field(default_factory=dict)
    rows: list[CheckedRow] = field(default_factory=list)


def _check_all(values: dict, rows: list[dict], reports: list[dict], problems: Problems) -> CheckedForm:
    checked = CheckedForm(check_case_values(values, problems))
    for position, report in enumerate(reports):
        key = report.get("_prefix") or f"reports-{position}"
        out = check_report(report, key, problems)
        if out is not None:
            checked.reports[key] = (report, out)
    prefixed = []
    for position, row in enumerate(rows):
        prefix = row.get("_prefix") or f"biomarkers-{position}"
        out = check_biomarker(row, prefix, problems)
        if out is not None:
            checked.rows.append((row, out))
            prefixed.append((prefix, out))
    check_links({key: out for key, (_typed, out) in checked.reports.items()}, prefixed, problems)
    check_counts(reports, rows, problems)
    return checked


def check_form(values: dict, rows: list[dict], *, complete: bool, reports: list[dict] = ()) -> CheckedForm:
    """The normalised case, its reports and the rows that are not blank; raises
    CaseInputError with every rule they break. ``complete``: also what a submission needs."""
    problems = Problems()
    checked = _check_all(values, rows, list(reports), problems)
    if complete:
        for name, message in missing_for_submission(checked.values, len(checked.rows)).items():
            if name not in problems.errors:
                problems.add(name, message)
    problems.raise_if_any()
    return checked


def remarks(values: dict, rows: list[dict], reports: list[dict] = ()) -> Problems:
    """The warnings and notes of values that pass (for the message after a save)."""
    problems = Problems()
    _check_all(values, rows, list(reports), problems)
    return problems


def check_case_form(values: dict, rows: list[dict], *, complete: bool, reports: list[dict] = ()) -> None:
    """Raise CaseInputError with every rule the values break (nothing is written)."""
    check_form(values, rows, complete=complete, reports=reports)


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
