"""Follow-up models: what became of each recommendation at 3, 6 and 12 months.

A ``FollowUp`` row is one *version* of the follow-up of one recommendation at one
milestone (months after the validated decision). A correction is a new row with the next
version and a reason; the earlier row stays readable and loses ``is_current``, as decisions do.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mtb.accounts.models import Role, is_signed_in
from mtb.cases.labelled import LABELS, Labelled
from mtb.db import enum_column, utcnow
from mtb.decisions.models import Decision, RecommendationKind
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.i18n import lazy_gettext as _l

if TYPE_CHECKING:
    from mtb.accounts.models import User
    from mtb.cases.models import Case
    from mtb.decisions.models import Recommendation

#: The dashboards and the follow-ups due read a board's decisions taken in a period, and
#: the dashboards' cache key the newest validation (declared here, on the decisions table,
#: because this part is the one that asks).
DECISIONS_BY_BOARD_AND_DAY = sa.Index("ix_decisions_board_decided", Decision.board_id, Decision.decided_at)
DECISIONS_BY_BOARD_AND_VALIDATION = sa.Index("ix_decisions_board_validated", Decision.board_id, Decision.validated_at)

#: Recommendations that are followed up (the others ask nothing of the patient's care).
FOLLOWED_KINDS = (RecommendationKind.TARGETED_THERAPY, RecommendationKind.CLINICAL_TRIAL,
                  RecommendationKind.STANDARD_OF_CARE, RecommendationKind.FURTHER_TESTING,
                  RecommendationKind.GERMLINE_COUNSELLING)
#: Recommendations of a therapy: the implementation rate is theirs (the published ~20 %
#: is the share of patients who received the recommended therapy).
THERAPY_KINDS = (RecommendationKind.TARGETED_THERAPY, RecommendationKind.CLINICAL_TRIAL)


def may_record(case, user) -> bool:
    """Who records a follow-up: the referring clinician (the case's submitter) and the
    board's secretaries. Fails closed."""
    if not is_signed_in(user):
        return False
    return case.submitter_id == user.id or user.is_secretary(case.board_id)


def may_list_due(board_id: int, user) -> bool:
    """A board's list of follow-ups due: its secretaries, and administrators."""
    return is_signed_in(user) and (user.is_admin or user.is_secretary(board_id))


def may_see_dashboard(board_id: int, user) -> bool:
    """A board's dashboard: its members, chairs and secretaries, and administrators."""
    if not is_signed_in(user):
        return False
    return user.is_admin or user.has_role(board_id, Role.MEMBER, Role.CHAIR, Role.SECRETARY)


class TreatmentAccess(Labelled):
    """How the patient obtained the recommended treatment."""

    APPROVED = "approved"
    OFF_LABEL = "off_label"
    COMPASSIONATE = "compassionate"
    TRIAL = "trial"


class Response(Labelled):
    """Best overall response, RECIST 1.1."""

    CR = "CR"
    PR = "PR"
    SD = "SD"
    PD = "PD"
    NE = "NE"


class NotImplementedReason(Labelled):
    """Why a recommendation was not implemented (after the MII MTB module's list)."""

    PATIENT_DECLINED = "patient_declined"
    DETERIORATION = "clinical_deterioration"
    DEATH = "death"
    PROGRESSION = "progression_before_start"
    REIMBURSEMENT_REFUSED = "reimbursement_refused"
    REIMBURSEMENT_PENDING = "reimbursement_pending"
    NO_TRIAL_SLOT = "no_trial_slot"
    OTHER_THERAPY = "other_therapy_chosen"
    LOST = "lost_to_follow_up"
    OTHER = "other"


LABELS.update({
    TreatmentAccess: {
        TreatmentAccess.APPROVED: _l("Approved indication"), TreatmentAccess.OFF_LABEL: _l("Off-label"),
        TreatmentAccess.COMPASSIONATE: _l("Compassionate use"), TreatmentAccess.TRIAL: _l("Enrolled in a trial"),
    },
    Response: {
        Response.CR: _l("Complete response (CR)"), Response.PR: _l("Partial response (PR)"),
        Response.SD: _l("Stable disease (SD)"), Response.PD: _l("Progressive disease (PD)"),
        Response.NE: _l("Not evaluable"),
    },
    NotImplementedReason: {
        NotImplementedReason.PATIENT_DECLINED: _l("Patient declined"),
        NotImplementedReason.DETERIORATION: _l("Clinical deterioration"),
        NotImplementedReason.DEATH: _l("Death"),
        NotImplementedReason.PROGRESSION: _l("Progression before start"),
        NotImplementedReason.REIMBURSEMENT_REFUSED: _l("Reimbursement refused"),
        NotImplementedReason.REIMBURSEMENT_PENDING: _l("Reimbursement pending"),
        NotImplementedReason.NO_TRIAL_SLOT: _l("No trial slot"),
        NotImplementedReason.OTHER_THERAPY: _l("Another therapy chosen"),
        NotImplementedReason.LOST: _l("Lost to follow-up"),
        NotImplementedReason.OTHER: _l("Other reason"),
    },
})


class FollowUp(db.Model):
    """One version of the follow-up of one recommendation at one milestone."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        sa.UniqueConstraint("recommendation_id", "milestone_months", "version"),
        # The dashboards: a board's current follow-ups.
        sa.Index("ix_follow_ups_board_current", "board_id", "is_current"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendations.id", ondelete="CASCADE"),
                                                   index=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: Copied from the case so the dashboards filter by board in SQL.
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"), index=True)
    #: Months after the validated decision this follow-up is for (3, 6, 12 by default).
    milestone_months: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    #: The newest version of this milestone; earlier versions stay readable.
    is_current: Mapped[bool] = mapped_column(default=True)
    implemented: Mapped[bool]
    drug: Mapped[str | None] = mapped_column(sa.String(200))
    started_on: Mapped[date | None]
    #: Line of therapy the treatment was given as (1, 2, 3...).
    line: Mapped[int | None]
    access: Mapped[TreatmentAccess | None] = enum_column(TreatmentAccess, nullable=True)
    best_response: Mapped[Response | None] = enum_column(Response, nullable=True)
    #: When the best response was assessed.
    response_on: Mapped[date | None]
    stopped_on: Mapped[date | None]
    stop_reason: Mapped[str | None] = mapped_column(sa.String(300))
    serious_toxicity: Mapped[bool] = mapped_column(default=False)
    #: What the serious (grade 3 or more) toxicity was.
    toxicity_note: Mapped[str | None] = mapped_column(sa.String(300))
    reason: Mapped[NotImplementedReason | None] = enum_column(NotImplementedReason, nullable=True)
    #: The reason in words, required for "other".
    reason_other: Mapped[str | None] = mapped_column(sa.String(300))
    note: Mapped[str | None] = mapped_column(sa.Text)
    #: Why a later version changed the entry (required from version 2 on).
    change_reason: Mapped[str | None] = mapped_column(sa.String(300))
    #: A copy a correction took over: the decision version it was recorded on. Its reason
    #: is worded when shown (``change_reason_text``), in the reader's language.
    carried_from_version: Mapped[int | None]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    recommendation: Mapped[Recommendation] = relationship()
    decision: Mapped[Decision] = relationship()
    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def change_reason_text(self) -> str | None:
        if self.carried_from_version is not None:
            return _("Carried over from decision version %(n)d", n=self.carried_from_version)
        return self.change_reason

    @property
    def status_label(self) -> str:
        return str(_l("Implemented")) if self.implemented else str(_l("Not implemented"))

    @property
    def reason_text(self) -> str:
        if self.reason is None:
            return ""
        if self.reason is NotImplementedReason.OTHER and self.reason_other:
            return f"{self.reason.label}: {self.reason_other}"
        return self.reason.label

    def __repr__(self) -> str:
        return f"<FollowUp rec={self.recommendation_id} {self.milestone_months}m v{self.version}>"
