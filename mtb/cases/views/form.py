"""The case form: a new case or an edit, with its biomarker rows and report files.

Rows are added, removed and alias symbols swapped by posting the form (the script does
the same without a round trip); a form shown again keeps everything typed, with every
problem at once next to its field.
"""

from __future__ import annotations

from decimal import Decimal

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mtb import access, transaction
from mtb.boards import services as boards
from mtb.cases import bp, checks, services, validation
from mtb.cases.biomarker_labels import number
from mtb.cases.forms import BiomarkerForm, CaseForm, received_uploads
from mtb.cases.models import Case
from mtb.cases.vocab import BIOMARKER_FIELDS, CASE_FIELDS, KIND_FIELDS, RESEARCH_COHORTS
from mtb.errors import ConflictError, InvalidInput
from mtb.extensions import db
from mtb.idempotency import once


@bp.route("/cases/new")
@login_required
def choose_board():
    """A clinician of several boards picks where the case goes."""
    options = [b for b in boards.boards_of(current_user) if Case.can_create(current_user, b)]
    if not options:
        access.refuse(403, "Board", None, "create_case")
    if len(options) == 1:
        return redirect(url_for("cases.new", slug=options[0].slug))
    return render_template("cases/choose_board.html", options=options)


@bp.route("/boards/<slug>/cases/new", methods=["GET", "POST"])
@login_required
@once
def new(slug: str):
    board = boards.get_board(slug)
    if not Case.can_create(current_user, board):
        access.refuse(403, "Board", board.id, "create_case")
    form = CaseForm()
    if request.method == "GET":
        form.biomarkers.append_entry()
    else:
        response = _handle_post(form, board=board, case=None)
        if response is not None:
            return response
    return _render_form(form, board=board, case=None)


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
@once
def edit(case_id: int):
    case = access.case_or_404(case_id, need="manage", full=True)
    if not case.can_edit(current_user):
        flash(_("This case can no longer be edited: it is %(status)s.", status=case.status.value), "warning")
        return redirect(url_for("cases.view", case_id=case.id))
    if request.method == "GET":
        form = CaseForm(obj=case)
        _fill_from_case(form, case)
        services.record_view(case)
    else:
        form = CaseForm()
        response = _handle_post(form, board=case.board, case=case)
        if response is not None:
            return response
    return _render_form(form, board=case.board, case=case)


@bp.route("/cases/icd10")
@login_required
def icd10_lookup():
    """The WHO description of an ICD-10 code, for the form's live hint."""
    code = request.args.get("code", "")[:12]
    try:
        normalised, description = checks.check_icd10(code)
    except InvalidInput as error:
        return jsonify(valid=False, message=error.message)
    return jsonify(valid=True, code=normalised, description=description)


# --- Posting the form ------------------------------------------------------------

def _handle_post(form: CaseForm, *, board, case: Case | None):
    """Add/remove a row, swap an alias for its approved symbol, or save.

    Returns a redirect when saved; None to show the form again (all typed values kept).
    """
    if "add_row" in request.form:
        form.biomarkers.append_entry()
        _shown_again(form)
        return None
    if "remove_row" in request.form:
        _remove_row(form, request.form["remove_row"])
        _shown_again(form)
        return None
    if "use_symbol" in request.form:
        _use_symbol(form, request.form["use_symbol"])
        _shown_again(form)
        return None
    submit = request.form.get("action", "save") == "submit"
    complete = submit or (case is not None and not case.is_draft)
    if not form.validate():
        _drop_blank_row_errors(form)
        if _has_errors(form):
            # Show the domain checks too, so one round trip reveals every problem.
            values, rows = _form_values(form)
            try:
                validation.check_case_form(values, rows, complete=complete)
            except validation.CaseInputError as error:
                _attach_errors(form, error, only_fields_without_errors=True)
            _shown_again(form)
            return None
    values, rows = _form_values(form)
    uploads = received_uploads(form.report_files)
    try:
        if case is None:
            case = services.create_case(board, current_user, values, rows, uploads, submit=submit)
        else:
            services.update_case(case, current_user, values, rows, uploads,
                                 expected_version=form.version.data, submit=submit)
    except validation.CaseInputError as error:
        transaction.roll_back()  # a half-made case (its reference, its rows) is not shown
        _attach_errors(form, error)
        _shown_again(form)
        return None
    except ConflictError:
        transaction.roll_back()
        current = db.session.get(Case, case.id)
        form.version.data = str(current.version)
        form.conflict = current
        form.conflict_event = _last_save(current)
        _shown_again(form)
        return None
    if case.is_draft:
        flash(_("Draft %(ref)s saved. Submit it when the picture is complete.", ref=case.reference), "success")
    elif submit:
        flash(_("Case %(ref)s submitted to %(board)s.", ref=case.reference, board=case.board.name), "success")
    else:
        flash(_("Case %(ref)s saved.", ref=case.reference), "success")
    return redirect(url_for("cases.view", case_id=case.id))


