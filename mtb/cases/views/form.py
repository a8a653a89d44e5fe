"""The case form: a new case or an edit, with its molecular reports, biomarker rows and
report files.

Rows and reports are added and removed, alias symbols swapped and fusions split by posting
the form (the script does the same without a round trip); a form shown again keeps
everything typed, with every problem at once next to its field.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from mtb import access, transaction
from mtb.boards import services as boards
from mtb.cases import bp, checks, completeness, services, validation
from mtb.cases.forms import BiomarkerForm, CaseForm, ReportForm, received_uploads
from mtb.cases.models import Case
from mtb.cases.views import form_data
from mtb.cases.vocab import KIND_FIELDS
from mtb.errors import ConflictError, InvalidInput
from mtb.extensions import db
from mtb.i18n import gettext as _
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
        form_data.new_report(form)
        form_data.new_row(form)
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
        flash(case.edit_refusal(), "warning")  # managed here (need="manage"): the refusal says why
        return redirect(url_for("cases.view", case_id=case.id))
    if request.method == "GET":
        form = CaseForm(obj=case)
        form_data.fill_from_case(form, case)
        services.record_view(case)
    else:
        form = CaseForm()
        response = _handle_post(form, board=case.board, case=case)
        if response is not None:
            return response
    return _render_form(form, board=case.board, case=case)


# --- Posting the form ------------------------------------------------------------

def _handle_post(form: CaseForm, *, board, case: Case | None):
    """Add/remove a row or a report, take an approved symbol, split a fusion, or save.

    Returns a redirect when saved; None to show the form again (all typed values kept).
    """
    buttons = {
        "add_row": lambda value: form_data.new_row(form),
        "add_report": lambda value: form_data.new_report(form),
        "remove_row": lambda value: form_data.remove_entry(form, value),
        "use_symbol": lambda value: form_data.use_symbol(form, value),
        "split_fusion": lambda value: form_data.split_fusion(form, value),
    }
    for button, act in buttons.items():
        if button in request.form:
            act(request.form[button])
            _shown_again(form)
            return None
    submit = request.form.get("action", "save") == "submit"
    complete = submit or (case is not None and not case.is_draft)
    values, reports, rows = form_data.form_values(form)
    if not form.validate():
        form_data.drop_blank_errors(form)
        if form_data.has_errors(form):
            # Show the domain checks too, so one round trip reveals every problem.
            form_data.with_refused_text(form, rows)
            try:
                validation.check_case_form(values, rows, complete=complete, reports=reports)
            except validation.CaseInputError as error:
                form_data.attach_errors(form, error, only_fields_without_errors=True)
            _shown_again(form)
            return None
    uploads = received_uploads(form.report_files)
    try:
        if case is None:
            case = services.create_case(board, current_user, values, rows, uploads, submit=submit, reports=reports)
        else:
            services.update_case(case, current_user, values, rows, uploads, expected_version=form.version.data,
                                 submit=submit, reports=reports)
    except validation.CaseInputError as error:
        transaction.roll_back()  # a half-made case (its reference, its rows) is not shown
        form_data.attach_errors(form, error)
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
    _flash_remarks(form, values, reports, rows)
    return redirect(url_for("cases.view", case_id=case.id))


def _flash_remarks(form: CaseForm, values: dict, reports: list[dict], rows: list[dict]) -> None:
    """After a save: what was normalised, and the warnings that did not refuse it."""
    labels = form_data.field_labels(form)
    remarks = validation.remarks(values, rows, reports)
    for category, where in (("warning", remarks.warnings), ("info", remarks.notes)):
        for name, messages in where.items():
            for message in messages:
                flash(f"{labels[name]}: {message}" if name in labels else message, category)


def _last_save(case: Case):
    """The latest timeline entry that changed the case itself (who saved it, when)."""
    saves = [e for e in case.events if not e.kind.startswith("attachment_")]
    return saves[-1] if saves else None


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
        status = 409 if getattr(form, "conflict", None) is not None else (422 if form_data.has_errors(form) else 200)
    template_row = BiomarkerForm(prefix="biomarkers-__prefix__-")
    form_data.set_report_choices(form, template_row)
    return render_template(
        "cases/form.html", form=form, board=board, case=case, icd_description=icd_description,
        icd10_outside_neoplasms=checks.outside_neoplasms(form.icd10_code.data), kind_fields=KIND_FIELDS,
        template_row=template_row, template_report=ReportForm(prefix="reports-__prefix__-"),
        completeness_lacking=completeness.missing_in_form(board, form),
    ), status
