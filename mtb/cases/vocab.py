"""The words of a case that are not columns or enums: which fields it has, which biomarker
fields belong to which kind, the research cohorts, the lengths the columns hold, and the
molecular vocabularies the checks read (fusion drivers, mismatch repair proteins).

The form, the validation and the templates read them from here (never from the form).
"""

from __future__ import annotations

from mtb.cases.findings import BiomarkerKind

#: Research cohorts a patient may have consented to; "other" takes a typed name.
RESEARCH_COHORTS = ("MELBASE", "Immunotarget", "BIOCART")

#: The case's own fields, as the form names them and the service stores them.
CASE_FIELDS = (
    "patient_record_number", "patient_name", "patient_sex", "patient_birth_date",
    "diagnosis", "icd10_code", "icdo3_morphology", "stage", "ecog", "prior_lines",
    "prior_treatments", "clinical_question", "urgency", "research_consent", "germline_consent", "no_molecular_report",
)

#: The fields of one report (specimen and assay), as the form names them and the columns hold them.
REPORT_FIELDS = (
    "assay", "lab", "reported_on", "genome_build", "specimen_type", "sample_id", "collected_on",
    "sample_site", "site", "tumour_content", "note",
)

#: The fields of one biomarker row (``report`` names one of the form's reports).
BIOMARKER_FIELDS = (
    "kind", "report", "gene", "gene_3p", "partner_unknown", "driver", "transcript", "hgvs_c", "hgvs_p", "hgvs_g",
    "exon", "origin", "classification", "vaf", "cnv_type", "copy_number", "cn_ratio", "log2_ratio", "method",
    "breakpoint_5p", "breakpoint_3p", "tmb", "msi_status", "mmr_status", "mmr_lost", "pdl1_tps", "pdl1_category",
    "pdl1_cps", "pdl1_ic", "pdl1_clone", "hrd_status", "hrd_score", "not_detected", "description",
)

#: Columns a save fills from what was typed in other fields (the protein reference
#: pasted before a p. change): cleared with the rest when a row changes kind.
DERIVED_FIELDS = ("protein_reference",)

_V, _C, _F = BiomarkerKind.VARIANT, BiomarkerKind.CNV, BiomarkerKind.FUSION

#: Which biomarker fields belong to which kind (the script shows only these per row);
#: the fields not listed (report, description) belong to every kind.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "gene": (_V, _C, _F),
    "gene_3p": (_F,),
    "partner_unknown": (_F,),
    "driver": (_F,),
    "transcript": (_V,),
    "hgvs_c": (_V,),
    "hgvs_p": (_V,),
    "hgvs_g": (_V,),
    "exon": (_V,),
    "origin": (_V, _C),
    "classification": (_V, _C, _F),
    "vaf": (_V,),
    "cnv_type": (_C,),
    "copy_number": (_C,),
    "cn_ratio": (_C,),
    "log2_ratio": (_C,),
    "method": (_C, _F),
    "breakpoint_5p": (_F,),
    "breakpoint_3p": (_F,),
    "tmb": (BiomarkerKind.TMB,),
    "msi_status": (BiomarkerKind.MSI,),
    "mmr_status": (BiomarkerKind.MMR,),
    "mmr_lost": (BiomarkerKind.MMR,),
    "pdl1_tps": (BiomarkerKind.PDL1,),
    "pdl1_category": (BiomarkerKind.PDL1,),
    "pdl1_cps": (BiomarkerKind.PDL1,),
    "pdl1_ic": (BiomarkerKind.PDL1,),
    "pdl1_clone": (BiomarkerKind.PDL1,),
    "hrd_status": (BiomarkerKind.HRD,),
    "hrd_score": (BiomarkerKind.HRD,),
    "not_detected": (BiomarkerKind.NEGATIVE,),
}


def fields_of(kind: BiomarkerKind) -> set[str]:
    """The kind-specific fields that apply to a row of this kind."""
    return {name for name, kinds in KIND_FIELDS.items() if kind in kinds}


#: Longest text each column holds (the form says so first; the validation makes sure).
MAX_LENGTHS = {
    "patient_record_number": 40, "patient_name": 200, "diagnosis": 300, "stage": 40,
    "description": 500, "assay": 200, "lab": 200, "hgvs_c": 200, "hgvs_p": 200, "hgvs_g": 200,
    "sample_id": 60, "site": 120, "note": 300, "not_detected": 500,
}

#: At most this many reports per case (a form, not a laboratory system).
MAX_REPORTS = 10

#: At most this many biomarker rows per case: the case form shows and saves no more, and a VCF import stays within it.
MAX_BIOMARKERS = 60

#: The biomarker columns a VCF import reads from the file's record: when a save changes one
#: of them, the row no longer says what the file says, so it loses its "imported from" line.
#: (Classification, origin, driver and the note are the board's reading, not the file's.)
IMPORTED_FIELDS = (
    "kind", "gene", "gene_3p", "partner_unknown", "transcript", "hgvs_c", "hgvs_p", "protein_reference", "hgvs_g",
    "exon", "vaf", "cnv_type", "copy_number", "log2_ratio", "breakpoint_5p", "breakpoint_3p",
)

#: Mismatch repair proteins stained by IHC, in the order reports list them.
MMR_PROTEINS = ("MLH1", "PMS2", "MSH2", "MSH6")

