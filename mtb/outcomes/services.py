"""Recording follow-ups: each save is a new version, audited; nothing is overwritten."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from mtb.audit import services as audit
from mtb.db import utcnow
from mtb.decisions.models import Decision, Recommendation
from mtb.errors import ConflictError, InvalidInput, NotAllowed
from mtb.extensions import db
from mtb.formatting import local_date, to_local
from mtb.i18n import gettext as _
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
    # The board decided when the first version was validated: a correction's later date
    # would refuse a treatment started in between.
    decided_on = to_local(decision.decided_at, case.board.timezone).date()
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
                                                  day=local_date(to_local(current.recorded_at, case.board.timezone).date())))
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


def carry_over(decision: Decision, previous: Decision | None, user) -> list[FollowUp]:
    """A validated correction takes over the follow-ups recorded on the version it supersedes.

    Each current follow-up goes to the correction's recommendation for the same thing (same
    kind and the same drug, trial or test, in any case); one whose recommendation the
    correction changed or dropped stays with the superseded version, to be recorded again.
    Copies, not moves: what was recorded on the earlier version stays as it was."""
    if previous is None or previous.id == decision.id:
        return []
    recorded = list(db.session.scalars(
        sa.select(FollowUp).where(FollowUp.decision_id == previous.id, FollowUp.is_current.is_(True))
        .order_by(FollowUp.recommendation_id, FollowUp.milestone_months)))
    if not recorded:
        return []
    targets = _counterparts(previous.recommendations, decision.recommendations)
    taken = {(f.recommendation_id, f.milestone_months) for f in db.session.scalars(
        sa.select(FollowUp).where(FollowUp.decision_id == decision.id, FollowUp.is_current.is_(True)))}
    carried = []
    for entry in recorded:
        target = targets.get(entry.recommendation_id)
        if target is None or (target.id, entry.milestone_months) in taken:
            continue
        copy = FollowUp(recommendation_id=target.id, decision_id=decision.id, case_id=entry.case_id,
                        board_id=entry.board_id, milestone_months=entry.milestone_months, version=1, is_current=True,
                        carried_from_version=previous.version,
                        recorded_by_id=entry.recorded_by_id, recorded_at=entry.recorded_at,
                        **{name: getattr(entry, name) for name in COMPARED})
        db.session.add(copy)
        carried.append(copy)
    if carried:
        db.session.flush()
        audit.record("follow_up.carried_over", decision, board_id=decision.board_id, user=user, details={
            "case": decision.case.reference, "from_version": previous.version, "to_version": decision.version,
            "follow_ups": len(carried)})
    return carried


def _subject(recommendation: Recommendation) -> str:
    words = recommendation.drug or recommendation.trial_id or recommendation.test_name or ""
    return " ".join(words.lower().split())


def _counterparts(old_ones, new_ones) -> dict[int, Recommendation]:
    """Each earlier recommendation's counterpart in the correction, one to one: same kind and
    the same drug, trial or test (both without one: a genetics referral), the one at the same
    position first. Two alike ("standard of care" twice) pair in order."""
    free = list(new_ones)
    pairs = {}
    for old in sorted(old_ones, key=lambda r: r.position):
        same = [r for r in free if r.kind == old.kind and _subject(r) == _subject(old)]
        if same:
            pairs[old.id] = next((r for r in same if r.position == old.position), same[0])
            free.remove(pairs[old.id])
    return pairs
