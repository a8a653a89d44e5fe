"""The site's trial registry: the trials open (or once open) at the hospital, the boards
that may propose them, their local investigator, and the eligibility a board checks
first (alterations, biomarker thresholds, diagnoses, age, line of therapy)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mtb.accounts.models import Role, is_signed_in
from mtb.cases.labelled import LABELS, Labelled
from mtb.db import TimestampMixin, enum_column
from mtb.extensions import db
from mtb.i18n import lazy_gettext as _l
from mtb.trials.matching import proposable
from mtb.trials.registrations import TRIAL_PHASES, Registration, split_stored

if TYPE_CHECKING:
    from mtb.accounts.models import User
    from mtb.boards.models import Board


class TrialStatus(Labelled):
    RECRUITING = "recruiting"
    #: Temporarily closed to inclusion (a safety pause, no slot this month): never proposed.
    ON_HOLD = "on_hold"
    CLOSED = "closed"


class MolecularLogic(Labelled):
    """How a trial's molecular criteria combine: one of them is enough (a basket trial:
    BRAF V600E or MSI-H), or all of them are needed."""

    ANY = "any"
    ALL = "all"


LABELS.update({
    TrialStatus: {TrialStatus.RECRUITING: _l("Recruiting"), TrialStatus.ON_HOLD: _l("On hold"),
                  TrialStatus.CLOSED: _l("Closed")},
    MolecularLogic: {MolecularLogic.ANY: _l("any one of them"), MolecularLogic.ALL: _l("all of them")},
})

trial_boards = sa.Table(
    "trial_boards", db.Model.metadata,
    sa.Column("trial_id", sa.ForeignKey("trials.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("board_id", sa.ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Trial(TimestampMixin, db.Model):
    """One trial of the site's registry."""

    __tablename__ = "trials"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Every registry id of the trial (NCT, EU CT, EudraCT, ID-RCB), joined by ", "
    #: like a recommendation's trial_id (mtb.trials.registrations).
    registry_ids: Mapped[str] = mapped_column(sa.String(200))
    #: The first id, unique: an import of the same study updates this row.
    primary_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    acronym: Mapped[str | None] = mapped_column(sa.String(60))
    #: A key of TRIAL_PHASES: "1", "1/2", "2", "2/3", "3", "4".
    phase: Mapped[str | None] = mapped_column(sa.String(8))
    status: Mapped[TrialStatus] = enum_column(TrialStatus, default=TrialStatus.RECRUITING, index=True)
    sponsor: Mapped[str | None] = mapped_column(sa.String(200))
    #: The hospital's investigator for the trial, and how to reach the trial team.
    investigator: Mapped[str | None] = mapped_column(sa.String(200))
    contact: Mapped[str | None] = mapped_column(sa.String(300))
    #: The registry's conditions, as it words them (informative; the ICD-10 ranges decide).
    conditions: Mapped[str | None] = mapped_column(sa.String(500))
    #: The registry's eligibility text, kept for reading.
    eligibility_text: Mapped[str | None] = mapped_column(sa.Text)

    # Structured eligibility (mtb.trials.matching reads it).
    #: [{"gene": "BRAF", "kind": "variant"|"cnv"|"fusion"|"any", "change": "p.Val600Glu"|"exon 20"|""}]
    alterations: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    molecular_logic: Mapped[MolecularLogic] = enum_column(MolecularLogic, default=MolecularLogic.ANY)
    #: Tumour mutational burden at least this many mutations per megabase.
    tmb_min: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    #: MSI-H (or dMMR by IHC) required.
    requires_msi_high: Mapped[bool] = mapped_column(default=False)
    #: PD-L1 tumour proportion score at least this percent.
    pdl1_tps_min: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    #: HRD positive required.
    requires_hrd: Mapped[bool] = mapped_column(default=False)
    #: ICD-10 codes and ranges the trial takes: ["C34", "C43-C44", "C71.0"]; empty: any tumour.
    icd10_ranges: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    age_min: Mapped[int | None]
    age_max: Mapped[int | None]
    #: Prior lines of systemic therapy the trial accepts (first line: at most 0).
    prior_lines_min: Mapped[int | None]
    prior_lines_max: Mapped[int | None]
    #: The ClinicalTrials.gov record it was last imported from, and when.
    imported_at: Mapped[datetime | None]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: Optimistic lock: a save from a form loaded before another save (or an import) raises a
    #: conflict, never overwrites.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    boards: Mapped[list[Board]] = relationship(secondary=trial_boards, lazy="selectin", order_by="Board.name")
    #: Who saved or imported the trial last (the conflict notice names them).
    updated_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def registrations(self) -> list[Registration]:
        return split_stored(self.registry_ids)

    @property
    def phase_label(self) -> str | None:
        return str(TRIAL_PHASES[self.phase]) if self.phase in TRIAL_PHASES else None

    @property
    def is_recruiting(self) -> bool:
        return self.status is TrialStatus.RECRUITING

    @property
    def is_proposable(self) -> bool:
        """Matching can propose it to cases: it has a molecular or a diagnosis criterion
        (an age alone would propose it to every adult of its boards)."""
        return proposable(self)

    @property
    def label(self) -> str:
        """"NCT04613596 KRYSTAL-12"."""
        return " ".join(p for p in (self.primary_id, self.acronym) if p)

    def can_edit(self, user) -> bool:
        """Admins, and the secretaries of one of the trial's boards (of any board, for a new trial)."""
        return self.editable_on(user, [b.id for b in self.boards])

    @staticmethod
    def editable_on(user, board_ids) -> bool:
        """Whether ``user`` may edit a trial of these boards (``can_edit``)."""
        if not is_signed_in(user):
            return False
        return user.is_admin or any(user.is_secretary(board_id) for board_id in board_ids)

    @staticmethod
    def can_create(user) -> bool:
        return is_signed_in(user) and (user.is_admin or bool(user.board_ids(Role.SECRETARY)))

    @classmethod
    def visible_to(cls, user) -> sa.ColumnElement[bool]:
        """People with a role on one of the trial's boards (admins: every trial)."""
        if not is_signed_in(user):
            return sa.false()
        if user.is_admin:
            return sa.true()
        board_ids = user.board_ids()
        if not board_ids:
            return sa.false()
        return cls.id.in_(sa.select(trial_boards.c.trial_id).where(trial_boards.c.board_id.in_(board_ids)))

    def __repr__(self) -> str:
        return f"<Trial {self.primary_id}>"


