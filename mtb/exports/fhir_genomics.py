"""The case's findings as HL7 Genomics Reporting observations (R4): variants, copy-number
changes and fusions as ``variant`` observations, TMB, MSI and other biomarkers as their own
observations, and each targeted therapy's ``therapeutic-implication``.

Codes are those the Genomics Reporting IG uses (LOINC components, HGVS, Sequence Ontology);
a finding MTB keeps only as text goes out as text, never under a guessed code.
"""

from __future__ import annotations

from decimal import Decimal

from mtb.cases.models import Biomarker
from mtb.decisions.models import Recommendation
from mtb.exports.profiles import CS_EVIDENCE

GR = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/"
PROFILE_VARIANT = GR + "variant"
PROFILE_TMB = GR + "tmb"
PROFILE_MSI = GR + "msi"
PROFILE_IMPLICATION = GR + "therapeutic-implication"
PROFILE_GENOMICS_OBSERVATION = GR + "genomics-base"
LOINC = "http://loinc.org"
HGVS = "http://varnomen.hgvs.org"
SO = "http://sequenceontology.org"
UCUM = "http://unitsofmeasure.org"
REFSEQ = "http://www.ncbi.nlm.nih.gov/refseq"
ENSEMBL = "http://www.ensembl.org"
TBD_CODES = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs"

CATEGORIES = [
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]},
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "GE", "display": "Genetics"}]},
]
ORIGINS = {"somatic": ("LA6684-0", "Somatic"), "germline": ("LA6683-2", "Germline")}
CNV_TYPES = {"gain": ("SO:0001742", "copy_number_gain"), "amplification": ("SO:0001742", "copy_number_gain"),
             "loss": ("SO:0001743", "copy_number_loss"), "deletion": ("SO:0001743", "copy_number_loss")}


def _concept(system: str, code: str, display: str | None = None) -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _component(code: str, display: str, value: dict) -> dict:
    return {"code": _concept(LOINC, code, display), **value}


def _number(value: Decimal | float) -> float:
    return float(value)


def _sequence_system(accession: str) -> str:
    """Where a reference sequence's id comes from: Ensembl (ENST00000275493.7) or RefSeq."""
    return ENSEMBL if accession.upper().startswith("ENS") else REFSEQ


def _variant_components(b: Biomarker) -> list[dict]:
    components = []
    if b.gene:
        components.append(_component("48018-6", "Gene studied [ID]", {"valueCodeableConcept": {"text": b.gene}}))
    if b.transcript:
        components.append(_component("51958-7", "Transcript reference sequence [ID]",
                                     {"valueCodeableConcept": _concept(_sequence_system(b.transcript), b.transcript)}))
    if b.hgvs_c:
        code = f"{b.transcript}:{b.hgvs_c}" if b.transcript else b.hgvs_c
        components.append(_component("48004-6", "DNA change (c.HGVS)", {"valueCodeableConcept": _concept(HGVS, code)}))
    if b.hgvs_p:
        code = f"{b.protein_reference}:{b.hgvs_p}" if b.protein_reference else b.hgvs_p
        components.append(_component("48005-3", "Amino acid change (pHGVS)",
                                     {"valueCodeableConcept": _concept(HGVS, code)}))
    if b.vaf is not None:
        components.append(_component("81258-6", "Sample variant allelic frequency [NFr]", {"valueQuantity": {
            "value": round(_number(b.vaf) / 100, 6), "system": UCUM, "code": "1", "unit": "relative frequency"}}))
    if b.origin is not None and b.origin.value in ORIGINS:
        code, display = ORIGINS[b.origin.value]
        components.append(_component("48002-0", "Genomic source class [Type]",
                                     {"valueCodeableConcept": _concept(LOINC, code, display)}))
    return components


def _cnv_components(b: Biomarker) -> list[dict]:
    components = [_component("48018-6", "Gene studied [ID]", {"valueCodeableConcept": {"text": b.gene}})] if b.gene else []
    if b.cnv_type is not None and b.cnv_type.value in CNV_TYPES:
        code, display = CNV_TYPES[b.cnv_type.value]
        components.append(_component("48019-4", "DNA change type", {"valueCodeableConcept": _concept(SO, code, display)}))
    if b.copy_number is not None:
        components.append(_component("82155-3", "Genomic structural variant copy number",
                                     {"valueQuantity": {"value": _number(b.copy_number), "system": UCUM, "code": "1"}}))
    return components


