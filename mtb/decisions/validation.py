"""Checking what the secretary typed into a decision form: the summary, the correction
reason and each recommendation, with every problem reported next to its field."""

from __future__ import annotations

from mtb.cases.models import Case
from mtb.decisions.evidence import ESCAT, NCT, ONCOKB, SCHEMES, parse_value
from mtb.decisions.models import RECOMMENDATION_FIELDS, AccessRoute, RecommendationKind
from mtb.errors import InvalidInput
from mtb.i18n import gettext as _
from mtb.text import clean_text
from mtb.trials.registrations import JOINER, TRIAL_PHASES, parse_ids
from mtb.vocab import ONCOKB_LEVELS

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
        if not values["evidence"] and entry.get("escat_tier"):
            # Rows saved by older forms and callers give the ESCAT tier alone.
            values["evidence"] = f"{ESCAT}:{clean_text(entry.get('escat_tier'))}"
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
            row.update(_targeted_therapy(values, entry.get("evidence_modifiers"), biomarkers, name, errors))
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


def _targeted_therapy(values: dict, modifiers, biomarkers: dict, name: str, errors: dict[str, str]) -> dict:
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
        elif biomarker.is_negative:
            errors[name + "biomarker_id"] = _(
                "“%(label)s” is a negative result: a drug targets a finding that was detected. Choose it, "
                "or record the drug as standard of care or another kind of recommendation.", label=biomarker.label)
            biomarker = None
    evidence = _evidence(values, modifiers, name, errors)
    oncokb = values["oncokb_level"]
    if oncokb and oncokb not in ONCOKB_LEVELS:
        errors[name + "oncokb_level"] = _("Unknown OncoKB level: choose one of %(levels)s.", levels=", ".join(ONCOKB_LEVELS))
    if evidence and evidence[0] == ONCOKB:
        oncokb = None  # the evidence itself is the OncoKB level
    access = None
    if not values["access_route"]:
        errors[name + "access_route"] = _("Choose the access route (approved, off-label, early access or compassionate use).")
    else:
        try:
            access = AccessRoute(values["access_route"])
        except ValueError:
            errors[name + "access_route"] = _("Unknown access route.")
    scheme, level, chosen = evidence or (None, None, [])
    return dict(drug=values["drug"], biomarker=biomarker, evidence_scheme=scheme, evidence_level=level,
                evidence_modifiers=chosen, oncokb_level=oncokb or None, access_route=access)


def _evidence(values: dict, modifiers, name: str, errors: dict[str, str]) -> tuple[str, str, list[str]] | None:
    """(scheme, level, modifiers) of a targeted therapy, or None with the problem in ``errors``."""
    if isinstance(modifiers, str):
        modifiers = [modifiers]
    modifiers = [clean_text(m) for m in (modifiers or ()) if clean_text(m)]
    if not values["evidence"]:
        errors[name + "evidence"] = _("Give the evidence level: it is required for a targeted therapy.")
        return None
    parsed = parse_value(values["evidence"])
    if parsed is None:
        errors[name + "evidence"] = _("Unknown evidence level: choose one in the list (ESCAT, OncoKB, NCT/DKTK or "
                                      "AMP/ASCO/CAP).")
        return None
    scheme, level = parsed
    allowed = SCHEMES[scheme].modifiers
    if modifiers and scheme != NCT:
        errors[name + "evidence_modifiers"] = _("Modifiers (is, iv, Z, R) belong to NCT/DKTK m-levels: choose an "
                                                "m-level or untick them.")
        return None
    unknown = [m for m in modifiers if m not in allowed]
    if unknown:
        errors[name + "evidence_modifiers"] = _("Unknown modifier: choose among %(list)s.", list=", ".join(allowed))
        return None
    return scheme, level, [m for m in allowed if m in modifiers]


def _clinical_trial(values: dict, name: str, errors: dict[str, str]) -> dict:
    registrations, problems = parse_ids(values["trial_id"])
    if problems:
        errors[name + "trial_id"] = " ".join(problems)
    elif not registrations:
        errors[name + "trial_id"] = _("Give the trial's registry ids (NCT, EU CT, EudraCT or ID-RCB) or the "
                                      "hospital's trial code.")
    trial_id = JOINER.join(r.identifier for r in registrations)
    if len(trial_id) > RECOMMENDATION_FIELDS["trial_id"]:
        errors[name + "trial_id"] = _("At most %(n)d characters.", n=RECOMMENDATION_FIELDS["trial_id"])
    phase = values["trial_phase"]
    if phase and phase not in TRIAL_PHASES:
        errors[name + "trial_phase"] = _("Unknown phase: choose one in the list.")
    return dict(trial_id=trial_id or None, trial_title=values["trial_title"], trial_phase=phase or None,
                trial_site=values["trial_site"])


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
