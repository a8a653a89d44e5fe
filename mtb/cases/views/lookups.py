"""What the case form looks up as you type: the WHO words of an ICD-10 code, and the
form a biomarker field is stored in (or why it would be refused). Each answers JSON
from the same checks a save runs, so the hint shows exactly what a save stores."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import login_required

from mtb.cases import bp, checks
from mtb.cases.descriptions import DESCRIPTION_FIELDS, check_descriptions, live_hint
from mtb.cases.gene_checks import check_gene
from mtb.cases.problems import Problems
from mtb.errors import InvalidInput
from mtb.i18n import gettext as _

#: Longest value read from the query string (longer text is refused by the checks anyway).
_MAX = 600


def _arg(name: str) -> str:
    return request.args.get(name, "")[:_MAX]


@bp.route("/cases/icd10")
@login_required
def icd10_lookup():
    """The WHO description of an ICD-10 code, for the form's live hint."""
    code = request.args.get("code", "")[:12]
    try:
        normalised, description = checks.check_icd10(code)
    except InvalidInput as error:
        return jsonify(valid=False, message=error.message)
    answer = {"valid": True, "code": normalised, "description": description}
    if checks.outside_neoplasms(normalised):
        answer["warning"] = _("Not a neoplasm code (C00–D48): saving asks you to confirm it.")
    return jsonify(answer)


@bp.route("/cases/check")
@login_required
def check_field():
    """One biomarker field as a save would store it: ``?field=hgvs_c&value=...`` with the
    row's ``gene`` and ``transcript`` (a clash between them is reported)."""
    name = _arg("field")
    if name in ("gene", "gene_3p"):
        return jsonify(_gene_hint(name, _arg("value")))
    if name not in DESCRIPTION_FIELDS:
        return jsonify(valid=False, message=""), 400
    typed = {f: _arg(f) for f in DESCRIPTION_FIELDS}
    typed[name] = _arg("value")
    return jsonify(live_hint(name, check_descriptions(typed, _arg("gene").strip() or None)))


def _gene_hint(name: str, value: str) -> dict:
    """A gene field: the approved symbol, the alias refused with its approved symbols, the
    clinical name warned of, a fusion typed as one gene offered as its two partners."""
    if not value.strip():
        return {"valid": True, "message": ""}
    problems = Problems()
    symbol = check_gene(value, name, problems, fusion_offer=(name == "gene"))
    split = problems.splits.get(name)
    if problems.errors:
        return {"valid": False, "message": " ".join(problems.errors[name]), "split": split,
                "suggestions": list(problems.suggestions.get(name, ()))}
    return {"valid": True, "value": symbol, "message": " ".join(problems.warnings.get(name, [])),
            "suggestions": list(problems.suggestions.get(name, ()))}
