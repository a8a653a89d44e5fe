"""A case's molecular findings: the reports (assay, lab, specimen) and the biomarkers each
reports, exactly as the lab gave them, with the words a reader sees for each value.

A case can have several reports (tissue NGS, then a liquid biopsy; PD-L1 by the pathology
lab): the specimen, its tumour cell content, the assay and the genome build belong to the
report, and every biomarker row names the report it comes from.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mtb.cases.labelled import LABELS, Labelled
from mtb.db import enum_column
from mtb.extensions import db
from mtb.i18n import lazy_gettext as _l

if TYPE_CHECKING:
    from mtb.cases.models import Case


class BiomarkerKind(Labelled):
    VARIANT = "variant"
    CNV = "cnv"
    FUSION = "fusion"
    TMB = "tmb"
    MSI = "msi"
    MMR = "mmr"
    PDL1 = "pdl1"
    HRD = "hrd"
    NEGATIVE = "negative"
    OTHER = "other"


class CnvType(Labelled):
    GAIN = "gain"
    AMPLIFICATION = "amplification"
    LOSS = "loss"
    DELETION = "deletion"


class MsiStatus(Labelled):
    """Labelled by its value (MSI-H, MSI-L, MSS), the same in every language."""

    MSI_H = "MSI-H"
    MSI_L = "MSI-L"
    MSS = "MSS"


class HrdStatus(Labelled):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    INCONCLUSIVE = "inconclusive"


class VariantOrigin(Labelled):
    SOMATIC = "somatic"
    GERMLINE = "germline"
    UNKNOWN = "unknown"


class Classification(Labelled):
    """AMP/ASCO/CAP tiers (somatic, Li et al. 2017) and ACMG/AMP classes (germline,
    Richards et al. 2015): one column, the scale follows from the member."""

    TIER_I = "tier_1"
    TIER_II = "tier_2"
    TIER_III = "tier_3"
    TIER_IV = "tier_4"
    CLASS_5 = "class_5"
    CLASS_4 = "class_4"
    CLASS_3 = "class_3"
    CLASS_2 = "class_2"
    CLASS_1 = "class_1"

    @property
    def is_tier(self) -> bool:
        return self.value.startswith("tier")

    @property
    def short(self) -> str:
        """"Tier I", "Class 5": what a table cell or a letter line prints."""
        return str(_SHORT[self])


class GenomeBuild(Labelled):
    GRCH37 = "GRCh37"
    GRCH38 = "GRCh38"


class SpecimenType(Labelled):
    FFPE_TISSUE = "ffpe_tissue"
    FROZEN_TISSUE = "frozen_tissue"
    CYTOLOGY = "cytology"
    PLASMA = "plasma_ctdna"
    BONE_MARROW = "bone_marrow"
    BLOOD = "blood_germline"
    SALIVA = "saliva_germline"
    OTHER = "other"

    @property
    def is_tumour(self) -> bool:
        """A specimen of the tumour itself: its tumour cell content means something."""
        return self in (SpecimenType.FFPE_TISSUE, SpecimenType.FROZEN_TISSUE, SpecimenType.CYTOLOGY,
                        SpecimenType.BONE_MARROW)


class SampleSite(Labelled):
    PRIMARY = "primary"
    METASTASIS = "metastasis"


class DetectionMethod(Labelled):
    RNA_NGS = "rna_ngs"
    DNA_NGS = "dna_ngs"
    FISH = "fish"
    IHC = "ihc"
    RT_PCR = "rt_pcr"


class FusionDriver(Labelled):
    FIVE_PRIME = "5p"
    THREE_PRIME = "3p"


class Pdl1Category(Labelled):
    """The lab's category of the tumour proportion score, when it gives no exact score."""

    BELOW_1 = "below_1"
    FROM_1_TO_49 = "1_to_49"
    FROM_50 = "50_or_more"

    @classmethod
    def of_score(cls, tps: Decimal) -> Pdl1Category:
        if tps < 1:
            return cls.BELOW_1
        return cls.FROM_1_TO_49 if tps < 50 else cls.FROM_50


