"""What the decisions part shows on the case page and on the home page."""

from __future__ import annotations

from mtb.accounts.models import is_signed_in
from mtb.audit import services as audit
from mtb.cases.models import Case
from mtb.decisions import attendance, queries
from mtb.panels import Panel, panel


@panel("case", priority=30)
def case_panel(case: Case, user) -> Panel | None:
    """Decisions on this case: the versions the user may read, with their letters."""
    decisions = queries.decisions_on_case(case, user)
    if not decisions:
        return None
    # One read for the versions shown (a case discussed at ten meetings is one page view).
    audit.record_read("case.decisions_view", case, board_id=case.board_id, user=user, details={
        "case": case.reference, "decisions": [{"id": d.id, "version": d.version} for d in decisions]})
    return Panel("decisions/_case_panel.html", {"decisions": decisions, "case": case})


@panel("home", priority=30)
def home_panel(user) -> Panel | None:
    """"Decisions published since your last visit"."""
    if not is_signed_in(user):
        return None
    decisions = queries.published_since(user, user.previous_login_at)
    if not decisions and not user.board_ids():
        return None
    return Panel("decisions/_home.html", {"decisions": decisions, "since": user.previous_login_at})


@panel("home", priority=15)
def chair_panel(user) -> Panel | None:
    """For a chair, what waits for them: the draft decisions to validate, meeting by
    meeting (each linked to the page that validates them all), and the minutes to sign."""
    waiting = queries.drafts_to_validate(user)
    to_sign = queries.meetings_to_sign(user)
    if not waiting and not to_sign:
        return None
    return Panel("decisions/_home_chair.html", {"waiting": waiting, "to_sign": to_sign})


@panel("meeting", priority=20)
def my_conflicts(meeting, user) -> Panel | None:
    """On the agenda page, for the board's members: their own conflicts of interest, declared
    case by case before (or during) the meeting."""
    if not meeting.items or not attendance.may_declare_own(meeting, user):
        return None
    return Panel("decisions/_my_conflicts.html", {"meeting": meeting, "mine": attendance.own_recusals(meeting, user)})
