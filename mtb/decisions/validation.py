"""Checking what the secretary typed into a decision form: the summary, the correction
reason and each recommendation, with every problem reported next to its field."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from mtb.cases.models import Case
from mtb.decisions.models import RECOMMENDATION_FIELDS, AccessRoute, RecommendationKind
from mtb.errors import InvalidInput
from mtb.text import clean_text
from mtb.vocab import ESCAT_TIERS, ONCOKB_LEVELS

#: A ClinicalTrials.gov id.
NCT_RE = re.compile(r"^NCT\d{8}$")
#: A hospital's own trial code (e.g. LYON-BIO-07).
LOCAL_TRIAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{1,39}$")
SUMMARY_MAX = 20000
REASON_MAX = 5000


class DecisionInvalid(InvalidInput):
    """Several fields of a decision form are wrong; ``errors`` maps form field names to messages."""

    def __init__(self, errors: dict[str, str]):
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_field, first_message)
        self.errors = errors


def clean_recommendations(case: Case, raw: list[dict]) -> list[dict]:
    """Check the recommendations typed for ``case``; raise DecisionInvalid with every problem.

    Field names in errors are the form's: ``recommendations-<i>-<field>``. A cleaned row
    holds the kind, the rationale and the fields of its kind (a Biomarker and an
    AccessRoute rather than their ids).
    """
    errors: dict[str, str] = {}
    cleaned: list[dict] = []
    biomarkers = {b.id: b for b in case.biomarkers}
    for index, entry in enumerate(raw):
        name = f"recommendations-{index}-"
        values = {key: clean_text(entry.get(key)) for key in RECOMMENDATION_FIELDS}
        for key, limit in RECOMMENDATION_FIELDS.items():
            if values[key] and len(values[key]) > limit:
                errors[name + key] = _("At most %(n)d characters.", n=limit)
        try:
            kind = RecommendationKind(values["kind"] or "")
        except ValueError:
            errors[name + "kind"] = _("Choose what the board recommends.")
            continue
        row: dict = {"kind": kind, "rationale": values["rationale"]}
        if kind is RecommendationKind.TARGETED_THERAPY:
            row.update(_targeted_therapy(values, biomarkers, name, errors))
        elif kind is RecommendationKind.CLINICAL_TRIAL:
            row.update(_clinical_trial(values, name, errors))
        elif kind is RecommendationKind.FURTHER_TESTING:
            if not values["test_name"]:
                errors[name + "test_name"] = _("Say which test is recommended.")
            row.update(test_name=values["test_name"], test_sample=values["test_sample"])
        cleaned.append(row)
    if errors:
        raise DecisionInvalid(errors)
    return cleaned


def _targeted_therapy(values: dict, biomarkers: dict, name: str, errors: dict[str, str]) -> dict:
    if not values["drug"]:
        errors[name + "drug"] = _("Name the drug.")
    biomarker = None
    if not values["biomarker_id"]:
        errors[name + "biomarker_id"] = _("Choose the case's biomarker this drug targets.")
    else:
        try:
            biomarker = biomarkers.get(int(values["biomarker_id"]))
        except ValueError:
            biomarker = None
        if biomarker is None:
            errors[name + "biomarker_id"] = _("This biomarker is not one of this case's: choose among the case's biomarkers.")
    if not values["escat_tier"]:
        errors[name + "escat_tier"] = _("Give the ESCAT tier: it is required for a targeted therapy.")
    elif values["escat_tier"] not in ESCAT_TIERS:
        errors[name + "escat_tier"] = _("Unknown ESCAT tier: choose one of %(tiers)s.", tiers=", ".join(ESCAT_TIERS))
    if values["oncokb_level"] and values["oncokb_level"] not in ONCOKB_LEVELS:
        errors[name + "oncokb_level"] = _("Unknown OncoKB level: choose one of %(levels)s.", levels=", ".join(ONCOKB_LEVELS))
    access = None
    if not values["access_route"]:
        errors[name + "access_route"] = _("Choose the access route (approved, off-label, early access or compassionate use).")
    else:
        try:
            access = AccessRoute(values["access_route"])
        except ValueError:
            errors[name + "access_route"] = _("Unknown access route.")
    return dict(drug=values["drug"], biomarker=biomarker, escat_tier=values["escat_tier"],
                oncokb_level=values["oncokb_level"], access_route=access)


def _clinical_trial(values: dict, name: str, errors: dict[str, str]) -> dict:
    trial = values["trial_id"]
    if not trial:
        errors[name + "trial_id"] = _("Give the ClinicalTrials.gov id (NCT followed by 8 digits) or the local trial code.")
    elif trial.upper().startswith("NCT"):
        trial = trial.upper()
        if not NCT_RE.match(trial):
            errors[name + "trial_id"] = _("A ClinicalTrials.gov id is NCT followed by 8 digits, e.g. NCT04613596.")
    elif not LOCAL_TRIAL_RE.match(trial):
        errors[name + "trial_id"] = _("A local trial code has 2 to 40 letters, digits and . _ / - (e.g. LYON-BIO-07).")
    return dict(trial_id=trial, trial_site=values["trial_site"])


def check_decision(case: Case, summary: str | None, recommendations: list[dict],
                   correction_reason: str | None = None, *, correction: bool = False) -> tuple[str, list[dict], str | None]:
    """The cleaned (summary, recommendations, correction reason), or DecisionInvalid with every problem."""
    errors: dict[str, str] = {}
    summary = clean_text(summary)
    reason = clean_text(correction_reason)
    if correction and not reason:
        errors["correction_reason"] = _("Say why the decision is corrected: the reason is kept with the new version.")
    if reason and len(reason) > REASON_MAX:
        errors["correction_reason"] = _("At most %(n)d characters.", n=REASON_MAX)
    if not summary:
        errors["summary"] = _("Summarise the discussion.")
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = _("At most %(n)d characters.", n=SUMMARY_MAX)
    if not recommendations:
        errors["recommendations"] = _("Add at least one recommendation.")
    cleaned: list[dict] = []
    try:
        cleaned = clean_recommendations(case, recommendations)
    except DecisionInvalid as error:
        errors.update(error.errors)
    if errors:
        raise DecisionInvalid(errors)
    return summary, cleaned, reason
