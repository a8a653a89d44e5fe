"""A case: one patient's question to one board, with biomarkers and reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, deferred, mapped_column, relationship

from mtb.accounts.models import Role, is_signed_in
from mtb.cases import timeline
from mtb.cases.findings import (  # noqa: F401  (the part's models, importable from here)
    Biomarker,
    BiomarkerKind,
    Classification,
    CnvType,
    DetectionMethod,
    FusionDriver,
    GenomeBuild,
    HrdStatus,
    MmrStatus,
    MolecularReport,
    MsiStatus,
    Pdl1Category,
    Pdl1Clone,
    SampleSite,
    SpecimenType,
    VariantOrigin,
)
from mtb.cases.labelled import LABELS, Labelled
from mtb.db import TimestampMixin, enum_column, utcnow
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.i18n import lazy_gettext as _l

if TYPE_CHECKING:
    from mtb.accounts.models import User
    from mtb.boards.models import Board
    from mtb.meetings.models import AgendaItem


class CaseStatus(Labelled):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SCHEDULED = "scheduled"
    DISCUSSED = "discussed"
    DECIDED = "decided"
    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"


#: Statuses of a case waiting for a meeting: the secretary's pool.
POOL_STATUSES = (CaseStatus.SUBMITTED, CaseStatus.DEFERRED)
#: Statuses a case can be edited in: the board has not taken it up yet.
EDITABLE = (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.DEFERRED)
#: Statuses a case can be withdrawn from (after a discussion the record stays as it is).
WITHDRAWABLE = (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.SCHEDULED, CaseStatus.DEFERRED)
#: Statuses in which a file can still be removed: the board has not looked at the case.
ATTACHMENTS_REMOVABLE = (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.DEFERRED)
#: Statuses closed to new files: the board's record of the case is complete.
CLOSED = (CaseStatus.DECIDED, CaseStatus.WITHDRAWN)


class Sex(Labelled):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Urgency(Labelled):
    ROUTINE = "routine"
    URGENT = "urgent"


class GermlineConsent(Labelled):
    """Whether the patient (or, for a child, the parents) agreed to germline testing: a
    paediatric board asks for it before it discusses a predisposition."""

    GIVEN = "given"
    DECLINED = "declined"
    #: Asked, the answer not given yet.
    PENDING = "pending"
    #: Not asked (yet): the board may recommend a genetics consultation first.
    NOT_ASKED = "not_asked"


LABELS.update({
    CaseStatus: {
        CaseStatus.DRAFT: _l("Draft"), CaseStatus.SUBMITTED: _l("Submitted"), CaseStatus.SCHEDULED: _l("Scheduled"),
        CaseStatus.DISCUSSED: _l("Discussed"), CaseStatus.DECIDED: _l("Decided"), CaseStatus.DEFERRED: _l("Deferred"),
        CaseStatus.WITHDRAWN: _l("Withdrawn"),
    },
    Sex: {Sex.FEMALE: _l("Female"), Sex.MALE: _l("Male"), Sex.OTHER: _l("Other"), Sex.UNKNOWN: _l("Unknown")},
    Urgency: {Urgency.ROUTINE: _l("Routine"), Urgency.URGENT: _l("Urgent")},
    GermlineConsent: {
        GermlineConsent.GIVEN: _l("Given"), GermlineConsent.DECLINED: _l("Declined"),
        GermlineConsent.PENDING: _l("Asked, answer pending"), GermlineConsent.NOT_ASKED: _l("Not asked yet"),
    },
})

#: Timeline entries (CaseEvent.kind): statuses, and the verbs other parts add.
EVENT_LABELS = {
    "draft": _l("Created as draft"),
    "submitted": _l("Submitted to the board"),
    "scheduled": _l("Put on a meeting's agenda"),
    "discussed": _l("Discussed"),
    "decided": _l("Decision validated"),
    "deferred": _l("Deferred to a later meeting"),
    "withdrawn": _l("Withdrawn"),
    "edited": _l("Edited"),
    "attachment_added": _l("File attached"),
    "attachment_removed": _l("File removed"),
    "carried_over": _l("Carried over to the next meeting"),
}


class Case(TimestampMixin, db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        sa.CheckConstraint("ecog BETWEEN 0 AND 4", name="ecog_range"),
        # The lists: a board's cases and a submitter's, newest first, paged by key. The
        # board's carries what every list filters on (status, the draft's author): a count
        # or a search walks it without reading the cases it passes over.
        sa.Index("ix_cases_board_listed", "board_id", "listed_at", "id", "status", "submitter_id"),
        sa.Index("ix_cases_submitter_listed", "submitter_id", "listed_at", "id"),
        # The pool: a board's submitted and deferred cases among its thousands.
        sa.Index("ix_cases_board_status", "board_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: THO-2026-0042: board code, year of creation, number within board and year.
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"), index=True)
    #: The clinician who created the case; they always keep access to it.
    submitter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[CaseStatus] = enum_column(CaseStatus, default=CaseStatus.DRAFT, index=True)
    #: Optimistic lock: a save from a stale form raises a conflict, never overwrites.
    version: Mapped[int] = mapped_column(default=1)
    #: Where the case sorts in lists: submitted_at, or created_at for a draft (kept by
    #: the mapper events below; an indexed column, where coalesce() was not).
    listed_at: Mapped[datetime] = mapped_column(default=utcnow)

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
    #: Consent to germline testing; None: not recorded.
    germline_consent: Mapped[GermlineConsent | None] = enum_column(GermlineConsent, nullable=True)
    #: The clinician states there is no molecular report yet (the question may be which
    #: tests to order); lets a case without biomarker rows be submitted.
    no_molecular_report: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    submitted_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    #: Not joined into every row: the signed-in user's roles load their boards, which the
    #: session then hands to each row without a statement (a join parsed the board's
    #: JSON settings again per row).
    board: Mapped[Board] = relationship()
    submitter: Mapped[User] = relationship(lazy="joined")
    biomarkers: Mapped[list[Biomarker]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Biomarker.position"
    )
    #: The lab reports the biomarkers come from (several: tissue NGS, a liquid biopsy...).
    reports: Mapped[list[MolecularReport]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="MolecularReport.position"
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
        """The submitter (or a secretary of the board) while the case is not yet on a meeting,
        or back from one whose minutes are signed (``edit_refusal``)."""
        if self.status not in EDITABLE or not self.can_manage(user):
            return False
        return self.edit_refusal() is None

    def edit_refusal(self) -> str | None:
        """Why the case cannot be edited now, or None when it can (by those who manage it)."""
        if self.status not in EDITABLE:
            return _("This case can no longer be edited: it is %(status)s.", status=self.status.value)
        if any(meeting.is_in_session or meeting.is_closed for meeting in self._agenda_meetings()):
            # Deferred or sent back for another discussion: the minutes, signed later, show
            # the case as the board saw it, so it waits for that signature.
            return _("This case stays as the board discussed it until the minutes of that meeting are signed "
                     "(they record it as it was). It can be edited for its next discussion once they are.")
        return None

    @classmethod
    def can_create(cls, user, board: Board | None = None) -> bool:
        """Clinicians of ``board`` submit cases to it; without a board: to any board at all."""
        if not is_signed_in(user):
            return False
        if board is None:
            return bool(user.board_ids(Role.CLINICIAN))
        return user.has_role(board.id, Role.CLINICIAN)

    def can_submit(self, user) -> bool:
        """A draft, by its author (a secretary never sees someone's draft)."""
        return self.is_draft and self.can_edit(user)

    def withdrawal_refusal(self) -> str | None:
        """Why the case cannot be withdrawn now, or None when it can.

        A case can be withdrawn while it waits: draft, submitted, deferred, or scheduled on
        an agenda that is still open (scheduled or published). Once its meeting is in
        session, or has taken place without a decision yet, the board has it in hand.
        """
        if self.status not in WITHDRAWABLE:
            return _("This case cannot be withdrawn: it is %(status)s, and the board's record of it stays as it is.",
                     status=self.status.value)
        meetings = self._agenda_meetings()
        if self._discussed_now(meetings):
            return _("This case cannot be withdrawn while the meeting discussing it is in session. "
                     "Ask the meeting's secretary to defer it; a deferred case can be withdrawn once the meeting is closed.")
        if self.status is CaseStatus.SCHEDULED and not any(meeting.is_open for meeting in meetings):
            return _("This case cannot be withdrawn: the meeting it was on has taken place and the board's "
                     "decision is pending.")
        return None

    def can_withdraw(self, user) -> bool:
        return self.can_manage(user) and self.withdrawal_refusal() is None

    def can_add_attachments(self, user) -> bool:
        """Reports can be added while the case is open, also once it is on an agenda
        (the submitter, or a secretary of the board)."""
        return self.can_manage(user) and self.status not in CLOSED

    def attachment_removal_refusal(self) -> str | None:
        """Why files of the case can no longer be removed, or None when they can."""
        if self.status not in ATTACHMENTS_REMOVABLE or self._discussed_now(self._agenda_meetings()):
            return _("Files of a case on a meeting's agenda or discussed by the board cannot be removed: "
                     "they stay as the board saw them. Attach a corrected file instead.")
        return None

    def can_remove_attachments(self, user) -> bool:
        return self.can_manage(user) and self.attachment_removal_refusal() is None

    def _agenda_meetings(self) -> list:
        """The meetings whose agenda holds the case (none for a draft: no agenda takes one)."""
        if self.is_draft or self.id is None:
            return []
        return [item.meeting for item in self.agenda_items]

    @staticmethod
    def _discussed_now(meetings) -> bool:
        return any(meeting.is_in_session for meeting in meetings)

    @property
    def is_draft(self) -> bool:
        return self.status is CaseStatus.DRAFT

    @property
    def is_withdrawn(self) -> bool:
        return self.status is CaseStatus.WITHDRAWN

    @property
    def is_urgent(self) -> bool:
        return self.urgency is Urgency.URGENT

    def __repr__(self) -> str:
        return f"<Case {self.reference}>"


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
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User] = relationship(lazy="joined")