def _shown_again(form: CaseForm) -> None:
    """The form is shown again, so nothing was saved and browsers cannot refill a file
    input: check the chosen files now (a bad one is reported at once, next to the
    field) and name the good ones, to be chosen again."""
    field = form.report_files
    checked, problems = validation.sort_uploads(received_uploads(field))
    known = set(field.errors or [])
    field.errors = list(field.errors or []) + [m for m in problems if m not in known]
    form.files_to_choose_again = [f.filename for f in checked]


def _render_form(form: CaseForm, *, board, case: Case | None):
    icd_description = None
    if form.icd10_code.data:
        try:
            _code, icd_description = checks.check_icd10(form.icd10_code.data)
        except InvalidInput:
            icd_description = None
    status = 200
    if request.method == "POST":
        status = 409 if getattr(form, "conflict", None) is not None else (422 if _has_errors(form) else 200)
    return render_template(
        "cases/form.html", form=form, board=board, case=case, icd_description=icd_description,
        kind_fields=KIND_FIELDS, template_row=BiomarkerForm(prefix="biomarkers-__prefix__-"),
    ), status


# --- Between the form and the domain's values ------------------------------------

def _fill_from_case(form: CaseForm, case: Case) -> None:
    form.version.data = str(case.version)
    form.patient_sex.data = case.patient_sex.value
    form.urgency.data = case.urgency.value
    form.ecog.data = "" if case.ecog is None else str(case.ecog)
    consent = case.research_consent or []
    form.research_consent.data = [c for c in consent if c in RESEARCH_COHORTS]
    form.research_consent_other.data = ", ".join(c for c in consent if c not in RESEARCH_COHORTS)
    while len(form.biomarkers.entries):
        form.biomarkers.pop_entry()
    for biomarker in case.biomarkers:
        entry = form.biomarkers.append_entry()
        sub = entry.form
        sub.biomarker_id.data = str(biomarker.id)
        for name in BIOMARKER_FIELDS:
            value = getattr(biomarker, name)
            if hasattr(value, "value"):
                value = value.value
            elif isinstance(value, Decimal):
                value = Decimal(number(value))  # 32.00 shows as 32
            sub[name].data = value
    if not case.biomarkers:
        form.biomarkers.append_entry()


def _form_values(form: CaseForm) -> tuple[dict, list[dict]]:
    values = {name: form[name].data for name in CASE_FIELDS if name in form}
    values["research_consent_other"] = form.research_consent_other.data
    rows = []
    for entry in form.biomarkers.entries:
        row = {name: entry.form[name].data for name in BIOMARKER_FIELDS}
        row["biomarker_id"] = entry.form.biomarker_id.data
        row["_prefix"] = entry.name
        rows.append(row)
    return values, rows


def _last_save(case: Case):
    """The latest timeline entry that changed the case itself (who saved it, when)."""
    saves = [e for e in case.events if not e.kind.startswith("attachment_")]
    return saves[-1] if saves else None


def _drop_blank_row_errors(form: CaseForm) -> None:
    """A row left entirely blank is dropped on save, so its shape errors do not count."""
    for entry in form.biomarkers.entries:
        if entry.form.is_blank():
            for sub in entry.form:
                sub.errors = []
    row_errors = [entry.errors for entry in form.biomarkers.entries]
    form.biomarkers.errors = row_errors if any(row_errors) else []


def _remove_row(form: CaseForm, row_name: str) -> None:
    kept = [e for e in form.biomarkers.entries if e.name != row_name]
    form.biomarkers.entries = kept
    if not kept:
        form.biomarkers.append_entry()


def _use_symbol(form: CaseForm, spec: str) -> None:
    """"biomarkers-2-gene=ERBB2": replace the typed alias by the approved symbol."""
    field_name, _sep, symbol = spec.partition("=")
    for entry in form.biomarkers.entries:
        for sub in entry.form:
            if sub.name == field_name and sub.short_name in ("gene", "gene_3p"):
                sub.data = symbol.strip()[:40]
                sub.raw_data = [sub.data]


def _attach_errors(form: CaseForm, error: validation.CaseInputError,
                   only_fields_without_errors: bool = False) -> None:
    fields = {f.name: f for f in form}
    for entry in form.biomarkers.entries:
        fields.update({sub.name: sub for sub in entry.form})
    form.general_errors = []
    for name, messages in error.errors.items():
        target = fields.get(name)
        if target is None:
            form.general_errors.extend(messages)
        elif not (only_fields_without_errors and target.errors):
            target.errors = list(target.errors or []) + messages
    form.suggestions = error.suggestions


def _has_errors(form: CaseForm) -> bool:
    if getattr(form, "general_errors", None):
        return True
    fields = list(form)
    for entry in form.biomarkers.entries:
        fields.extend(entry.form)
    return any(f.errors for f in fields if not isinstance(f.errors, dict))