#: Genes that drive the fusions they are part of: the label of a fusion names this partner
#: (EML4::ALK is an ALK fusion, FGFR3::TACC3 an FGFR3 fusion, EWSR1::FLI1 an EWSR1 fusion,
#: KMT2A::AFF1 a KMT2A rearrangement, what menin inhibitors are given for).
#: When both partners or neither are listed (TMPRSS2::ERG, PAX3::FOXO1), the user names the driver.
FUSION_DRIVERS = frozenset({
    "ALK", "ROS1", "RET", "NTRK1", "NTRK2", "NTRK3", "BRAF", "RAF1", "NRG1", "MET", "EGFR", "ERBB2",
    "FGFR1", "FGFR2", "FGFR3", "PDGFRA", "PDGFRB", "ABL1", "JAK2", "EWSR1", "NUTM1", "CIC", "BCOR",
    "MAML2", "MYB", "PRKACA", "RSPO2", "RSPO3", "KMT2A",
})

#: Which end of a fusion transcript a gene usually is, for a file that pairs two breakends
#: without saying which partner comes first (a VCF's BND mates are in genome order: ALK's
#: breakend, on 2p23, comes before EML4's, yet the fusion is EML4::ALK). A kinase or
#: transcription factor keeps its 3' part; its promoter partner gives the 5' part.
#: A gene found at either end of well-known fusions is in neither list: RUNX1 is 5' in
#: RUNX1::RUNX1T1 but 3' in ETV6::RUNX1, MYB 5' in MYB::NFIB but 3' in QKI::MYB, FGFR1 5' in
#: FGFR1::TACC1 but 3' in the 8p11 myeloproliferative fusions (ZMYM2::FGFR1, BCR::FGFR1),
#: BCOR 5' in BCOR::CCNB3 but 3' in ZC3H7B::BCOR. KMT2A is 5' (KMT2A::AFF1, KMT2A::MLLT3).
USUAL_3P_PARTNERS = frozenset({
    "ALK", "ROS1", "RET", "NTRK1", "NTRK2", "NTRK3", "BRAF", "RAF1", "NRG1", "MET", "ABL1", "JAK2", "PDGFRA",
    "PDGFRB", "PDGFB", "NUTM1", "MAML2", "PRKACA", "RSPO2", "RSPO3", "ERG", "ETV1", "ETV4", "ETV5", "FLI1",
    "FOXO1", "STAT6", "SSX1", "SSX2", "SSX4", "DDIT3", "ATF1", "CREB1", "WT1", "NFIB", "DUX4", "CCNB3", "TACC3",
    "TACC1", "BICC1", "NR4A3", "MECOM", "RARA", "MYC", "NOTCH1", "NOTCH2", "RUNX1T1", "MYH11", "AFF1", "MLLT3",
    "MLLT1", "MLLT10", "AFDN", "ELL", "TFE3",
})
USUAL_5P_PARTNERS = frozenset({
    "EML4", "KIF5B", "CD74", "CCDC6", "NCOA4", "TPM3", "TPR", "SLC34A2", "EZR", "SDC4", "LMNA", "KIAA1549",
    "ETV6", "TMPRSS2", "SLC45A3", "BCR", "EWSR1", "FUS", "SS18", "PAX3", "PAX7", "NAB2", "FIP1L1", "PCM1",
    "DNAJB1", "CRTC1", "BRD4", "BRD3", "CIC", "COL1A1", "ESR1", "FGFR2", "FGFR3", "EGFR", "PML", "NPM1",
    "TRIM24", "AGK", "PPFIBP1", "SQSTM1", "STRN", "HIP1", "QKI", "VCL", "KMT2A", "CBFB", "TFG", "GOPC", "SLC3A2",
})


def fusion_order(first: str | None, second: str | None) -> tuple[str | None, str | None, bool]:
    """(5' gene, 3' gene, settled) of two fusion partners given in some order.

    A VCF's breakends are in genome order, and annotators list a pair's genes in the order
    of its lines: neither says which gene's promoter drives the fusion. The genes' usual
    ends decide (EML4 is 5', ALK 3'); when they do not (two unlisted genes, or two of one
    end), the file's order is kept and ``settled`` is False, for the reviewer to check."""
    if not first or not second:
        return first, second, True  # one partner: nothing to order
    score = ((first in USUAL_5P_PARTNERS) + (second in USUAL_3P_PARTNERS)
             - (first in USUAL_3P_PARTNERS) - (second in USUAL_5P_PARTNERS))
    if score < 0:
        return second, first, True
    return first, second, score > 0


#: Gene families a negative panel may name as a whole ("NTRK: not detected").
GENE_FAMILIES = {
    "NTRK": ("NTRK1", "NTRK2", "NTRK3"), "RAS": ("KRAS", "NRAS", "HRAS"), "FGFR": ("FGFR1", "FGFR2", "FGFR3", "FGFR4"),
    "MMR": ("MLH1", "MSH2", "MSH6", "PMS2"), "IDH": ("IDH1", "IDH2"), "BRCA": ("BRCA1", "BRCA2"),
}

#: The negative panel a thoracic oncologist expects before targeted therapy is excluded.
LUNG_NEGATIVE_PANEL = ("EGFR", "ALK", "ROS1", "BRAF", "KRAS", "MET exon 14", "RET", "NTRK", "ERBB2")

#: Approved symbols that pathology reports use for another gene: accepted, with a warning
#: and the gene they usually mean offered (TTF-1 immunostaining is NKX2-1, not TTF1).
#: symbol -> (the gene usually meant, what the symbol itself names).
CLINICAL_NAMES = {
    "TTF1": ("NKX2-1", "TTF1, transcription termination factor 1, chromosome 9"),
}