class Pdl1Clone(Labelled):
    """Labelled by its value (22C3, SP263...), the same in every language."""

    C22C3 = "22C3"
    SP263 = "SP263"
    SP142 = "SP142"
    C28_8 = "28-8"


class MmrStatus(Labelled):
    PROFICIENT = "proficient"
    DEFICIENT = "deficient"


LABELS.update({
    BiomarkerKind: {
        BiomarkerKind.VARIANT: _l("Sequence variant"),
        BiomarkerKind.CNV: _l("Copy-number change"),
        BiomarkerKind.FUSION: _l("Fusion"),
        BiomarkerKind.TMB: _l("Tumour mutational burden"),
        BiomarkerKind.MSI: _l("Microsatellite status"),
        BiomarkerKind.MMR: _l("Mismatch repair (IHC)"),
        BiomarkerKind.PDL1: _l("PD-L1 expression"),
        BiomarkerKind.HRD: _l("Homologous recombination deficiency"),
        BiomarkerKind.NEGATIVE: _l("Tested, not detected"),
        BiomarkerKind.OTHER: _l("Other finding"),
    },
    CnvType: {
        CnvType.GAIN: _l("gain"), CnvType.AMPLIFICATION: _l("amplification"), CnvType.LOSS: _l("loss"),
        CnvType.DELETION: _l("deletion"),
    },
    HrdStatus: {
        HrdStatus.POSITIVE: _l("positive"), HrdStatus.NEGATIVE: _l("negative"),
        HrdStatus.INCONCLUSIVE: _l("inconclusive"),
    },
    VariantOrigin: {
        VariantOrigin.SOMATIC: _l("somatic"), VariantOrigin.GERMLINE: _l("germline"),
        VariantOrigin.UNKNOWN: _l("origin unknown"),
    },
    Classification: {
        Classification.TIER_I: _l("Tier I – strong clinical significance"),
        Classification.TIER_II: _l("Tier II – potential clinical significance"),
        Classification.TIER_III: _l("Tier III – unknown clinical significance"),
        Classification.TIER_IV: _l("Tier IV – benign or likely benign"),
        Classification.CLASS_5: _l("Class 5 – pathogenic"),
        Classification.CLASS_4: _l("Class 4 – likely pathogenic"),
        Classification.CLASS_3: _l("Class 3 – uncertain significance (VUS)"),
        Classification.CLASS_2: _l("Class 2 – likely benign"),
        Classification.CLASS_1: _l("Class 1 – benign"),
    },
    SpecimenType: {
        SpecimenType.FFPE_TISSUE: _l("FFPE tissue"), SpecimenType.FROZEN_TISSUE: _l("Fresh frozen tissue"),
        SpecimenType.CYTOLOGY: _l("Cytology"), SpecimenType.PLASMA: _l("Plasma (ctDNA)"),
        SpecimenType.BONE_MARROW: _l("Bone marrow"), SpecimenType.BLOOD: _l("Blood (germline)"),
        SpecimenType.SALIVA: _l("Saliva (germline)"), SpecimenType.OTHER: _l("Other specimen"),
    },
    SampleSite: {SampleSite.PRIMARY: _l("primary tumour"), SampleSite.METASTASIS: _l("metastasis")},
    DetectionMethod: {
        DetectionMethod.RNA_NGS: _l("RNA NGS"), DetectionMethod.DNA_NGS: _l("DNA NGS"),
        DetectionMethod.FISH: _l("FISH"), DetectionMethod.IHC: _l("IHC"), DetectionMethod.RT_PCR: _l("RT-PCR"),
    },
    Pdl1Category: {
        Pdl1Category.BELOW_1: _l("< 1 % (negative)"), Pdl1Category.FROM_1_TO_49: _l("1–49 % (low)"),
        Pdl1Category.FROM_50: _l("≥ 50 % (high)"),
    },
    MmrStatus: {MmrStatus.PROFICIENT: _l("proficient (pMMR)"), MmrStatus.DEFICIENT: _l("deficient (dMMR)")},
})

_SHORT = {
    Classification.TIER_I: _l("Tier I"), Classification.TIER_II: _l("Tier II"),
    Classification.TIER_III: _l("Tier III"), Classification.TIER_IV: _l("Tier IV"),
    Classification.CLASS_5: _l("Class 5"), Classification.CLASS_4: _l("Class 4"),
    Classification.CLASS_3: _l("Class 3"), Classification.CLASS_2: _l("Class 2"),
    Classification.CLASS_1: _l("Class 1"),
}


