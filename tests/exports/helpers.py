"""Checks of an exported bundle: FHIR R4 structure (fhir.resources, R4B models: R4's
structure for these resources) and the profile rules MTB relies on."""

from __future__ import annotations

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from mtb.decisions.evidence import NCT, SCHEMES
from mtb.exports import profiles as P
from mtb.exports.fhir_genomics import SCHEME_SYSTEMS

M_LEVELS = set(SCHEMES[NCT].levels) | {"undefined"}


def references(node) -> list[str]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                found.append(value)
            else:
                found += references(value)
    elif isinstance(node, list):
        for value in node:
            found += references(value)
    return found


def resources_of(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def check_bundle(bundle: dict) -> dict[str, dict]:
    """Raise on any structural or profile problem; return the resources by full URL."""
    Bundle.model_validate(bundle)
    by_url = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        by_url[entry["fullUrl"]] = resource
    assert len(by_url) == len(bundle["entry"]), "duplicate full URLs"
    for reference in references(bundle):
        assert reference in by_url, f"reference {reference} does not resolve inside the bundle"

    [plan] = resources_of(bundle, "CarePlan")
    assert plan["meta"]["profile"] == [P.PROFILE_THERAPIEPLAN]
    assert plan["status"] and plan["intent"] == "plan" and plan["created"]
    assert by_url[plan["subject"]["reference"]]["resourceType"] == "Patient"
    assert by_url[plan["author"]["reference"]]["resourceType"] == "Organization"
    for activity in plan.get("activity", []):
        assert by_url[activity["reference"]["reference"]]["resourceType"] in ("MedicationRequest", "ServiceRequest")

    [patient] = resources_of(bundle, "Patient")
    assert patient["meta"]["profile"] == [P.PROFILE_PATIENT] and patient["identifier"][0]["value"]
    [condition] = resources_of(bundle, "Condition")
    assert condition["meta"]["profile"] == [P.PROFILE_DIAGNOSE]
    assert condition["code"]["coding"][0]["system"] in (P.ICD10_WHO, P.ICD10_GM) and condition["code"]["coding"][0]["code"]

    for request in resources_of(bundle, "MedicationRequest"):
        assert request["meta"]["profile"] == [P.PROFILE_THERAPIEEMPFEHLUNG]
        assert request["intent"] == "option" and request["medicationCodeableConcept"]["text"]
        extensions = {e["url"]: e for e in request["extension"]}
        assert extensions[P.EXT_PRIORITAET]["valuePositiveInt"] >= 1
        grading = extensions[P.EXT_EVIDENZ]["valueCodeableConcept"]["coding"]
        levels = [c for c in grading if c["system"] == P.CS_EVIDENCE]
        assert len(levels) == 1 and levels[0]["code"] in M_LEVELS
        check_grading_codings(grading)
        assert all(by_url[r["reference"]]["resourceType"] in ("Observation", "Condition")
                   for r in request["reasonReference"])
    for request in resources_of(bundle, "ServiceRequest"):
        assert request["intent"] == "proposal" and request["code"]["coding"][0]["system"] == P.MTB_RECOMMENDATION_KIND
    for observation in resources_of(bundle, "Observation"):
        assert observation["meta"]["profile"][0].startswith("http://hl7.org/fhir/uv/genomics-reporting/")
        assert observation["status"] == "final"
        for component in observation.get("component", []):
            if component["code"]["coding"][0]["code"] == "93044-6":  # a therapeutic implication's level of evidence
                check_grading_codings(component["valueCodeableConcept"]["coding"])
    return by_url


def check_grading_codings(codings: list[dict]) -> None:
    """An evidence grading's codings: at most one level per scale, each a level of its scale;
    modifiers only of the MII code system and only beside an m-level."""
    systems = {SCHEME_SYSTEMS.get(code, P.CS_EVIDENCE): code for code in SCHEMES}
    levels = [c for c in codings if c["system"] != P.CS_EVIDENCE_MODIFIER]
    assert len({c["system"] for c in levels}) == len(levels), "two levels of one scale"
    for coding in levels:
        assert coding["code"] in SCHEMES[systems[coding["system"]]].levels or coding["code"] == "undefined", coding
    for modifier in (c for c in codings if c["system"] == P.CS_EVIDENCE_MODIFIER):
        assert modifier["code"] in SCHEMES[NCT].modifiers
        assert any(c["system"] == P.CS_EVIDENCE for c in levels)
