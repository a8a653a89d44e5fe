"""Recording follow-ups: each save is a new version, audited; nothing is overwritten."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from mtb.audit import services as audit
from mtb.db import utcnow
from mtb.decisions.models import Recommendation
from mtb.errors import ConflictError, InvalidInput, NotAllowed
from mtb.extensions import db
from mtb.formatting import to_local
from mtb.outcomes.models import FollowUp, may_record
from mtb.outcomes.validation import check_follow_up
from mtb.transaction import lock_row

#: What a later version is compared on: saving the same entry again makes no new version.
COMPARED = ("implemented", "drug", "started_on", "line", "access", "best_response", "response_on", "stopped_on",
            "stop_reason", "serious_toxicity", "toxicity_note", "reason", "reason_other", "note")


def record_follow_up(recommendation: Recommendation, months: int, user, values: dict, *,
                     change_reason: str | None = None, now: datetime | None = None) -> FollowUp:
    """Record the follow-up of ``recommendation`` at ``months`` after its decision.

    Raises NotAllowed (not the submitter nor a secretary of the board), InvalidInput /
    FollowUpInputError (a milestone the board does not follow, dates out of order, a missing
    reason). A second save is a new version with a reason; the first stays readable.
    """
    decision = recommendation.decision
    case = decision.case
    if not may_record(case, user):
        raise NotAllowed(_("Only the referring clinician and the board's secretaries record follow-ups."))
    if months not in (case.board.follow_up_months or []):
        raise InvalidInput("milestone", _("This board does not follow recommendations at %(months)d months.",
                                          months=months))
    now = now or utcnow()
    decided_on = to_local(decision.validated_at, case.board.timezone).date()
    clean = check_follow_up(values, decided_on=decided_on, today=to_local(now, case.board.timezone).date())
    # Two saves of the same milestone at once (a double click) queue on the recommendation's
    # row: the second sees the first's version instead of colliding with it.
    lock_row(Recommendation, recommendation)
    current = db.session.scalar(
        sa.select(FollowUp).where(FollowUp.recommendation_id == recommendation.id,
                                  FollowUp.milestone_months == months, FollowUp.is_current.is_(True))
    )
    if current is not None:
        if all(getattr(current, name) == clean.get(name) for name in COMPARED):
            return current
        change_reason = (change_reason or "").strip()[:300]
        if not change_reason:
            raise InvalidInput("change_reason", _("Say why the follow-up recorded on %(day)s changes.",
                                                  day=to_local(current.recorded_at, case.board.timezone).date().isoformat()))
        current.is_current = False
        db.session.flush()
    follow_up = FollowUp(
        recommendation_id=recommendation.id, decision_id=decision.id, case_id=case.id, board_id=case.board_id,
        milestone_months=months, version=(current.version + 1) if current else 1, is_current=True,
        change_reason=change_reason if current else None, recorded_by_id=user.id, recorded_at=now, **clean,
    )
    db.session.add(follow_up)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # SQLite does not lock the row: a double submit's second save collides with the first.
        raise ConflictError(_("This follow-up was saved by another submission at the same time. "
                              "Check what is recorded now and submit again if it needs correcting.")) from None
    audit.record("follow_up.recorded", follow_up, board_id=case.board_id, user=user, details={
        "case": case.reference, "recommendation": recommendation.id, "months": months, "version": follow_up.version,
        "implemented": follow_up.implemented, "reason": follow_up.reason.value if follow_up.reason else None,
    })
    return follow_up
