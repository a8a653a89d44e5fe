"""The words of a case that are not columns or enums: which fields it has, which biomarker
fields belong to which kind, the research cohorts, the lengths the columns hold.

The form, the validation and the templates read them from here (never from the form).
"""

from __future__ import annotations

from mtb.cases.models import BiomarkerKind

#: Research cohorts a patient may have consented to; "other" takes a typed name.
RESEARCH_COHORTS = ("MELBASE", "Immunotarget", "BIOCART")

#: The case's own fields, as the form names them and the service stores them.
CASE_FIELDS = (
    "patient_record_number", "patient_name", "patient_sex", "patient_birth_date",
    "diagnosis", "icd10_code", "icdo3_morphology", "stage", "ecog", "prior_lines",
    "prior_treatments", "clinical_question", "urgency", "research_consent", "no_molecular_report",
)

#: The fields of one biomarker row.
BIOMARKER_FIELDS = (
    "kind", "gene", "gene_3p", "transcript", "hgvs_c", "hgvs_p", "vaf", "cnv_type", "copy_number",
    "tmb", "msi_status", "pdl1_tps", "pdl1_cps", "pdl1_ic", "hrd_status", "hrd_score",
    "description", "assay", "specimen", "lab", "reported_on",
)

#: Which biomarker fields belong to which kind (the script shows only these per row);
#: the fields not listed (description, assay, specimen, lab, date) belong to every kind.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "gene": (BiomarkerKind.VARIANT, BiomarkerKind.CNV, BiomarkerKind.FUSION),
    "gene_3p": (BiomarkerKind.FUSION,),
    "transcript": (BiomarkerKind.VARIANT,),
    "hgvs_c": (BiomarkerKind.VARIANT,),
    "hgvs_p": (BiomarkerKind.VARIANT,),
    "vaf": (BiomarkerKind.VARIANT,),
    "cnv_type": (BiomarkerKind.CNV,),
    "copy_number": (BiomarkerKind.CNV,),
    "tmb": (BiomarkerKind.TMB,),
    "msi_status": (BiomarkerKind.MSI,),
    "pdl1_tps": (BiomarkerKind.PDL1,),
    "pdl1_cps": (BiomarkerKind.PDL1,),
    "pdl1_ic": (BiomarkerKind.PDL1,),
    "hrd_status": (BiomarkerKind.HRD,),
    "hrd_score": (BiomarkerKind.HRD,),
}


def fields_of(kind: BiomarkerKind) -> set[str]:
    """The kind-specific fields that apply to a row of this kind."""
    return {name for name, kinds in KIND_FIELDS.items() if kind in kinds}


#: Longest text each column holds (the form says so first; the validation makes sure).
MAX_LENGTHS = {
    "patient_record_number": 40, "patient_name": 200, "diagnosis": 300, "stage": 40,
    "description": 500, "assay": 200, "specimen": 200, "lab": 200, "hgvs_c": 200, "hgvs_p": 200,
}
