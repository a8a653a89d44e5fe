"""A case: one patient's question to one board, with biomarkers and reports."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from mtb.accounts.models import is_signed_in
from mtb.db import TimestampMixin, enum_column, utcnow
from mtb.extensions import db

if TYPE_CHECKING:
    from mtb.accounts.models import User
    from mtb.boards.models import Board
    from mtb.meetings.models import AgendaItem


class CaseStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SCHEDULED = "scheduled"
    DISCUSSED = "discussed"
    DECIDED = "decided"
    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"


#: Statuses of a case waiting for a meeting: the secretary's pool.
POOL_STATUSES = (CaseStatus.SUBMITTED, CaseStatus.DEFERRED)


class Sex(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Urgency(enum.StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"


class BiomarkerKind(enum.StrEnum):
    VARIANT = "variant"
    CNV = "cnv"
    FUSION = "fusion"
    TMB = "tmb"
    MSI = "msi"
    PDL1 = "pdl1"
    HRD = "hrd"
    OTHER = "other"


class CnvType(enum.StrEnum):
    GAIN = "gain"
    AMPLIFICATION = "amplification"
    LOSS = "loss"
    DELETION = "deletion"


class MsiStatus(enum.StrEnum):
    MSI_H = "MSI-H"
    MSI_L = "MSI-L"
    MSS = "MSS"


class HrdStatus(enum.StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    INCONCLUSIVE = "inconclusive"


class Case(TimestampMixin, db.Model):
    __tablename__ = "cases"
    __table_args__ = (sa.CheckConstraint("ecog BETWEEN 0 AND 4", name="ecog_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: THO-2026-0042: board code, year of creation, number within board and year.
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"), index=True)
    #: The clinician who created the case; they always keep access to it.
    submitter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[CaseStatus] = enum_column(CaseStatus, default=CaseStatus.DRAFT, index=True)
    #: Optimistic lock: a save from a stale form raises a conflict, never overwrites.
    version: Mapped[int] = mapped_column(default=1)

    # Patient identity: shown only to access holders, never in e-mails.
    patient_record_number: Mapped[str] = mapped_column(sa.String(40))
    patient_name: Mapped[str] = mapped_column(sa.String(200))
    patient_sex: Mapped[Sex] = enum_column(Sex)
    patient_birth_date: Mapped[date]

    # Clinical picture.
    diagnosis: Mapped[str] = mapped_column(sa.String(300))
    #: ICD-10 category or subcategory (WHO 2019), e.g. C34.1.
    icd10_code: Mapped[str] = mapped_column(sa.String(10))
    #: ICD-O-3 morphology, e.g. 8140/3.
    icdo3_morphology: Mapped[str | None] = mapped_column(sa.String(10))
    stage: Mapped[str | None] = mapped_column(sa.String(40))
    ecog: Mapped[int | None]
    prior_lines: Mapped[int | None]
    #: Prior treatments as free text (lines, drugs, responses).
    prior_treatments: Mapped[str | None] = mapped_column(sa.Text)
    clinical_question: Mapped[str] = mapped_column(sa.Text)
    urgency: Mapped[Urgency] = enum_column(Urgency, default=Urgency.ROUTINE)
    #: Research cohorts the patient consented to (MELBASE, Immunotarget, BIOCART...).
    research_consent: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: The clinician states there is no molecular report yet (the question may be which
    #: tests to order); lets a case without biomarker rows be submitted.
    no_molecular_report: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    submitted_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    board: Mapped[Board] = relationship(lazy="joined")
    submitter: Mapped[User] = relationship(lazy="joined")
    biomarkers: Mapped[list[Biomarker]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Biomarker.position"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Attachment.uploaded_at"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvent.at, CaseEvent.id"
    )
    #: The agendas the case is or was on. Named here as a string: AgendaItem belongs to the
    #: meetings part, above this one, and the database cascades the deletes.
    agenda_items: Mapped[list[AgendaItem]] = relationship(back_populates="case", passive_deletes=True)

    __mapper_args__ = {"version_id_col": version}

    def can_view(self, user) -> bool:
        """The submitter; anyone holding a role on the case's board once it is submitted.

        A draft is its author's working copy: nobody else sees it, in lists
        (``visible_to``) or by URL. Fails closed.
        """
        if not is_signed_in(user):
            return False
        if self.submitter_id == user.id:
            return True
        return self.status is not CaseStatus.DRAFT and user.has_role(self.board_id)

    @classmethod
    def visible_to(cls, user) -> sa.ColumnElement[bool]:
        """``can_view`` as a SQL condition, for lists and for loading one case by id."""
        if not is_signed_in(user):
            return sa.false()
        board_ids = user.board_ids()
        shared = sa.and_(cls.board_id.in_(board_ids), cls.status != CaseStatus.DRAFT) if board_ids else sa.false()
        return sa.or_(cls.submitter_id == user.id, shared)

    def can_manage(self, user) -> bool:
        """Who acts on the case (edit, submit, withdraw, reports): its submitter, and once
        it is submitted the board's secretaries, who cover for an absent colleague.
        Other clinicians of the board only read it."""
        if not self.can_view(user):
            return False
        if self.submitter_id == user.id:
            return True
        return self.status is not CaseStatus.DRAFT and user.is_secretary(self.board_id)

    def can_edit(self, user) -> bool:
        """The submitter (or a secretary of the board) while the case is not yet on a meeting."""
        if self.status not in (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.DEFERRED):
            return False
        return self.can_manage(user)

    def __repr__(self) -> str:
        return f"<Case {self.reference}>"


class Biomarker(db.Model):
    """One finding of a molecular report. Which columns apply depends on ``kind``."""

    __tablename__ = "biomarkers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[BiomarkerKind] = enum_column(BiomarkerKind)
    #: HGNC-approved symbol (variant, CNV; 5' partner of a fusion).
    gene: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    #: 3' partner of a fusion.
    gene_3p: Mapped[str | None] = mapped_column(sa.String(40))
    #: Transcript accession the HGVS strings refer to, e.g. NM_004333.6.
    transcript: Mapped[str | None] = mapped_column(sa.String(40))
    hgvs_c: Mapped[str | None] = mapped_column(sa.String(200))
    #: Three-letter form (p.Val600Glu); the p.V600E shorthand is converted on entry.
    hgvs_p: Mapped[str | None] = mapped_column(sa.String(200))
    #: Variant allele fraction, percent 0-100.
    vaf: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    cnv_type: Mapped[CnvType | None] = enum_column(CnvType, nullable=True)
    copy_number: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    #: Tumour mutational burden, mutations per megabase.
    tmb: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    msi_status: Mapped[MsiStatus | None] = enum_column(MsiStatus, nullable=True)
    #: PD-L1 tumour proportion score, percent.
    pdl1_tps: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    #: PD-L1 combined positive score.
    pdl1_cps: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    #: PD-L1 on immune cells, percent.
    pdl1_ic: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    hrd_status: Mapped[HrdStatus | None] = enum_column(HrdStatus, nullable=True)
    hrd_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    #: Free description for "other", or a note on any finding.
    description: Mapped[str | None] = mapped_column(sa.String(500))
    assay: Mapped[str | None] = mapped_column(sa.String(200))
    specimen: Mapped[str | None] = mapped_column(sa.String(200))
    lab: Mapped[str | None] = mapped_column(sa.String(200))
    reported_on: Mapped[date | None]

    case: Mapped[Case] = relationship(back_populates="biomarkers")

    @property
    def label(self) -> str:
        """Short human label: "EGFR p.Leu858Arg", "ALK fusion EML4::ALK", "TMB 14.2 mut/Mb"."""
        from mtb.cases.biomarker_labels import biomarker_label

        return biomarker_label(self)


class Attachment(db.Model):
    """A report or data file; the bytes live in the database so every instance serves them."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: Sanitised original name, used in Content-Disposition.
    filename: Mapped[str] = mapped_column(sa.String(255))
    #: Type found by reading the content: pdf, vcf, vcf.gz, csv, tsv, png, jpeg.
    file_type: Mapped[str] = mapped_column(sa.String(16))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    description: Mapped[str | None] = mapped_column(sa.String(200))
    #: Deferred so lists and case pages never load file bytes.
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User] = relationship(lazy="joined")


class CaseCounter(db.Model):
    """Last reference number used per board and year."""

    __tablename__ = "case_counters"

    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class CaseEvent(db.Model):
    """The case's timeline: submitted, scheduled, discussed, decided, withdrawn..."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A CaseStatus value, or another verb ("edited", "carried_over").
    kind: Mapped[str] = mapped_column(sa.String(32))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.String(300))

    case: Mapped[Case] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship(lazy="joined")


class GeneSymbol(db.Model):
    """A symbol an administrator added: HGNC approved it after the shipped table (2022-04)."""

    __tablename__ = "gene_symbols"

    id: Mapped[int] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(sa.String(40), unique=True)
    chromosome: Mapped[str | None] = mapped_column(sa.String(20))
    #: Where the symbol comes from (HGNC id, date of approval...).
    note: Mapped[str | None] = mapped_column(sa.String(300))
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    added_by: Mapped[User | None] = relationship(lazy="joined")