class CaseCounter(db.Model):
    """Last reference number used per board and year."""

    __tablename__ = "case_counters"

    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


@sa.event.listens_for(Case, "before_insert")
@sa.event.listens_for(Case, "before_update")
def _keep_listed_at(mapper, connection, case: Case) -> None:
    if case.created_at is None:
        case.created_at = utcnow()
    listed = case.submitted_at or case.created_at
    if case.listed_at != listed:
        case.listed_at = listed


@sa.event.listens_for(Session, "before_flush")
def _case_moves_with_its_findings(session: Session, flush_context, instances) -> None:
    """A flush that adds, changes or removes a finding or a report writes its case too, so
    the case's version moves: an edit form opened before is told of the conflict, and what
    pages keep of the case's findings under its version (``cases.briefs``) is asked anew.
    The case form and the VCF import write the case themselves; this holds for any path."""
    changed = [obj for obj in session.new | session.deleted if isinstance(obj, Biomarker | MolecularReport)]
    changed += [obj for obj in session.dirty if isinstance(obj, Biomarker | MolecularReport)
                and session.is_modified(obj, include_collections=False)]
    for case in {id(c): c for c in (_case_of(session, obj) for obj in changed) if c is not None}.values():
        if case not in session.deleted:
            case.updated_at = utcnow()


