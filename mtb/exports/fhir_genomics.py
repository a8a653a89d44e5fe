"""The case's findings as HL7 Genomics Reporting observations (R4): variants, copy-number
changes and fusions as ``variant`` observations, TMB, MSI and other biomarkers as their own
observations, and each targeted therapy's ``therapeutic-implication``.

Codes are those the Genomics Reporting IG uses (LOINC components, HGVS, Sequence Ontology);
where the IG names none, those of the profiles built on it: the MII MolGen "Variante" (the
exon, a fusion's name) and the MII MTB fusions (which partner is 5' and which 3', and where
each breaks). A finding MTB keeps only as text goes out as text, never under a guessed code.

Nothing the board reads of a finding is left out: what has a component goes in one, and the
finding as the minutes print it (full label and details) and the row's own note go in ``note``.
"""

from __future__ import annotations

from decimal import Decimal

from mtb.cases.models import Biomarker, FusionDriver
from mtb.decisions.evidence import ONCOKB, Evidence
from mtb.decisions.models import Recommendation
from mtb.exports.profiles import CS_EVIDENCE, CS_EVIDENCE_MODIFIER, MII_MTB

GR = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/"
PROFILE_VARIANT = GR + "variant"
PROFILE_TMB = GR + "tmb"
PROFILE_MSI = GR + "msi"
PROFILE_IMPLICATION = GR + "therapeutic-implication"
PROFILE_GENOMICS_OBSERVATION = GR + "genomics-base"
LOINC = "http://loinc.org"
HGVS = "http://varnomen.hgvs.org"
#: As the IG (and HL7 terminology) name Sequence Ontology: with "www.".
SO = "http://www.sequenceontology.org"
UCUM = "http://unitsofmeasure.org"
REFSEQ = "http://www.ncbi.nlm.nih.gov/refseq"
ENSEMBL = "http://www.ensembl.org"
TBD_CODES = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs"
#: The MII MTB module's codes for a fusion's partners (LOINC has none for "5' gene").
MII_BIOMARKER = MII_MTB + "CodeSystem/mii-cs-mtb-molekulare-biomarker"
#: MTB's own codes, for values no public code system names (a FISH ratio, a log2 ratio, a driver).
MTB_FINDING = "urn:mtb:finding"

CATEGORIES = [
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]},
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "GE", "display": "Genetics"}]},
]
ORIGINS = {"somatic": ("LA6684-0", "Somatic"), "germline": ("LA6683-2", "Germline")}
#: ACMG/AMP classes as LOINC's answers for 53037-8 (answer list LL4034-6). The AMP/ASCO/CAP
#: tiers have no answer there: they go out as text.
ACMG_CLASSES = {
    "class_5": ("LA6668-3", "Pathogenic"), "class_4": ("LA26332-9", "Likely pathogenic"),
    "class_3": ("LA26333-7", "Uncertain significance"), "class_2": ("LA26334-5", "Likely benign"),
    "class_1": ("LA6675-8", "Benign"),
}
#: The amplification/gain and deletion/loss difference stays in the concept's text.
CNV_TYPES = {"gain": ("SO:0001742", "copy_number_gain"), "amplification": ("SO:0001742", "copy_number_gain"),
             "loss": ("SO:0001743", "copy_number_loss"), "deletion": ("SO:0001743", "copy_number_loss")}
#: Answers of the MSI profile's value (LOINC answer list LL3994-2).
MSI_VALUES = {"MSS": ("LA14122-8", "Stable"), "MSI-L": ("LA26202-4", "MSI-L"), "MSI-H": ("LA26203-2", "MSI-H")}
#: Reference assemblies (LOINC answer list LL1040-6).
ASSEMBLIES = {"GRCh37": ("LA14029-5", "GRCh37"), "GRCh38": ("LA26806-2", "GRCh38")}
#: Detection methods that are sequencing (LOINC LA26398-0, of the variant profile's method list);
#: FISH, IHC and RT-PCR keep their name as text.
SEQUENCING = ("rna_ngs", "dna_ngs")


