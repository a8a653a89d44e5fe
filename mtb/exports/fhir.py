"""A validated decision as a FHIR R4 Bundle, following the MII MTB module and HL7 Genomics
Reporting:

- ``CarePlan`` (MII "Therapieplan"): the board's plan, with one activity per therapy
  recommendation, genetic counselling, re-biopsy, histology re-evaluation, further test and
  trial enrolment; the discussion summary as its description;
- ``MedicationRequest`` (MII "Therapieempfehlung", intent ``option``): drug, priority, the
  evidence grading as the m-level the MII profile expects with its modifiers (the board's own
  scale, via the crosswalk, with the original grading as a further coding; the OncoKB second
  grading too, system ``urn:mtb:evidence:oncokb-level``) and the supporting findings;
- ``ServiceRequest`` for counselling, biopsy, histology and other tests, and for a trial
  enrolment (with its ``ResearchStudy``: registry ids, title, phase);
- ``Observation``s of the case's findings and ``TherapeuticImplication``s
  (``mtb.exports.fhir_genomics``), the ``Patient``, the diagnosis ``Condition`` (ICD-10)
  and the board as ``Organization``.

Every resource is in the bundle, referenced by ``urn:uuid`` full URLs derived from MTB's ids
(the same decision exports the same bundle).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import current_app

from mtb.decisions.evidence import NCT
from mtb.decisions.models import Decision, Recommendation, RecommendationKind
from mtb.exports import profiles as P
from mtb.exports.fhir_genomics import biomarker_observation, scheme_system, second_grading, therapeutic_implication

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:mtb:fhir")
#: research-study-phase codes of the stored phases.
PHASES = {"1": "phase-1", "1/2": "phase-1-phase-2", "2": "phase-2", "2/3": "phase-2-phase-3", "3": "phase-3",
          "4": "phase-4"}
#: Words that make a further test a re-biopsy or a histology re-evaluation (English and French).
REBIOPSY_WORDS = ("biops",)
HISTOLOGY_WORDS = ("histolog", "patholog review", "pathology review", "relecture", "review of the slides")


def ref(kind: str, key, *, bare: bool = False) -> str:
    """The bundle reference of one resource (``urn:uuid:...``), or its bare id."""
    value = str(uuid.uuid5(NAMESPACE, f"{kind}/{key}"))
    return value if bare else f"urn:uuid:{value}"


def instant(moment: datetime | None) -> str | None:
    """A FHIR instant: to the second, with its UTC offset (``2026-12-01T18:56:56+00:00``)."""
    if moment is None:
        return None
    if moment.tzinfo is None:  # stored in UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def _coding(system: str, code: str, display: str | None = None) -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def patient(case) -> dict:
    system = current_app.config.get("FHIR_PATIENT_SYSTEM") or P.MTB_PATIENT_DEFAULT
    return {
        "resourceType": "Patient", "id": ref("Patient", case.id, bare=True), "meta": {"profile": [P.PROFILE_PATIENT]},
        "identifier": [{"system": system, "value": case.patient_record_number}],
        "name": [{"text": case.patient_name}], "gender": case.patient_sex.value,
        "birthDate": case.patient_birth_date.isoformat(),
    }


def organization(board) -> dict:
    return {"resourceType": "Organization", "id": ref("Organization", board.id, bare=True),
            "identifier": [{"system": P.MTB_BOARD, "value": board.slug}], "name": board.name, "active": True}


def condition(case) -> dict:
    system = current_app.config.get("FHIR_ICD10_SYSTEM") or P.ICD10_WHO
    resource = {
        "resourceType": "Condition", "id": ref("Condition", case.id, bare=True), "meta": {"profile": [P.PROFILE_DIAGNOSE]},
        "clinicalStatus": {"coding": [_coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active")]},
        "verificationStatus": {"coding": [_coding("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                                  "confirmed")]},
        "code": {"coding": [_coding(system, case.icd10_code)], "text": case.diagnosis},
        "subject": {"reference": ref("Patient", case.id)},
    }
    if case.stage:
        resource["stage"] = [{"summary": {"text": case.stage}}]
    return resource


def evidence_extension(rec: Recommendation) -> dict | None:
    """The MII evidence grading: the m-level (the board's own, or the crosswalk's nearest) and
    its modifiers, then the board's original grading when it was on another scale, then its
    second grading on OncoKB."""
    evidence = rec.evidence
    if evidence is None:
        return None
    m_level = evidence.m_level
    codings = [_coding(P.CS_EVIDENCE, m_level.level if m_level else "undefined", m_level.level if m_level else "N/A")]
    codings += [_coding(P.CS_EVIDENCE_MODIFIER, modifier) for modifier in (m_level.modifiers if m_level else ())]
    if evidence.scheme != NCT:
        codings.append(_coding(scheme_system(evidence.scheme), evidence.level, evidence.label))
    codings += second_grading(rec)
    return {"url": P.EXT_EVIDENZ, "valueCodeableConcept": {"coding": codings, "text": evidence.label}}


def medication_request(rec: Recommendation, priority: int, authored: str | None) -> dict:
    decision = rec.decision
    extensions = [{"url": P.EXT_PRIORITAET, "valuePositiveInt": priority}]
    grading = evidence_extension(rec)
    if grading:
        extensions.append(grading)
    resource = {
        "resourceType": "MedicationRequest", "id": ref("MedicationRequest", rec.id, bare=True),
        "meta": {"profile": [P.PROFILE_THERAPIEEMPFEHLUNG]}, "extension": extensions,
        "status": "draft", "intent": "option", "medicationCodeableConcept": {"text": rec.drug},
        "subject": {"reference": ref("Patient", decision.case_id)},
        "requester": {"reference": ref("Organization", decision.board_id)},
        "reasonReference": ([{"reference": ref("Observation", rec.biomarker_id)}] if rec.biomarker_id
                            else [{"reference": ref("Condition", decision.case_id)}]),
    }
    if authored:
        resource["authoredOn"] = authored
    notes = [str(text) for text in (rec.access_route.label if rec.access_route else None, rec.rationale) if text]
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


def _service_kind(rec: Recommendation) -> tuple[str | None, str]:
    """(MII profile or None, the activity's name) of a recommendation that is a request."""
    if rec.kind is RecommendationKind.GERMLINE_COUNSELLING:
        return P.PROFILE_HUMANGENETIK, "germline_counselling"
    if rec.kind is RecommendationKind.CLINICAL_TRIAL:
        return P.PROFILE_STUDIENEINSCHLUSS, "clinical_trial"
    words = f"{rec.test_name or ''} {rec.test_sample or ''}".lower()
    if any(word in words for word in HISTOLOGY_WORDS):
        return P.PROFILE_HISTOLOGIE, "histology_reevaluation"
    if any(word in words for word in REBIOPSY_WORDS):
        return P.PROFILE_REBIOPSIE, "rebiopsy"
    return None, "further_testing"


def research_study(rec: Recommendation) -> dict:
    resource = {
        "resourceType": "ResearchStudy", "id": ref("ResearchStudy", rec.id, bare=True), "status": "active",
        "identifier": [{"system": reg.system, "value": reg.identifier} if reg.system else {"value": reg.identifier}
                       for reg in rec.trial_registrations],
    }
    if rec.trial_title:
        resource["title"] = rec.trial_title
    if rec.trial_phase in PHASES:
        resource["phase"] = {"coding": [_coding(P.RESEARCH_STUDY_PHASE, PHASES[rec.trial_phase])]}
    if rec.trial_site:
        resource["site"] = [{"display": rec.trial_site}]
    return resource


def service_request(rec: Recommendation, authored: str | None) -> dict:
    decision = rec.decision
    profile, activity = _service_kind(rec)
    text = {"clinical_trial": rec.kind_label, "germline_counselling": rec.kind_label}.get(
        activity, " — ".join(t for t in (rec.test_name, rec.test_sample) if t) or rec.kind_label)
    resource = {
        "resourceType": "ServiceRequest", "id": ref("ServiceRequest", rec.id, bare=True),
        "status": "draft", "intent": "proposal",
        "code": {"coding": [_coding(P.MTB_RECOMMENDATION_KIND, activity)], "text": text},
        "subject": {"reference": ref("Patient", decision.case_id)},
        "requester": {"reference": ref("Organization", decision.board_id)},
        "reasonReference": [{"reference": ref("Condition", decision.case_id)}],
    }
    if profile:
        resource["meta"] = {"profile": [profile]}
    if authored:
        resource["authoredOn"] = authored
    if rec.kind is RecommendationKind.CLINICAL_TRIAL:
        resource["supportingInfo"] = [{"reference": ref("ResearchStudy", rec.id)}]
    if rec.rationale:
        resource["note"] = [{"text": rec.rationale}]
    return resource


def care_plan(decision: Decision, activities: list[str], notes: list[str], created: str | None) -> dict:
    resource = {
        "resourceType": "CarePlan", "id": ref("CarePlan", decision.id, bare=True),
        "meta": {"profile": [P.PROFILE_THERAPIEPLAN]},
        "identifier": [{"system": P.MTB_DECISION, "value": f"{decision.id}"},
                       {"system": P.MTB_CASE, "value": decision.case.reference}],
        "status": "active", "intent": "plan", "title": "Therapieplan",
        "subject": {"reference": ref("Patient", decision.case_id)},
        "author": {"reference": ref("Organization", decision.board_id)},
        "addresses": [{"reference": ref("Condition", decision.case_id)}],
        "description": decision.summary,
        "activity": [{"reference": {"reference": reference}} for reference in activities],
    }
    if created:
        resource["created"] = created
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


def decision_bundle(decision: Decision) -> dict:
    """The FHIR R4 Bundle (type ``collection``) of one validated decision, as JSON-ready data."""
    case = decision.case
    authored = instant(decision.validated_at or decision.created_at)
    resources: list[dict] = [patient(case), organization(case.board), condition(case)]
    resources += [biomarker_observation(b, ref) for b in case.biomarkers]
    activities: list[str] = []
    notes: list[str] = []
    requests: list[dict] = []
    therapies = [r for r in decision.recommendations if r.kind is RecommendationKind.TARGETED_THERAPY]
    for rec in decision.recommendations:
        if rec.kind is RecommendationKind.TARGETED_THERAPY:
            requests.append(medication_request(rec, therapies.index(rec) + 1, authored))
            if rec.biomarker_id is not None:
                requests.append(therapeutic_implication(rec, ref))
            activities.append(ref("MedicationRequest", rec.id))
        elif rec.kind in (RecommendationKind.CLINICAL_TRIAL, RecommendationKind.GERMLINE_COUNSELLING,
                          RecommendationKind.FURTHER_TESTING):
            if rec.kind is RecommendationKind.CLINICAL_TRIAL:
                requests.append(research_study(rec))
            requests.append(service_request(rec, authored))
            activities.append(ref("ServiceRequest", rec.id))
        else:  # standard of care, no actionable alteration, re-discuss: said in the plan's notes
            notes.append(f"{rec.kind_label}{': ' + rec.rationale if rec.rationale else ''}")
    resources.insert(3, care_plan(decision, activities, notes, authored))
    resources += requests
    return {
        "resourceType": "Bundle", "id": ref("Bundle", decision.id, bare=True), "type": "collection",
        "identifier": {"system": P.MTB_DECISION, "value": f"{decision.id}-v{decision.version}"},
        "timestamp": authored or instant(decision.updated_at),
        "entry": [{"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource} for resource in resources],
    }