def _case_of(session: Session, finding) -> Case | None:
    if finding.case_id is None:
        return finding.case  # new, added to its case's list
    key = sa.inspect(Case).identity_key_from_primary_key((finding.case_id,))
    return session.identity_map.get(key) or session.get(Case, finding.case_id)


class CaseEvent(db.Model):
    """The case's timeline: submitted, scheduled, discussed, decided, withdrawn..."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A CaseStatus value, or another verb ("edited", "carried_over").
    kind: Mapped[str] = mapped_column(sa.String(32))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: A person's own words (a withdrawal reason, file names), shown as typed.
    note: Mapped[str | None] = mapped_column(sa.String(300))
    #: A sentence of the system as a code and times (mtb.cases.timeline), worded when read.
    details: Mapped[dict | None] = mapped_column(sa.JSON)

    case: Mapped[Case] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship(lazy="joined")

    @property
    def label(self) -> str:
        """What happened, in words: "Submitted to the board"; a verb no table knows reads as itself."""
        if self.kind in EVENT_LABELS:
            return EVENT_LABELS[self.kind]
        return self.kind.replace("_", " ").capitalize()

    @property
    def note_text(self) -> str | None:
        """The note in the reader's language: the system's sentence, else what was typed."""
        return timeline.words(self.details) or self.note


class GeneSymbol(db.Model):
    """A symbol an administrator added: HGNC approved it after the table in use."""

    __tablename__ = "gene_symbols"

    id: Mapped[int] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(sa.String(40), unique=True)
    #: The approved symbol this one replaced (GBA for GBA1): typing it offers the new one.
    previous_symbol: Mapped[str | None] = mapped_column(sa.String(40))
    chromosome: Mapped[str | None] = mapped_column(sa.String(20))
    #: Where the symbol comes from (HGNC id, date of approval...).
    note: Mapped[str | None] = mapped_column(sa.String(300))
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    added_by: Mapped[User | None] = relationship(lazy="joined")
