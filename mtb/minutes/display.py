"""What the decisions page prints of each decision, kept per worker (``mtb.fragments``)."""

from __future__ import annotations

from flask import get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup

from mtb import fragments
from mtb.db import load_collection
from mtb.decisions.models import Decision


def decision_rows(decisions: list[Decision], letter_ids: dict[int, int]) -> dict[int, Markup]:
    """Each decision's row (``minutes/_decision_row.html``), by id.

    A decision on the decisions page is validated and published: what it says no longer
    changes (a correction is a decision of its own, which takes its place). Its row is
    kept under the decision's row version, its case's version (the reference and diagnosis
    it prints), its letter and the reader's language; only the rows not kept read their
    recommendations, in one statement."""
    macro = get_template_attribute("minutes/_decision_row.html", "decision_row")
    store = fragments.kept("decision-row")
    locale = str(get_locale())
    keys = {d.id: (d.id, d.row_version, d.case.version, letter_ids.get(d.id), locale) for d in decisions}
    rows = {decision_id: store.peek(key) for decision_id, key in keys.items()} if store is not None else {}
    unkept = [d for d in decisions if rows.get(d.id) is None]
    load_collection(unkept, "recommendations")  # only the rows not kept print them
    for decision in unkept:
        rows[decision.id] = macro(decision, letter_ids.get(decision.id))
        if store is not None:
            store.put(keys[decision.id], rows[decision.id])
    return rows
