"""What pages print of the registry: its rows, and the trials a case matches on the session page."""

from __future__ import annotations

from typing import NamedTuple

from flask import get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup

from mtb import fragments
from mtb.db import utcnow
from mtb.trials import queries
from mtb.trials.matching import criteria_texts
from mtb.trials.models import Trial


def registry_rows(listed: list[queries.ListedTrial], user, *, can_create: bool) -> list[Markup]:
    """Each listed trial's row of the registry table (``trial_row``), kept per worker
    (``mtb.fragments``). The key names all the row prints: the trial's version (it moves
    with every save and import, its boards included), its boards' names (renaming a board
    does not move it), the reader's language and whether they may edit it. Only the trials
    whose row is not kept are loaded: the registry is read far more often than a trial
    changes, and loading and printing its 120 trials was most of its time."""
    row = get_template_attribute("trials/_macros.html", "trial_row")
    locale = str(get_locale())
    store = fragments.kept("trial-row")
    keys = {}
    for trial in listed:
        can_edit = can_create and Trial.editable_on(user, [board_id for board_id, _ in trial.boards])
        keys[trial.id] = _RowKey(trial.id, trial.version, trial.boards, locale, can_create, can_edit)
    kept = {trial_id: store.peek(key) for trial_id, key in keys.items()} if store is not None else {}
    unkept = queries.trials_by_id(trial_id for trial_id in keys if kept.get(trial_id) is None)
    rows = []
    for trial_id, key in keys.items():
        html = kept.get(trial_id)
        if html is None:
            trial = unkept.get(trial_id)
            if trial is None:
                continue  # deleted between the two reads
            if trial.version == key.version and tuple((b.id, b.name) for b in trial.boards) == key.boards:
                html = row(trial, can_create, key.can_edit, criteria_texts)
                if store is not None:
                    store.put(key, html)
            else:  # saved between the two reads: shown as it is now, kept by the next view
                html = row(trial, can_create, can_create and trial.can_edit(user), criteria_texts)
        rows.append(html)
    return rows


class _RowKey(NamedTuple):
    trial_id: int
    version: int
    boards: tuple[tuple[int, str], ...]
    locale: str
    can_create: bool
    can_edit: bool


def session_match_items(case) -> Markup:
    """The recruiting trials of its board the case matches, as the session page lists them
    (``session_match_items``): kept per worker, as the case page's panel is, under the
    case's version, the registry's stamp, the day and the reader's language. The session
    page is printed again at every move between cases and every save."""
    macro = get_template_attribute("trials/_macros.html", "session_match_items")

    def printed() -> Markup:
        # Its findings through the case, not a query of their own: the page lists them too.
        case.biomarkers  # noqa: B018
        return Markup(macro(queries.matches_for_case(case)).strip())  # empty: no section

    store = fragments.kept("session-trials")
    if store is None:  # nothing kept: not even the registry's stamp is read
        return printed()
    return store.get((case.id, case.version, queries.registry_stamp(), utcnow().date(), str(get_locale())), printed)
