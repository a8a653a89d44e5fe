"""What the trials part shows on the case page: the recruiting trials the case matches."""

from __future__ import annotations

from mtb.cases.models import Case
from mtb.panels import Panel, panel
from mtb.trials import queries


@panel("case", priority=25)
def case_trials(case: Case, user) -> Panel | None:
    """The board's recruiting trials this case matches, with what matched and what is unknown.
    Not on a draft's page: a draft is its author's working copy, not yet the board's."""
    if case.is_draft and not case.biomarkers:
        return None
    trials = queries.recruiting_trials({case.board_id})
    if not trials:
        return None
    return Panel("trials/_case_panel.html", {"case": case, "matches": queries.matches_for_case(case, trials)})