def _concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    concept: dict = {"coding": [coding]}
    if text:
        concept["text"] = text
    return concept


def _component(code: str, display: str, value: dict) -> dict:
    return {"code": _concept(LOINC, code, display), **value}


def _coded_component(system: str, code: str, display: str, value: dict) -> dict:
    return {"code": _concept(system, code, display), **value}


def _number(value: Decimal | float) -> float:
    return float(value)


def _ratio(value: Decimal) -> dict:
    return {"valueQuantity": {"value": _number(value), "system": UCUM, "code": "1"}}


def _sequence_system(accession: str) -> str:
    """Where a reference sequence's id comes from: Ensembl (ENST00000275493.7) or RefSeq."""
    return ENSEMBL if accession.upper().startswith("ENS") else REFSEQ


def _gene(symbol: str) -> dict:
    return {"valueCodeableConcept": {"text": symbol}}


def _gene_studied(symbol: str) -> dict:
    return _component("48018-6", "Gene studied [ID]", _gene(symbol))


def clinical_significance(b: Biomarker) -> dict | None:
    """The finding's classification as the IG's clinical-significance component (53037-8): an
    ACMG class coded by LOINC, an AMP/ASCO/CAP tier as its words; None when unclassified."""
    if b.classification is None:
        return None
    words = str(b.classification.label)
    if b.classification.value in ACMG_CLASSES:
        code, display = ACMG_CLASSES[b.classification.value]
        value = _concept(LOINC, code, display, text=words)
    else:
        value = {"text": words}
    return _component("53037-8", "Genetic variation clinical significance [Imp]", {"valueCodeableConcept": value})


def _origin(b: Biomarker) -> list[dict]:
    if b.origin is None:
        return []
    if b.origin.value in ORIGINS:
        code, display = ORIGINS[b.origin.value]
        value = _concept(LOINC, code, display)
    else:  # "origin unknown": said in words, LOINC's answer for it not being one MTB checked
        value = {"text": str(b.origin.label)}
    return [_component("48002-0", "Genomic source class [Type]", {"valueCodeableConcept": value})]


def _assembly(b: Biomarker) -> list[dict]:
    """The report's genome build, which the g. description is numbered on."""
    build = b.report.genome_build if b.report is not None else None
    if build is None or build.value not in ASSEMBLIES:
        return []
    code, display = ASSEMBLIES[build.value]
    return [_component("62374-4", "Human reference sequence assembly version",
                       {"valueCodeableConcept": _concept(LOINC, code, display)})]


def _qualifiers(b: Biomarker) -> list[dict]:
    """What qualifies a variant, a copy-number change or a fusion alike: origin, build, class."""
    significance = clinical_significance(b)
    return _origin(b) + _assembly(b) + ([significance] if significance else [])


def _variant_components(b: Biomarker) -> list[dict]:
    components = [_gene_studied(b.gene)] if b.gene else []
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
    if b.hgvs_g:  # stored with its chromosome accession (NC_000007.14:g.140753336A>T)
        components.append(_component("81290-9", "Genomic DNA change (gHGVS)",
                                     {"valueCodeableConcept": _concept(HGVS, b.hgvs_g)}))
    if b.exon:  # the MII MolGen profile's "dna-region": "exon 19", "intron 13"
        components.append(_component("47999-8", "DNA region name [Identifier]", {"valueString": b.exon}))
    if b.vaf is not None:
        components.append(_component("81258-6", "Sample variant allelic frequency [NFr]", {"valueQuantity": {
            "value": round(_number(b.vaf) / 100, 6), "system": UCUM, "code": "1", "unit": "relative frequency"}}))
    return components + _qualifiers(b)