class MolecularReport(db.Model):
    """One report of the lab: what was tested (assay, lab, genome build) on which specimen."""

    __tablename__ = "molecular_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    #: Assay or panel, e.g. Oncomine Focus (52 genes), TSO500, 22C3 IHC: a TMB is read against it.
    assay: Mapped[str | None] = mapped_column(sa.String(200))
    lab: Mapped[str | None] = mapped_column(sa.String(200))
    reported_on: Mapped[date | None]
    #: Reference genome of the report's genomic positions.
    genome_build: Mapped[GenomeBuild | None] = enum_column(GenomeBuild, nullable=True)
    specimen_type: Mapped[SpecimenType | None] = enum_column(SpecimenType, nullable=True)
    #: The lab's sample or block identifier, e.g. B-26-01234 A3.
    sample_id: Mapped[str | None] = mapped_column(sa.String(60))
    collected_on: Mapped[date | None]
    #: Whether the specimen is from the primary tumour or a metastasis.
    sample_site: Mapped[SampleSite | None] = enum_column(SampleSite, nullable=True)
    #: Where it was taken, e.g. right upper lobe, liver, pleural effusion.
    site: Mapped[str | None] = mapped_column(sa.String(120))
    #: Tumour cell content of the specimen, percent (the pathologist's estimate).
    tumour_content: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    note: Mapped[str | None] = mapped_column(sa.String(300))

    case: Mapped[Case] = relationship(back_populates="reports")
    biomarkers: Mapped[list[Biomarker]] = relationship(back_populates="report", order_by="Biomarker.position")

    @property
    def label(self) -> str:
        """Short words for the report: its assay and specimen, as the form's choices name it."""
        from mtb.cases.biomarker_labels import report_label

        return report_label(self)

    @property
    def details(self) -> list[str]:
        """What a board reads about it: specimen, site, tumour cells, assay, lab, date, build."""
        from mtb.cases.biomarker_labels import report_details

        return report_details(self)


