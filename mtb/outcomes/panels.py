"""What the outcomes part shows on the home page (follow-ups due) and on the case page."""

from __future__ import annotations

from mtb.accounts.models import is_signed_in
from mtb.audit import services as audit
from mtb.db import utcnow
from mtb.formatting import to_local
from mtb.outcomes import queries
from mtb.outcomes.models import may_record
from mtb.panels import Panel, panel


@panel("home", priority=12)
def follow_ups_due(user) -> Panel | None:
    """The referring clinician's follow-ups due; for a secretary, a link to each board's list."""
    if not is_signed_in(user):
        return None
    mine, more, secretary_of = queries.follow_up_tasks(user, utcnow())
    if not mine and not secretary_of:
        return None
    return Panel("outcomes/_home.html", {"mine": mine, "more": more, "secretary_of": secretary_of})


@panel("case", priority=35)
def case_follow_up(case, user) -> Panel | None:
    """Each followed recommendation of the case's validated decision, milestone by milestone."""
    followed = queries.followed_on_case(case.id)
    if not followed:
        return None
    today = to_local(utcnow(), case.board.timezone).date()
    rows = []
    for recommendation, decided_at, follow_ups in followed:
        current = {follow_up.milestone_months: follow_up for follow_up in follow_ups}
        milestones = []
        for months in case.board.follow_up_months or []:
            due = queries.due_on(decided_at, months, case.board.timezone)
            milestones.append((months, due, due <= today, queries.is_overdue(due, today), current.get(months)))
        rows.append((recommendation, milestones))
    # The follow-ups shown are patient data: one read for the panel.
    audit.record_read("case.follow_up_view", case, board_id=case.board_id, user=user, details={
        "case": case.reference, "recommendations": [recommendation.id for recommendation, _rows in rows]})
    return Panel("outcomes/_case_panel.html", {"case": case, "rows": rows, "can_record": may_record(case, user)})