def _cnv_components(b: Biomarker) -> list[dict]:
    components = [_gene_studied(b.gene)] if b.gene else []
    if b.cnv_type is not None and b.cnv_type.value in CNV_TYPES:
        code, display = CNV_TYPES[b.cnv_type.value]
        components.append(_component("48019-4", "DNA change type", {
            "valueCodeableConcept": _concept(SO, code, display, text=str(b.cnv_type.label))}))
    if b.copy_number is not None:
        components.append(_component("82155-3", "Genomic structural variant copy number",
                                     {"valueQuantity": {"value": _number(b.copy_number), "system": UCUM, "code": "1"}}))
    if b.cn_ratio is not None:  # by FISH: MET/CEP7, ERBB2/CEP17
        components.append(_coded_component(MTB_FINDING, "gene-centromere-ratio", "Gene to centromere ratio",
                                           _ratio(b.cn_ratio)))
    if b.log2_ratio is not None:  # by NGS
        components.append(_coded_component(MTB_FINDING, "log2-ratio", "Copy number log2 ratio",
                                           _ratio(b.log2_ratio)))
    return components + _qualifiers(b)


def _fusion_components(b: Biomarker) -> list[dict]:
    """Both partners as genes studied (the IG's slice) and, since that slice does not say which
    is which, as the MII MTB module's 5' and 3' gene with their breakpoints; the fusion's
    name in HGNC's 5'::3' form (LOINC 95123-6, as the MII MolGen profile gives it)."""
    components = [_gene_studied(gene) for gene in (b.gene, b.gene_3p) if gene]
    components.append(_component("48019-4", "DNA change type",
                                 {"valueCodeableConcept": _concept(SO, "SO:0001565", "gene_fusion")}))
    for gene, breakpoint, end, words in ((b.gene, b.breakpoint_5p, "five-prime", "Five Prime"),
                                         (b.gene_3p, b.breakpoint_3p, "three-prime", "Three Prime")):
        if gene:
            components.append(_coded_component(MII_BIOMARKER, f"{end}-gene", f"{words} Gene", _gene(gene)))
        if breakpoint:  # "exon 13", "intron 19"
            components.append(_coded_component(MII_BIOMARKER, f"{end}-exon-id", f"{words} Exon ID",
                                               {"valueCodeableConcept": {"text": breakpoint}}))
    if b.gene and b.gene_3p and not b.partner_unknown:
        components.append(_component(
            "95123-6", "Gene fusion transcript details in Blood or Tissue by Molecular genetics method Narrative",
            {"valueCodeableConcept": {"text": f"{b.gene}::{b.gene_3p}"}}))
    driver = {FusionDriver.FIVE_PRIME: b.gene, FusionDriver.THREE_PRIME: b.gene_3p}.get(b.driver)
    if driver:
        components.append(_coded_component(MTB_FINDING, "fusion-driver", "Driver gene of the fusion", _gene(driver)))
    return components + _qualifiers(b)


def _method(b: Biomarker) -> dict:
    """How a copy-number change or a fusion was found, as the observation's ``method``."""
    if b.method is None:
        return {}
    words = str(b.method.label)
    if b.method.value in SEQUENCING:
        return {"method": _concept(LOINC, "LA26398-0", "Sequencing", text=words)}
    return {"method": {"text": words}}


