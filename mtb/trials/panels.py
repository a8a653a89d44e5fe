"""What the trials part shows on the case page: the recruiting trials the case matches."""

from __future__ import annotations

from flask_babel import get_locale

from mtb import fragments
from mtb.cases.models import Case
from mtb.db import utcnow
from mtb.panels import Panel, panel
from mtb.trials import queries

_TEMPLATE = "trials/_case_panel.html"


@panel("case", priority=25)
def case_trials(case: Case, user) -> Panel | None:
    """The board's recruiting trials this case matches, with what matched and what is unknown.
    Not on a draft's page: a draft is its author's working copy, not yet the board's.

    The same for every reader: kept per worker (``mtb.fragments``) under all it depends
    on, the case's version (its findings and clinical facts move it), the registry's
    stamp, the day (ages change) and the reader's language. A view then reads the stamp,
    not the board's trials."""
    if case.is_draft and not case.biomarkers:
        return None
    store = fragments.kept("case-trials-panel")
    if store is None:
        return _panel(case)
    key = (case.id, case.version, queries.registry_stamp(), utcnow().date(), str(get_locale()))
    kept = store.get(key, lambda: _panel(case, printed=True) or _NO_PANEL)
    return None if kept is _NO_PANEL else kept


_NO_PANEL = Panel(_TEMPLATE)  # kept for a board without recruiting trials


def _panel(case: Case, *, printed: bool = False) -> Panel | None:
    trials = queries.recruiting_trials({case.board_id})
    if not trials:
        return None
    context = {"case": case, "matches": queries.matches_for_case(case, trials)}
    return Panel.printed(_TEMPLATE, context) if printed else Panel(_TEMPLATE, context)