def _fusion_components(b: Biomarker) -> list[dict]:
    components = [_component("48018-6", "Gene studied [ID]", {"valueCodeableConcept": {"text": gene}})
                  for gene in (b.gene, b.gene_3p) if gene]
    components.append(_component("48019-4", "DNA change type",
                                 {"valueCodeableConcept": _concept(SO, "SO:0001565", "gene_fusion")}))
    return components


def biomarker_observation(b: Biomarker, ref) -> dict:
    """One finding as an Observation; ``ref`` gives the bundle reference of the patient and
    the observation's own id."""
    base = {
        "resourceType": "Observation", "id": ref("Observation", b.id, bare=True), "status": "final",
        "category": CATEGORIES, "subject": {"reference": ref("Patient", b.case_id)},
    }
    kind = b.kind.value
    if kind in ("variant", "cnv", "fusion"):
        components = {"variant": _variant_components, "cnv": _cnv_components, "fusion": _fusion_components}[kind](b)
        return {**base, "meta": {"profile": [PROFILE_VARIANT]},
                "code": _concept(LOINC, "69548-6", "Genetic variant assessment"),
                "valueCodeableConcept": _concept(LOINC, "LA9633-4", "Present"),
                "component": components, "note": [{"text": str(b.label)}]}
    if kind == "tmb" and b.tmb is not None:
        return {**base, "meta": {"profile": [PROFILE_TMB]},
                "code": _concept(LOINC, "94076-7", "Mutations/Megabase [# Ratio] in Tumor"),
                "valueQuantity": {"value": _number(b.tmb), "system": UCUM, "code": "1/1000000{Base}",
                                  "unit": "mutations/Mb"}}
    if kind == "msi" and b.msi_status is not None:
        return {**base, "meta": {"profile": [PROFILE_MSI]},
                "code": _concept(LOINC, "81695-9", "Microsatellite instability [Interpretation] in Cancer specimen"),
                "valueCodeableConcept": {"text": str(b.label)}}
    return {**base, "meta": {"profile": [PROFILE_GENOMICS_OBSERVATION]}, "code": {"text": str(b.kind.label)},
            "valueString": str(b.label)}


def therapeutic_implication(rec: Recommendation, ref) -> dict:
    """A targeted therapy's implication of its biomarker (derived from the finding's observation)."""
    components = [_component("51963-7", "Medication assessed [ID]", {"valueCodeableConcept": {"text": rec.drug}})]
    evidence = rec.evidence
    if evidence is not None:
        components.append(_component("93044-6", "Level of evidence", {"valueCodeableConcept": {
            "coding": [{"system": scheme_system(evidence.scheme), "code": evidence.level,
                        "display": evidence.label}], "text": evidence.label}}))
    resource = {
        "resourceType": "Observation", "id": ref("TherapeuticImplication", rec.id, bare=True),
        "meta": {"profile": [PROFILE_IMPLICATION]}, "status": "final", "category": CATEGORIES,
        "code": _concept(TBD_CODES, "therapeutic-implication", "Therapeutic Implication"),
        "subject": {"reference": ref("Patient", rec.decision.case_id)}, "component": components,
    }
    if rec.biomarker_id is not None:
        resource["derivedFrom"] = [{"reference": ref("Observation", rec.biomarker_id)}]
    return resource


#: Systems of the evidence scales other than the MII m-levels (MTB's own: no public system exists).
SCHEME_SYSTEMS = {
    "escat": "urn:mtb:evidence:escat",
    "oncokb": "urn:mtb:evidence:oncokb-level",
    "amp": "urn:mtb:evidence:amp-asco-cap-tier",
}


def scheme_system(scheme: str) -> str:
    return SCHEME_SYSTEMS.get(scheme, CS_EVIDENCE)
