"""A validated decision as a FHIR R4 bundle (MII MTB module, HL7 Genomics Reporting): it
validates, every reference resolves in the bundle, and it carries the m-level the MII profile
expects, the trial's registrations and the findings that support each therapy."""

from __future__ import annotations

import json

import sqlalchemy as sa

from mtb.decisions import services
from mtb.decisions.models import Decision
from mtb.exports import profiles as P
from mtb.exports.fhir import decision_bundle
from mtb.exports.fhir_genomics import SCHEME_SYSTEMS
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from tests.decisions.helpers import targeted
from tests.exports.helpers import check_bundle, resources_of


def _validated(team, started_meeting, recommendations, create_case=None):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    decision = services.save_draft(item, team["secretary"], "EGFR L858R: osimertinib.", recommendations(item.case))
    services.validate(decision, team["chair"])
    db.session.commit()
    return decision


def test_every_demo_decision_exports_a_bundle_that_validates(app, demo):
    decisions = list(db.session.scalars(sa.select(Decision)))
    assert decisions
    for decision in decisions:
        check_bundle(json.loads(json.dumps(decision_bundle(decision))))


def test_a_bundle_carries_the_plan_the_therapy_with_its_m_level_the_trial_and_the_findings(team, started_meeting):
    decision = _validated(team, started_meeting, lambda case: [
        targeted(case, evidence="escat:II-B", drug="Osimertinib"),
        {"kind": "clinical_trial", "trial_id": "NCT04613596, 2023-503456-39-00", "trial_title": "KRYSTAL-12",
         "trial_phase": "3"},
        {"kind": "germline_counselling", "rationale": "Family history"},
        {"kind": "further_testing", "test_name": "Histology review", "test_sample": "archived block"},
        {"kind": "further_testing", "test_name": "RNA fusion panel", "test_sample": "new biopsy"},
        {"kind": "standard_of_care", "rationale": "If not eligible"},
    ])
    bundle = decision_bundle(decision)
    by_url = check_bundle(bundle)
    [plan] = resources_of(bundle, "CarePlan")
    assert plan["description"] == "EGFR L858R: osimertinib." and len(plan["activity"]) == 5
    assert plan["note"] == [{"text": "Standard of care: If not eligible"}]
    [therapy] = resources_of(bundle, "MedicationRequest")
    grading = {e["url"]: e for e in therapy["extension"]}[P.EXT_EVIDENZ]["valueCodeableConcept"]
    # ESCAT II-B crosswalks to m1B, the MII profile's scale; the board's own grading stays beside it.
    assert grading["coding"][0] == {"system": P.CS_EVIDENCE, "code": "m1B", "display": "m1B"}
    assert grading["coding"][1]["code"] == "II-B" and grading["text"] == "ESCAT II-B"
    [variant] = [by_url[r["reference"]] for r in therapy["reasonReference"]]
    assert variant["code"]["coding"][0]["code"] == "69548-6"
    assert {"system": "http://varnomen.hgvs.org", "code": "p.Leu858Arg"} in [
        c["valueCodeableConcept"]["coding"][0] for c in variant["component"]
        if "coding" in c.get("valueCodeableConcept", {})]
    [implication] = [o for o in resources_of(bundle, "Observation")
                     if o["meta"]["profile"][0].endswith("therapeutic-implication")]
    assert implication["derivedFrom"][0]["reference"] in [r["reference"] for r in therapy["reasonReference"]]
    profiles = sorted(r.get("meta", {}).get("profile", ["-"])[0].rsplit("/", 1)[-1]
                      for r in resources_of(bundle, "ServiceRequest"))
    assert profiles == ["mii-pr-mtb-histologie-evaluation-auftrag", "mii-pr-mtb-humangenetische-beratung-auftrag",
                        "mii-pr-mtb-rebiopsie-auftrag", "mii-pr-mtb-studieneinschluss-anfrage"]
    [study] = resources_of(bundle, "ResearchStudy")
    assert study["identifier"] == [{"system": "https://clinicaltrials.gov", "value": "NCT04613596"},
                                   {"system": "https://euclinicaltrials.eu", "value": "2023-503456-39-00"}]
    assert study["phase"]["coding"][0]["code"] == "phase-3" and study["title"] == "KRYSTAL-12"


def test_an_m_level_with_modifiers_is_exported_as_given(team, started_meeting):
    decision = _validated(team, started_meeting, lambda case: [
        targeted(case, evidence="nct:m2A", evidence_modifiers=["is", "Z"])])
    bundle = decision_bundle(decision)
    check_bundle(bundle)
    [therapy] = resources_of(bundle, "MedicationRequest")
    grading = {e["url"]: e for e in therapy["extension"]}[P.EXT_EVIDENZ]["valueCodeableConcept"]["coding"]
    assert [(c["system"], c["code"]) for c in grading] == [
        (P.CS_EVIDENCE, "m2A"), (P.CS_EVIDENCE_MODIFIER, "is"), (P.CS_EVIDENCE_MODIFIER, "Z"),
        (SCHEME_SYSTEMS["oncokb"], "1")]  # the second grading (targeted() gives OncoKB 1)


