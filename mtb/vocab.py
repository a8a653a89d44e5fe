"""Shared vocabularies shipped as data (DESIGN.md, "Vocabularies")."""

from __future__ import annotations

import enum

from mtb.i18n import lazy_gettext as _l


class Specialty(enum.StrEnum):
    MEDICAL_ONCOLOGY = "medical_oncology"
    PAEDIATRIC_ONCOLOGY = "paediatric_oncology"
    DERMATOLOGY = "dermatology"
    PATHOLOGY = "pathology"
    MOLECULAR_BIOLOGY = "molecular_biology"
    GENETICS = "genetics"
    PULMONOLOGY = "pulmonology"
    RADIOLOGY = "radiology"
    RADIOTHERAPY = "radiotherapy"
    SURGERY = "surgery"
    BIOINFORMATICS = "bioinformatics"
    PHARMACY = "pharmacy"
    CLINICAL_RESEARCH = "clinical_research"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(SPECIALTY_LABELS[self])


SPECIALTY_LABELS = {
    Specialty.MEDICAL_ONCOLOGY: _l("Medical oncologist"),
    Specialty.PAEDIATRIC_ONCOLOGY: _l("Paediatric oncologist"),
    Specialty.DERMATOLOGY: _l("Dermatologist"),
    Specialty.PATHOLOGY: _l("Pathologist"),
    Specialty.MOLECULAR_BIOLOGY: _l("Molecular biologist"),
    Specialty.GENETICS: _l("Geneticist"),
    Specialty.PULMONOLOGY: _l("Pulmonologist"),
    Specialty.RADIOLOGY: _l("Radiologist"),
    Specialty.RADIOTHERAPY: _l("Radiation oncologist"),
    Specialty.SURGERY: _l("Surgeon"),
    Specialty.BIOINFORMATICS: _l("Bioinformatician"),
    Specialty.PHARMACY: _l("Pharmacist"),
    Specialty.CLINICAL_RESEARCH: _l("Clinical research associate"),
    Specialty.OTHER: _l("Other"),
}

#: ESCAT tiers (Mateo et al., Ann Oncol 2018), highest evidence first.
ESCAT_TIERS = ("I-A", "I-B", "I-C", "II-A", "II-B", "III-A", "III-B", "IV-A", "IV-B", "V", "X")

#: OncoKB therapeutic levels (optional second scale).
ONCOKB_LEVELS = ("1", "2", "3A", "3B", "4", "R1", "R2")
