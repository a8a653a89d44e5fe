"""What happens in the meeting room: attendance, conflicts of interest, decisions.

A ``Decision`` row is one *version* of the board's decision on one agenda item.
Version 1 is recorded in session as a draft; the chair validates it, which locks
it. A correction is a new row (version 2, 3...) with a reason; earlier rows stay
readable and are marked superseded once the correction is validated.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mtb.accounts.models import Role, is_signed_in
from mtb.db import enum_column, utcnow
from mtb.decisions.evidence import ESCAT, Evidence
from mtb.extensions import db
from mtb.i18n import lazy_gettext as _l
from mtb.trials.registrations import TRIAL_PHASES, Registration, split_stored
from mtb.vocab import Specialty

if TYPE_CHECKING:
    from mtb.accounts.models import User
    from mtb.cases.models import Biomarker, Case
    from mtb.meetings.models import AgendaItem, Meeting
    from mtb.minutes.models import DecisionLetter


class Attendance(db.Model):
    """One person in the room: a board member (``user_id``) or a guest (``guest_name``)."""

    __tablename__ = "attendances"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    #: The member; None for a guest.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The specialty the member sat with (prefilled from User.specialty); counts for quorum.
    specialty: Mapped[Specialty | None] = enum_column(Specialty, nullable=True)
    guest_name: Mapped[str | None] = mapped_column(sa.String(200))
    #: A guest's role or specialty as they gave it (free text; guests do not make quorum).
    guest_role: Mapped[str | None] = mapped_column(sa.String(200))
    #: When the person was recorded present (kept when the specialty changes): a decision
    #: validated before that was taken without them (``quorum.present_when_decided``).
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship(lazy="joined")

    @property
    def is_guest(self) -> bool:
        return self.user_id is None

    @property
    def name(self) -> str:
        return self.user.full_name if self.user is not None else (self.guest_name or "")

    @property
    def role_label(self) -> str:
        if self.is_guest:
            return self.guest_role or ""
        return self.specialty.label if self.specialty else ""


class Recusal(db.Model):
    """A member declared a conflict of interest on one case: recused on that item."""

    __tablename__ = "recusals"
    __table_args__ = (sa.UniqueConstraint("agenda_item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: What the conflict is (e.g. "investigator of the proposed trial").
    note: Mapped[str | None] = mapped_column(sa.String(300))
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Who recorded it: the member themselves before or during the meeting, or the
    #: secretary or chair in session.
    declared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)

    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])

    @property
    def is_self_declared(self) -> bool:
        """The member declared it themselves (not the secretary in session)."""
        return self.declared_by_id is not None and self.declared_by_id == self.user_id


class DecisionStatus(enum.StrEnum):
    #: Recorded in session; editable by the secretary and the chair.
    DRAFT = "draft"
    #: Validated by the chair: locked. Changes only through a new version.
    VALIDATED = "validated"
    #: A later version was validated; this one stays readable.
    SUPERSEDED = "superseded"


DECISION_STATUS_LABELS = {
    DecisionStatus.DRAFT: _l("Draft"),
    DecisionStatus.VALIDATED: _l("Validated"),
    DecisionStatus.SUPERSEDED: _l("Superseded"),
}


class RecommendationKind(enum.StrEnum):
    TARGETED_THERAPY = "targeted_therapy"
    CLINICAL_TRIAL = "clinical_trial"
    FURTHER_TESTING = "further_testing"
    GERMLINE_COUNSELLING = "germline_counselling"
    STANDARD_OF_CARE = "standard_of_care"
    NO_ACTIONABLE = "no_actionable"
    #: Re-discuss at a later meeting: the case goes back to the pool.
    REDISCUSS = "rediscuss"

    @property
    def label(self) -> str:
        return str(RECOMMENDATION_LABELS[self])


RECOMMENDATION_LABELS = {
    RecommendationKind.TARGETED_THERAPY: _l("Targeted therapy"),
    RecommendationKind.CLINICAL_TRIAL: _l("Clinical trial"),
    RecommendationKind.FURTHER_TESTING: _l("Further testing"),
    RecommendationKind.GERMLINE_COUNSELLING: _l("Germline genetic counselling"),
    RecommendationKind.STANDARD_OF_CARE: _l("Standard of care"),
    RecommendationKind.NO_ACTIONABLE: _l("No actionable alteration"),
    RecommendationKind.REDISCUSS: _l("Re-discuss at a later meeting"),
}


class AccessRoute(enum.StrEnum):
    APPROVED = "approved"
    OFF_LABEL = "off_label"
    EARLY_ACCESS = "early_access"
    COMPASSIONATE = "compassionate_use"

    @property
    def label(self) -> str:
        return str(ACCESS_ROUTE_LABELS[self])


ACCESS_ROUTE_LABELS = {
    AccessRoute.APPROVED: _l("Approved indication"),
    AccessRoute.OFF_LABEL: _l("Off-label"),
    AccessRoute.EARLY_ACCESS: _l("Early access"),
    AccessRoute.COMPASSIONATE: _l("Compassionate use"),
}

#: Recommendation fields a form sends, and their maximum lengths (the columns' lengths).
RECOMMENDATION_FIELDS = {
    "kind": 32, "drug": 200, "biomarker_id": 20, "evidence": 24, "oncokb_level": 4,
    "access_route": 32, "trial_id": 200, "trial_title": 300, "trial_phase": 8, "trial_site": 200,
    "test_name": 200, "test_sample": 200, "rationale": 5000,
}
#: The kind-specific fields each kind uses; the others are left empty when it is saved.
KIND_FIELDS = {
    RecommendationKind.TARGETED_THERAPY: ("drug", "biomarker_id", "evidence", "evidence_modifiers", "oncokb_level",
                                          "access_route"),
    RecommendationKind.CLINICAL_TRIAL: ("trial_id", "trial_title", "trial_phase", "trial_site"),
    RecommendationKind.FURTHER_TESTING: ("test_name", "test_sample"),
    RecommendationKind.GERMLINE_COUNSELLING: (),
    RecommendationKind.STANDARD_OF_CARE: (),
    RecommendationKind.NO_ACTIONABLE: (),
    RecommendationKind.REDISCUSS: (),
}


class Decision(db.Model):
    """One version of the board's decision on one agenda item (one case at one meeting)."""

    __tablename__ = "decisions"
    __table_args__ = (sa.UniqueConstraint("agenda_item_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: Copied from the case so lists filter by the user's boards in SQL.
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"), index=True)
    #: 1 for the decision taken in session, 2... for corrections.
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[DecisionStatus] = enum_column(DecisionStatus, default=DecisionStatus.DRAFT, index=True)
    summary: Mapped[str] = mapped_column(sa.Text)
    #: Why a correction was made (required from version 2 on).
    correction_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: Quorum for this item (present members minus recused ones); live while a draft,
    #: frozen when validated.
    quorum_met: Mapped[bool] = mapped_column(default=False)
    #: Labels of the quorum entries that were missing, when quorum_met is False.
    quorum_missing: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    validated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    validated_at: Mapped[datetime | None]
    #: When the board decided: the first validation of a decision on this agenda item. A
    #: correction keeps it (kept by the mapper events below), so follow-up milestones,
    #: reminders and the dashboards' periods count from the day the patient's care was decided.
    decided_at: Mapped[datetime | None]
    #: When the submitter and the board could first read it: the minutes were signed
    #: (version 1), or the correction was validated on a signed meeting.
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    superseded_at: Mapped[datetime | None]
    #: Optimistic lock: a draft saved from a stale form is a conflict, not a lost update.
    row_version: Mapped[int] = mapped_column(default=1)

    agenda_item: Mapped[AgendaItem] = relationship()
    meeting: Mapped[Meeting] = relationship()
    case: Mapped[Case] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    validated_by: Mapped[User | None] = relationship(foreign_keys=[validated_by_id])
    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="Recommendation.position",
    )
    letter: Mapped[DecisionLetter | None] = relationship(back_populates="decision", uselist=False)

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def is_draft(self) -> bool:
        return self.status is DecisionStatus.DRAFT

    @property
    def is_validated(self) -> bool:
        return self.status is DecisionStatus.VALIDATED

    @property
    def is_superseded(self) -> bool:
        return self.status is DecisionStatus.SUPERSEDED

    @property
    def is_locked(self) -> bool:
        return self.status is not DecisionStatus.DRAFT

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def status_label(self) -> str:
        return str(DECISION_STATUS_LABELS[self.status])

    @property
    def sends_back_to_pool(self) -> bool:
        return any(r.kind is RecommendationKind.REDISCUSS for r in self.recommendations)

    def can_view(self, user) -> bool:
        """Board members, secretaries and chairs see every version; the submitter and the
        board's clinicians see published versions only. Fails closed."""
        if not is_signed_in(user):
            return False
        if user.has_role(self.board_id, Role.MEMBER, Role.CHAIR, Role.SECRETARY):
            return True
        return self.is_published and self.case.can_view(user)

    @classmethod
    def visible_to(cls, user) -> sa.ColumnElement[bool]:
        """``can_view`` as a SQL condition, for a query that joins each decision's case."""
        from mtb.cases.models import Case  # named at the top for types only, as the other parts' models

        if not is_signed_in(user):
            return sa.false()
        whole_board = user.board_ids(Role.MEMBER, Role.CHAIR, Role.SECRETARY)
        published = sa.and_(cls.published_at.is_not(None), Case.visible_to(user))
        return sa.or_(cls.board_id.in_(whole_board), published) if whole_board else published

    def __repr__(self) -> str:
        return f"<Decision item={self.agenda_item_id} v{self.version} {self.status}>"


@sa.event.listens_for(Decision, "before_insert")
@sa.event.listens_for(Decision, "before_update")
def _keep_decided_at(mapper, connection, decision: Decision) -> None:
    if decision.decided_at is not None or decision.validated_at is None:
        return
    earlier = None
    if (decision.version or 1) > 1:  # a correction: the line's first validation
        earlier = connection.scalar(
            sa.select(sa.func.min(Decision.validated_at))
            .where(Decision.agenda_item_id == decision.agenda_item_id, Decision.version < decision.version))
    decision.decided_at = min(earlier, decision.validated_at) if earlier is not None else decision.validated_at


class Recommendation(db.Model):
    """One recommendation of a decision; which columns apply depends on ``kind``."""

    __tablename__ = "recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[RecommendationKind] = enum_column(RecommendationKind)
    drug: Mapped[str | None] = mapped_column(sa.String(200))
    #: The case's biomarker the drug targets.
    biomarker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("biomarkers.id", ondelete="SET NULL"), index=True)
    #: The biomarker's label when recorded, so a version reads the same later.
    biomarker_label: Mapped[str | None] = mapped_column(sa.String(300))
    #: The evidence's scale (mtb.decisions.evidence.SCHEMES: escat, oncokb, nct, amp); required
    #: for a targeted therapy.
    evidence_scheme: Mapped[str | None] = mapped_column(sa.String(8))
    #: The level on that scale (e.g. "I-A", "3A", "m1B", "II-C").
    evidence_level: Mapped[str | None] = mapped_column(sa.String(8))
    #: Modifiers of an NCT/DKTK m-level (is, iv, Z, R), in the code system's order.
    evidence_modifiers: Mapped[list[str] | None] = mapped_column(sa.JSON)
    #: A second grading on the OncoKB scale (mtb.vocab.ONCOKB_LEVELS), optional; empty when
    #: the evidence itself is an OncoKB level.
    oncokb_level: Mapped[str | None] = mapped_column(sa.String(4))
    access_route: Mapped[AccessRoute | None] = enum_column(AccessRoute, nullable=True)
    #: Every registry id of the trial (NCT, EU CT, EudraCT, ID-RCB) or the hospital's local
    #: code, joined by ", " (mtb.trials.registrations); read as ``trial_registrations``.
    trial_id: Mapped[str | None] = mapped_column(sa.String(200))
    trial_title: Mapped[str | None] = mapped_column(sa.String(300))
    #: mtb.trials.registrations.TRIAL_PHASES: "1", "1/2", "2", "2/3", "3", "4".
    trial_phase: Mapped[str | None] = mapped_column(sa.String(8))
    trial_site: Mapped[str | None] = mapped_column(sa.String(200))
    test_name: Mapped[str | None] = mapped_column(sa.String(200))
    test_sample: Mapped[str | None] = mapped_column(sa.String(200))
    rationale: Mapped[str | None] = mapped_column(sa.Text)

    decision: Mapped[Decision] = relationship(back_populates="recommendations")
    biomarker: Mapped[Biomarker | None] = relationship()

    @property
    def kind_label(self) -> str:
        return self.kind.label

    @property
    def is_targeted_therapy(self) -> bool:
        return self.kind is RecommendationKind.TARGETED_THERAPY

    @property
    def is_clinical_trial(self) -> bool:
        return self.kind is RecommendationKind.CLINICAL_TRIAL

    @property
    def is_further_testing(self) -> bool:
        return self.kind is RecommendationKind.FURTHER_TESTING

    @property
    def evidence(self) -> Evidence | None:
        """The grading (scheme, level, modifiers, label), or None when none was given."""
        if not self.evidence_scheme or not self.evidence_level:
            return None
        return Evidence(self.evidence_scheme, self.evidence_level, tuple(self.evidence_modifiers or ()))

    @property
    def evidence_label(self) -> str:
        """E.g. "ESCAT I-A", "NCT m1B (is)"; empty when no evidence was given."""
        evidence = self.evidence
        return evidence.label if evidence is not None else ""

    @property
    def escat_tier(self) -> str | None:
        """The ESCAT tier when the evidence was graded on ESCAT (a crosswalked tier is not the board's)."""
        return self.evidence_level if self.evidence_scheme == ESCAT else None

    @property
    def trial_registrations(self) -> list[Registration]:
        return split_stored(self.trial_id)

    @property
    def trial_phase_label(self) -> str:
        return str(TRIAL_PHASES[self.trial_phase]) if self.trial_phase in TRIAL_PHASES else ""