def _level_of_evidence(bundle) -> list[tuple[str, str]]:
    [implication] = [o for o in resources_of(bundle, "Observation")
                     if o["meta"]["profile"][0].endswith("therapeutic-implication")]
    [level] = [c for c in implication["component"] if c["code"]["coding"][0]["code"] == "93044-6"]
    return [(c["system"], c["code"]) for c in level["valueCodeableConcept"]["coding"]]


def test_the_oncokb_second_grading_and_the_m_level_modifiers_are_exported_as_codings(team, started_meeting):
    decision = _validated(team, started_meeting, lambda case: [
        targeted(case, evidence="nct:m1B", evidence_modifiers=["is", "R"], oncokb_level="R2")])
    bundle = decision_bundle(decision)
    check_bundle(bundle)
    [therapy] = resources_of(bundle, "MedicationRequest")
    grading = {e["url"]: e for e in therapy["extension"]}[P.EXT_EVIDENZ]["valueCodeableConcept"]["coding"]
    assert [(c["system"], c["code"]) for c in grading] == [
        (P.CS_EVIDENCE, "m1B"), (P.CS_EVIDENCE_MODIFIER, "is"), (P.CS_EVIDENCE_MODIFIER, "R"),
        (SCHEME_SYSTEMS["oncokb"], "R2")]
    # The Genomics Reporting implication carries the same: the level, its modifiers, the OncoKB level.
    assert _level_of_evidence(bundle) == [
        (P.CS_EVIDENCE, "m1B"), (P.CS_EVIDENCE_MODIFIER, "is"), (P.CS_EVIDENCE_MODIFIER, "R"),
        (SCHEME_SYSTEMS["oncokb"], "R2")]


def test_a_grading_on_another_scale_exports_its_oncokb_second_grading_beside_it(team, started_meeting):
    decision = _validated(team, started_meeting, lambda case: [
        targeted(case, evidence="escat:II-B", oncokb_level="3A")])
    bundle = decision_bundle(decision)
    check_bundle(bundle)
    assert _level_of_evidence(bundle) == [(SCHEME_SYSTEMS["escat"], "II-B"), (SCHEME_SYSTEMS["oncokb"], "3A")]


def test_the_same_decision_exports_the_same_bundle(team, started_meeting):
    decision = _validated(team, started_meeting, lambda case: [targeted(case)])
    assert json.dumps(decision_bundle(decision)) == json.dumps(decision_bundle(decision))


def test_an_ensembl_transcript_is_exported_as_ensembl_not_refseq(app):
    from mtb.cases.models import Biomarker, BiomarkerKind
    from mtb.exports.fhir_genomics import ENSEMBL, REFSEQ, biomarker_observation

    def system_of(transcript):
        b = Biomarker(id=1, case_id=1, kind=BiomarkerKind.VARIANT, gene="EGFR", transcript=transcript,
                      hgvs_c="c.2573T>G")
        (component,) = [c for c in biomarker_observation(b, lambda *a, **k: "x")["component"]
                        if c["code"]["coding"][0]["code"] == "51958-7"]
        return component["valueCodeableConcept"]["coding"][0]["system"]

    assert system_of("ENST00000275493.7") == ENSEMBL
    assert system_of("NM_005228.5") == REFSEQ


def test_a_published_decision_exports_the_findings_it_was_taken_on_not_later_edits(
        client, login, team, started_meeting):
    """Sent back for another discussion, the case is edited once the minutes are signed:
    the earlier decision's export cited the new finding as its reason."""
    from mtb.decisions.attendance import record_attendance
    from mtb.decisions.session import close_meeting
    from mtb.minutes import services as minutes

    meeting = started_meeting(n_cases=1, status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    decision = services.save_draft(item, team["secretary"], "Osimertinib, then discuss again with the biopsy.",
                                   [targeted(item.case), {"kind": "rediscuss", "rationale": "Re-biopsy at progression"}])
    close_meeting(meeting, team["secretary"])
    minutes.sign(meeting, team["chair"], notify=False)
    db.session.commit()
    case = item.case
    published = case.biomarkers[0].hgvs_p
    assert case.can_edit(case.submitter)  # back for its next discussion
    case.biomarkers[0].hgvs_p = "p.Thr790Met"
    db.session.commit()
    login(team["member"])
    exported = client.get(f"/decisions/{decision.id}/fhir.json").get_data(as_text=True)
    assert published in exported and "p.Thr790Met" not in exported
    check_bundle(json.loads(exported))
