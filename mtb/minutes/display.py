"""What the decisions page prints of each decision, kept per worker (``mtb.fragments``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy.orm import lazyload, load_only, selectinload

from mtb import fragments
from mtb.cases.models import Case
from mtb.decisions.models import Decision
from mtb.extensions import db
from mtb.minutes.queries import DecisionLine


def decision_rows(lines: list[DecisionLine], letter_ids: dict[int, int]) -> dict[int, Markup]:
    """Each decision's row (``minutes/_decision_row.html``), by id.

    A decision on the decisions page is validated and published: what it says no longer
    changes (a correction is a decision of its own, which takes its place). Its row is
    kept under the decision's row version, its case's version (the reference and diagnosis
    it prints), its letter and the reader's language; only the rows not kept read their
    decisions, cases and recommendations, in three statements."""
    macro = get_template_attribute("minutes/_decision_row.html", "decision_row")
    store = fragments.kept("decision-row")
    locale = str(get_locale())
    keys = {line.id: (line.id, line.row_version, line.case_version, letter_ids.get(line.id), locale) for line in lines}
    rows = {decision_id: store.peek(key) for decision_id, key in keys.items()} if store is not None else {}
    unkept = [decision_id for decision_id in keys if rows.get(decision_id) is None]
    if unkept:
        for decision in db.session.scalars(
            sa.select(Decision).where(Decision.id.in_(unkept)).options(
                # Of the case, what the row prints.
                selectinload(Decision.case).options(load_only(Case.reference, Case.diagnosis, Case.version),
                                                    lazyload(Case.submitter), lazyload(Case.board)),
                selectinload(Decision.recommendations), lazyload(Decision.letter))
        ):
            rows[decision.id] = macro(decision, letter_ids.get(decision.id))
            if store is not None:
                store.put(keys[decision.id], rows[decision.id])
    return rows