def _notes(b: Biomarker, *, finding: bool = True) -> dict:
    """The finding as the case page and the minutes print it, with what qualifies it
    ("BRCA2 c.5946del p.(Ser1982ArgfsTer22) · exon 11 · germline · Class 5"), and the row's own note."""
    notes = [" · ".join([str(b.full_label), *(str(detail) for detail in b.details)])] if finding else []
    if b.description and not b.is_other:  # an "other" finding is its description
        notes.append(b.description)
    return {"note": [{"text": text} for text in notes]} if notes else {}


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
                "code": _concept(LOINC, "69548-6", "Genetic variant assessment"), **_method(b),
                "valueCodeableConcept": _concept(LOINC, "LA9633-4", "Present"),
                "component": components, **_notes(b)}
    if kind == "tmb" and b.tmb is not None:
        return {**base, "meta": {"profile": [PROFILE_TMB]},
                "code": _concept(LOINC, "94076-7", "Mutations/Megabase [# Ratio] in Tumor"),
                "valueQuantity": {"value": _number(b.tmb), "system": UCUM, "code": "1/1000000{Base}",
                                  "unit": "mutations/Mb"}, **_notes(b)}
    if kind == "msi" and b.msi_status is not None:
        code, display = MSI_VALUES[b.msi_status.value]
        return {**base, "meta": {"profile": [PROFILE_MSI]},
                "code": _concept(LOINC, "81695-9", "Microsatellite instability [Interpretation] in Cancer specimen"),
                "valueCodeableConcept": _concept(LOINC, code, display, text=str(b.label)), **_notes(b)}
    # MMR, PD-L1, HRD, negative results, other: the value is the finding in words.
    return {**base, "meta": {"profile": [PROFILE_GENOMICS_OBSERVATION]}, "code": {"text": str(b.kind.label)},
            "valueString": str(b.full_label), **_notes(b, finding=bool(b.details))}


def second_grading(rec: Recommendation) -> list[dict]:
    """The board's second grading on OncoKB (``Recommendation.oncokb_level``) as a coding of
    ``SCHEME_SYSTEMS["oncokb"]``; none when not given (an OncoKB evidence is the grading itself)."""
    if not rec.oncokb_level:
        return []
    grading = Evidence(ONCOKB, rec.oncokb_level)
    return [{"system": scheme_system(ONCOKB), "code": grading.level, "display": grading.label}]


def therapeutic_implication(rec: Recommendation, ref) -> dict:
    """A targeted therapy's implication of its biomarker (derived from the finding's observation),
    with the finding's classification in the IG's clinical-significance slot. Its level of
    evidence is the board's grading, an m-level's modifiers as codings of the MII code system
    beside it (as the MII grading extension carries them), then the OncoKB second grading."""
    components = [_component("51963-7", "Medication assessed [ID]", {"valueCodeableConcept": {"text": rec.drug}})]
    evidence = rec.evidence
    if evidence is not None:
        codings = [{"system": scheme_system(evidence.scheme), "code": evidence.level, "display": evidence.label}]
        codings += [{"system": CS_EVIDENCE_MODIFIER, "code": modifier} for modifier in evidence.modifiers]
        components.append(_component("93044-6", "Level of evidence", {"valueCodeableConcept": {
            "coding": codings + second_grading(rec), "text": evidence.label}}))
    significance = clinical_significance(rec.biomarker) if rec.biomarker is not None else None
    if significance is not None:
        components.append(significance)
    resource = {
        "resourceType": "Observation", "id": ref("TherapeuticImplication", rec.id, bare=True),
        "meta": {"profile": [PROFILE_IMPLICATION]}, "status": "final", "category": CATEGORIES,
        "code": _concept(TBD_CODES, "therapeutic-implication", "Therapeutic Implication"),
        "subject": {"reference": ref("Patient", rec.decision.case_id)}, "component": components,
    }
    if rec.biomarker_id is not None:
        resource["derivedFrom"] = [{"reference": ref("Observation", rec.biomarker_id)}]
    return resource


#: Systems of the evidence scales other than the MII m-levels (MTB's own: no public system
#: exists); OncoKB's also carries a recommendation's second grading (``second_grading``).
SCHEME_SYSTEMS = {
    "escat": "urn:mtb:evidence:escat",
    "oncokb": "urn:mtb:evidence:oncokb-level",
    "amp": "urn:mtb:evidence:amp-asco-cap-tier",
}


def scheme_system(scheme: str) -> str:
    return SCHEME_SYSTEMS.get(scheme, CS_EVIDENCE)
