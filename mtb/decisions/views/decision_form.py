"""The decision form as the session page and the correction page use it: built from a
saved version or from what was typed, with rows added or removed without losing a word."""

from __future__ import annotations

from flask import request
from flask_babel import get_locale
from markupsafe import Markup

from mtb import fragments
from mtb.decisions import bp, services
from mtb.decisions.evidence import corresponding_text, evidence_of
from mtb.decisions.forms import DecisionForm
from mtb.decisions.models import Decision
from mtb.http import db_int
from mtb.meetings.models import AgendaItem

# The decision macros show the chosen level's nearest levels on the other scales.
bp.add_app_template_global(corresponding_text, "corresponding_text")
bp.add_app_template_global(evidence_of, "evidence_of")


@bp.app_template_global()
def kept_recommendation(row, number: int, focused: bool, caller) -> Markup:
    """``{% call kept_recommendation(row, number, focused) %}``: a recommendation row of the
    decision form (``decisions/_macros.html``), printed once per worker for the same values
    (``mtb.fragments``): a session page shows the same blank row at every view of a case,
    seventeen fields and a list of forty levels. The key names all the block reads: the
    row's number and focus, each field's name, value and errors, the case's findings
    offered, the reader's language (the labels, hints and the levels' lists follow it)."""
    key = (number, focused, str(get_locale()),
           tuple((field.name, _frozen(field.data), tuple(map(str, field.errors))) for field in row),
           tuple((choice.value, str(choice.label)) for choice in row.biomarker_id.choices))
    return fragments.keep(fragments.kept("recommendation-row", capacity=500), key, caller)


def _frozen(value):
    """A field's value as a key: a list of check boxes ticked as a tuple."""
    return tuple(value) if isinstance(value, list) else value


def decision_form(item: AgendaItem, decision: Decision | None = None, formdata=None, data: dict | None = None,
                  correction: bool = False) -> DecisionForm:
    biomarkers = item.case.biomarkers
    if formdata is not None:
        return DecisionForm(formdata=formdata, biomarkers=biomarkers, correction=correction)
    if data is None:
        data = form_data(decision) if decision is not None else {"recommendations": [{}]}
    return DecisionForm(formdata=None, data=data, biomarkers=biomarkers, correction=correction)


def form_data(decision: Decision) -> dict:
    """A saved version as the form's data."""
    return {
        "row_version": decision.row_version,
        "summary": decision.summary,
        "correction_reason": decision.correction_reason or "",
        "recommendations": [
            {
                "kind": r.kind.value, "drug": r.drug or "", "biomarker_id": str(r.biomarker_id or ""),
                "evidence": r.evidence.value if r.evidence else "", "evidence_modifiers": list(r.evidence_modifiers or ()),
                "oncokb_level": r.oncokb_level or "",
                "access_route": r.access_route.value if r.access_route else "", "trial_id": r.trial_id or "",
                "trial_title": r.trial_title or "", "trial_phase": r.trial_phase or "",
                "trial_site": r.trial_site or "", "test_name": r.test_name or "", "test_sample": r.test_sample or "",
                "rationale": r.rationale or "",
            }
            for r in decision.recommendations
        ] or [{}],
    }


def typed_data(form: DecisionForm) -> dict:
    """What was typed in a posted decision form, as data for a new form."""
    return {
        "row_version": form.row_version.data, "summary": form.summary.data,
        "correction_reason": form.correction_reason.data, "recommendations": form.recommendation_data(),
    }


def rows_changed(form: DecisionForm, item: AgendaItem, correction: bool = False):
    """"Add recommendation" / "Remove" buttons: the same form back, one row more or less, nothing lost.
    A matching trial's button ("Recommend this trial") fills a clinical-trial row from the registry.

    Returns (the new form, the row to focus), or (None, None) when the post was a save. A trial
    that can no longer be recommended (closed or put on hold since the page was shown) leaves
    the rows as typed; the form carries why (``trial_refusal``), shown next to the trials.
    """
    data = typed_data(form)
    proposed = request.form.get("propose_trial", type=db_int)
    if proposed is not None:
        row = services.trial_recommendation(item, proposed)
        if row is None:
            refused = decision_form(item, data=data, correction=correction)
            refused.trial_refusal = services.trial_refusal(item, proposed)
            return refused, None
        rows = data["recommendations"]
        blank = next((i for i, r in enumerate(rows) if not (r.get("kind") or "").strip()), None)
        if blank is None:
            rows.append(row)
            blank = len(rows) - 1
        else:
            rows[blank] = row
        return decision_form(item, data=data, correction=correction), blank
    if request.form.get("action") == "add":
        data["recommendations"].append({})
        return decision_form(item, data=data, correction=correction), len(data["recommendations"]) - 1
    remove = request.form.get("remove", type=int)
    if remove is not None and 0 <= remove < len(data["recommendations"]):
        data["recommendations"].pop(remove)
        if not data["recommendations"]:
            data["recommendations"].append({})
        return decision_form(item, data=data, correction=correction), None
    return None, None