class Biomarker(db.Model):
    """One finding of a molecular report. Which columns apply depends on ``kind``
    (``mtb.cases.vocab.KIND_FIELDS``)."""

    __tablename__ = "biomarkers"
    __table_args__ = (
        # A search for a finding probes each listed case's findings: answered from these
        # indexes alone, no finding row read. Led by case_id, they serve its foreign key too.
        sa.Index("ix_biomarkers_case_hgvs_p", "case_id", "hgvs_p"),
        sa.Index("ix_biomarkers_case_genes", "case_id", "gene", "gene_3p"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"))
    #: The report the finding comes from (its specimen, assay, lab, genome build).
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("molecular_reports.id", ondelete="SET NULL"),
                                                  index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[BiomarkerKind] = enum_column(BiomarkerKind)
    #: HGNC-approved symbol (variant, CNV; 5' partner of a fusion).
    gene: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    #: 3' partner of a fusion.
    gene_3p: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    #: Transcript accession the c. description is numbered on, e.g. NM_004333.6.
    transcript: Mapped[str | None] = mapped_column(sa.String(40))
    hgvs_c: Mapped[str | None] = mapped_column(sa.String(200))
    #: Three-letter form (p.Val600Glu); the p.V600E shorthand is converted on entry.
    hgvs_p: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    #: The protein accession pasted before the p. change (NP_004324.2:p.Val600Glu), kept apart.
    protein_reference: Mapped[str | None] = mapped_column(sa.String(40))
    #: Genomic description with its chromosome accession, e.g. NC_000007.14:g.140753336A>T.
    hgvs_g: Mapped[str | None] = mapped_column(sa.String(200))
    #: "exon 19", "intron 13", "exon 18-21".
    exon: Mapped[str | None] = mapped_column(sa.String(30))
    origin: Mapped[VariantOrigin | None] = enum_column(VariantOrigin, nullable=True)
    classification: Mapped[Classification | None] = enum_column(Classification, nullable=True)
    #: Variant allele fraction, percent 0-100, to 0.0001 % (a ctDNA VAF of 0.004 % is not 0).
    vaf: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 4))
    cnv_type: Mapped[CnvType | None] = enum_column(CnvType, nullable=True)
    copy_number: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    #: Gene to centromere ratio by FISH (MET/CEP7, ERBB2/CEP17).
    cn_ratio: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    #: log2 ratio of copy number by NGS (negative for a loss).
    log2_ratio: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    #: How a fusion or a copy-number change was found.
    method: Mapped[DetectionMethod | None] = enum_column(DetectionMethod, nullable=True)
    #: A rearrangement of ``gene`` (or ``gene_3p``) whose partner the assay cannot name (FISH, IHC).
    partner_unknown: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Which partner of a fusion drives it; the label names that gene.
    driver: Mapped[FusionDriver | None] = enum_column(FusionDriver, nullable=True)
    #: Fusion breakpoints as "exon 13", "intron 19".
    breakpoint_5p: Mapped[str | None] = mapped_column(sa.String(30))
    breakpoint_3p: Mapped[str | None] = mapped_column(sa.String(30))
    #: Tumour mutational burden, mutations per megabase (the panel is its report's assay).
    tmb: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    msi_status: Mapped[MsiStatus | None] = enum_column(MsiStatus, nullable=True)
    mmr_status: Mapped[MmrStatus | None] = enum_column(MmrStatus, nullable=True)
    #: Mismatch repair proteins whose nuclear staining is lost (MLH1, PMS2, MSH2, MSH6).
    mmr_lost: Mapped[list[str]] = mapped_column(sa.JSON, default=list, server_default=sa.text("'[]'"))
    #: PD-L1 tumour proportion score, percent.
    pdl1_tps: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    #: The lab's TPS category when it gives no exact score ("< 1 %" is not "TPS 0").
    pdl1_category: Mapped[Pdl1Category | None] = enum_column(Pdl1Category, nullable=True)
    #: PD-L1 combined positive score.
    pdl1_cps: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    #: PD-L1 on immune cells, percent.
    pdl1_ic: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    pdl1_clone: Mapped[Pdl1Clone | None] = enum_column(Pdl1Clone, nullable=True)
    hrd_status: Mapped[HrdStatus | None] = enum_column(HrdStatus, nullable=True)
    hrd_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    #: Genes or alteration classes tested and not detected: ["EGFR", "MET exon 14", "NTRK"].
    not_detected: Mapped[list[str]] = mapped_column(sa.JSON, default=list, server_default=sa.text("'[]'"))
    #: Free description for "other", or a note on any finding.
    description: Mapped[str | None] = mapped_column(sa.String(500))
    #: Where an imported row comes from: the VCF's file name, its SHA-256 and the record's line.
    source_file: Mapped[str | None] = mapped_column(sa.String(255))
    source_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    source_line: Mapped[int | None]

    case: Mapped[Case] = relationship(back_populates="biomarkers")
    report: Mapped[MolecularReport | None] = relationship(back_populates="biomarkers", lazy="joined")

    @property
    def label(self) -> str:
        """Short words for lists and choices: "EGFR p.Leu858Arg", "ALK fusion EML4::ALK"."""
        from mtb.cases.biomarker_labels import biomarker_label

        return biomarker_label(self)

    @property
    def full_label(self) -> str:
        """The finding as every page and document prints it, with its transcript:
        "BRAF NM_004333.6:c.1799T>A p.(Val600Glu)"."""
        from mtb.cases.biomarker_labels import finding_text

        return finding_text(self)

    @property
    def details(self) -> list[str]:
        """What qualifies the finding, in print order: exon, origin, classification, VAF..."""
        from mtb.cases.biomarker_labels import finding_details

        return finding_details(self)

    @property
    def is_variant(self) -> bool:
        return self.kind is BiomarkerKind.VARIANT

    @property
    def is_negative(self) -> bool:
        """A "tested, not detected" row: shown as excluded, never as a finding."""
        return self.kind is BiomarkerKind.NEGATIVE

    @property
    def is_other(self) -> bool:
        """An "other" finding is its description."""
        return self.kind is BiomarkerKind.OTHER
