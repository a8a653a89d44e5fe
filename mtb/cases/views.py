"""Cases pages: board list, my cases, the case form, the case page, attachments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from mtb import sections
from mtb.accounts.models import Role
from mtb.boards import services as boards
from mtb.accounts.views import admin_required
from mtb.cases import bp, checks, genes, services
from mtb.cases.biomarker_labels import KIND_LABELS, number
from mtb.cases.forms import (
    KIND_FIELDS,
    SEX_LABELS,
    RESEARCH_COHORTS,
    AttachmentForm,
    BiomarkerForm,
    CaseForm,
    ConfirmForm,
    GeneSymbolForm,
    WithdrawForm,
)
from mtb.cases.models import Case, CaseStatus
from mtb.cases.uploads import content_disposition, sent_filename
from mtb.db import utcnow
from mtb.errors import ConflictError, InvalidInput, NotAllowed
from mtb.extensions import db

#: Timeline entries (CaseEvent.kind): statuses, and the verbs other parts add.
EVENT_LABELS = {
    "draft": _l("Created as draft"),
    "submitted": _l("Submitted to the board"),
    "scheduled": _l("Put on a meeting's agenda"),
    "discussed": _l("Discussed"),
    "decided": _l("Decision validated"),
    "deferred": _l("Deferred to a later meeting"),
    "withdrawn": _l("Withdrawn"),
    "edited": _l("Edited"),
    "attachment_added": _l("File attached"),
    "attachment_removed": _l("File removed"),
    "carried_over": _l("Carried over to the next meeting"),
}


# --- Lists ------------------------------------------------------------------

def _filters() -> services.CaseFilters:
    return services.CaseFilters(status=request.args.get("status", ""), q=request.args.get("q", "")[:100])


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.route("/boards/<slug>/cases")
@login_required
def board_cases(slug: str):
    board = boards.get_board(slug)
    if not current_user.has_role(board.id):
        abort(403)
    filters = _filters()
    page, meetings = services.list_cases(current_user, filters, page=_page(), board=board)
    return _commit_after(render_template(
        "cases/list.html", board=board, page=page, meetings=meetings, filters=filters,
        statuses=list(CaseStatus), endpoint="cases.board_cases",
        can_create=services.can_create_on(board, current_user),
    ))


@bp.route("/cases/mine")
@login_required
def mine():
    filters = _filters()
    page, meetings = services.list_cases(current_user, filters, page=_page(), mine=True)
    return _commit_after(render_template(
        "cases/list.html", board=None, page=page, meetings=meetings, filters=filters,
        statuses=list(CaseStatus), endpoint="cases.mine",
        can_create=bool(current_user.board_ids(Role.CLINICIAN)),
    ))


def _commit_after(html: str) -> str:
    """Commit the read's audit event once the page is rendered (committing first would
    expire the loaded rows and make the template load them again, row by row)."""
    db.session.commit()
    return html


# --- The case form -----------------------------------------------------------

@bp.route("/cases/new")
@login_required
def choose_board():
    """A clinician of several boards picks where the case goes."""
    options = [b for b in boards.boards_of(current_user) if services.can_create_on(b, current_user)]
    if not options:
        abort(403)
    if len(options) == 1:
        return redirect(url_for("cases.new", slug=options[0].slug))
    return render_template("cases/choose_board.html", options=options)


@bp.route("/boards/<slug>/cases/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    board = boards.get_board(slug)
    if not services.can_create_on(board, current_user):
        abort(403)
    form = CaseForm()
    if request.method == "GET":
        form.biomarkers.append_entry()
    else:
        response = _handle_case_post(form, board=board, case=None)
        if response is not None:
            return response
    return _render_form(form, board=board, case=None)


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
def edit(case_id: int):
    case = services.get_case(case_id, current_user)
    if not case.can_manage(current_user):
        abort(403)
    if not case.can_edit(current_user):
        flash(_("This case can no longer be edited: it is %(status)s.", status=case.status.value), "warning")
        return redirect(url_for("cases.view", case_id=case.id))
    if request.method == "GET":
        form = CaseForm(obj=case)
        _fill_form_from_case(form, case)
        services.record_view(case, current_user)
        db.session.commit()
    else:
        form = CaseForm()
        response = _handle_case_post(form, board=case.board, case=case)
        if response is not None:
            return response
    return _render_form(form, board=case.board, case=case)


def _fill_form_from_case(form: CaseForm, case: Case) -> None:
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
        for name in services.BIOMARKER_FIELDS:
            value = getattr(biomarker, name)
            if hasattr(value, "value"):
                value = value.value
            elif isinstance(value, Decimal):
                value = Decimal(number(value))  # 32.00 shows as 32
            sub[name].data = value
    if not case.biomarkers:
        form.biomarkers.append_entry()


def _form_values(form: CaseForm) -> tuple[dict, list[dict]]:
    values = {name: form[name].data for name in services.CASE_FIELDS if name in form}
    values["research_consent_other"] = form.research_consent_other.data
    rows = []
    for entry in form.biomarkers.entries:
        row = {name: entry.form[name].data for name in services.BIOMARKER_FIELDS}
        row["biomarker_id"] = entry.form.biomarker_id.data
        row["_prefix"] = entry.name
        rows.append(row)
    return values, rows


def _uploads(field) -> list[services.Upload]:
    """The chosen files, read once (the stream is kept on the field for later calls)."""
    cached = getattr(field, "uploads", None)
    if cached is None:
        files = [f for f in (field.data or []) if f and getattr(f, "filename", "")]
        cached = [services.Upload(sent_filename(f), f.read()) for f in files]
        field.uploads = cached
    return cached


def _handle_case_post(form: CaseForm, *, board, case: Case | None):
    """Add/remove a row, swap an alias for its approved symbol, or save.

    Returns a redirect when saved; None to re-render the form (all typed values kept).
    """
    action = request.form.get("action", "save")
    if "add_row" in request.form:
        form.biomarkers.append_entry()
        _check_files_not_kept(form)
        return None
    if "remove_row" in request.form:
        _remove_row(form, request.form["remove_row"])
        _check_files_not_kept(form)
        return None
    if "use_symbol" in request.form:
        _use_symbol(form, request.form["use_symbol"])
        _check_files_not_kept(form)
        return None
    submit = action == "submit"
    complete = submit or (case is not None and case.status is not CaseStatus.DRAFT)
    if not form.validate():
        _drop_blank_row_errors(form)
        if _has_errors(form):
            # Show the domain checks too, so one round trip reveals every problem.
            values, rows = _form_values(form)
            try:
                services.check_case_form(values, rows, complete=complete)
            except services.CaseInputError as error:
                _attach_errors(form, error, only_fields_without_errors=True)
            _check_files_not_kept(form)
            return None
    values, rows = _form_values(form)
    uploads = _uploads(form.report_files)
    try:
        if case is None:
            case = services.create_case(board, current_user, values, rows, uploads, submit=submit)
        else:
            services.update_case(case, current_user, values, rows, uploads,
                                 expected_version=form.version.data, submit=submit)
    except services.CaseInputError as error:
        db.session.rollback()
        _attach_errors(form, error)
        _check_files_not_kept(form)
        return None
    except ConflictError:
        db.session.rollback()
        current = db.session.get(Case, case.id)
        form.version.data = str(current.version)
        form.conflict = current
        form.conflict_event = _last_save(current)
        _check_files_not_kept(form)
        return None
    db.session.commit()
    if case.status is CaseStatus.DRAFT:
        flash(_("Draft %(ref)s saved. Submit it when the picture is complete.", ref=case.reference), "success")
        return redirect(url_for("cases.view", case_id=case.id))
    if submit:
        flash(_("Case %(ref)s submitted to %(board)s.", ref=case.reference, board=case.board.name), "success")
    else:
        flash(_("Case %(ref)s saved.", ref=case.reference), "success")
    return redirect(url_for("cases.view", case_id=case.id))


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


def _attach_errors(form: CaseForm, error: services.CaseInputError, only_fields_without_errors: bool = False) -> None:
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


def _check_files_not_kept(form: CaseForm) -> None:
    """The form is shown again, so nothing was saved and browsers cannot refill a file
    input: check the chosen files now (a bad one is reported at once, next to the
    field) and name the good ones, to be chosen again."""
    field = form.report_files
    checked, problems = services.sort_uploads(_uploads(field))
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
        kind_fields=KIND_FIELDS, kind_labels=KIND_LABELS,
        template_row=BiomarkerForm(prefix="biomarkers-__prefix__-"),
    ), status


def _has_errors(form: CaseForm) -> bool:
    if getattr(form, "general_errors", None):
        return True
    fields = list(form)
    for entry in form.biomarkers.entries:
        fields.extend(entry.form)
    return any(f.errors for f in fields if not isinstance(f.errors, dict))


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


# --- The case page -----------------------------------------------------------

@bp.route("/cases/<int:case_id>")
@login_required
def view(case_id: int):
    case = services.get_case(case_id, current_user)
    return _render_case(case)


def _render_case(case: Case, attachment_form: AttachmentForm | None = None, status: int = 200):
    """The case page; after a refused upload, with the error next to the file field."""
    services.record_view(case, current_user)
    panels = sections.collect("case_panel", case, current_user)
    db.session.commit()
    return render_template(
        "cases/view.html", case=case, board=case.board, panels=panels,
        icd_description=checks.icd10_description(case.icd10_code),
        kind_labels=KIND_LABELS, attachment_form=attachment_form or AttachmentForm(), confirm_form=ConfirmForm(),
        sex_labels=SEX_LABELS, event_labels=EVENT_LABELS, number=number, age=_age(case.patient_birth_date),
        can_edit=case.can_edit(current_user), can_submit=services.can_submit(case, current_user),
        can_withdraw=services.can_withdraw(case, current_user),
        can_attach=services.can_add_attachments(case, current_user),
        can_remove_files=services.can_remove_attachments(case, current_user),
        missing=services.missing_for_submission(services.values_of(case), len(case.biomarkers))
        if case.status is CaseStatus.DRAFT else {},
    ), status


def _age(born: date) -> int:
    today = utcnow().date()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@bp.route("/cases/<int:case_id>/submit", methods=["GET", "POST"])
@login_required
def submit(case_id: int):
    case = services.get_case(case_id, current_user)
    if not services.can_submit(case, current_user):
        abort(403)
    form = ConfirmForm()
    missing = services.missing_for_submission(services.values_of(case), len(case.biomarkers))
    if form.validate_on_submit() and not missing:
        try:
            services.submit_case(case, current_user)
        except services.CaseInputError as error:
            db.session.rollback()
            missing = {k: v[0] for k, v in error.errors.items()}
        else:
            db.session.commit()
            flash(_("Case %(ref)s submitted to %(board)s.", ref=case.reference, board=case.board.name), "success")
            return redirect(url_for("cases.view", case_id=case.id))
    return render_template("cases/confirm_submit.html", case=case, board=case.board, form=form, missing=missing)


@bp.route("/cases/<int:case_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(case_id: int):
    case = services.get_case(case_id, current_user)
    if not case.can_manage(current_user):
        abort(403)
    refusal = services.withdrawal_refusal(case)
    if refusal is not None:
        flash(refusal, "error")
        return redirect(url_for("cases.view", case_id=case.id))
    form = WithdrawForm()
    if form.validate_on_submit():
        services.withdraw_case(case, current_user, form.reason.data)
        db.session.commit()
        flash(_("Case %(ref)s withdrawn.", ref=case.reference), "success")
        return redirect(url_for("cases.view", case_id=case.id))
    return render_template("cases/confirm_withdraw.html", case=case, board=case.board, form=form)


# --- Attachments -------------------------------------------------------------

@bp.route("/cases/<int:case_id>/attachments", methods=["POST"])
@login_required
def upload(case_id: int):
    case = services.get_case(case_id, current_user)
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            attachments = services.add_attachments(case, current_user, _uploads(form.files), form.description.data)
        except services.CaseInputError as error:
            db.session.rollback()
            form.files.errors = list(error.errors.get("files", [])) or [_("The files could not be attached.")]
            return _render_case(case, attachment_form=form, status=422)
        except NotAllowed:
            db.session.rollback()
            abort(403)
        else:
            db.session.commit()
            flash(_("%(n)d file(s) attached.", n=len(attachments)), "success")
    else:
        flash(_("The upload could not be read; choose the file again."), "error")
    return redirect(url_for("cases.view", case_id=case.id, _anchor="attachments"))


@bp.route("/cases/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def download(case_id: int, attachment_id: int):
    attachment = services.get_attachment(case_id, attachment_id, current_user, with_data=True)
    services.record_download(attachment, current_user)
    db.session.commit()
    response = Response(attachment.data, mimetype=attachment.content_type)
    response.headers["Content-Disposition"] = content_disposition(attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Length"] = str(attachment.size)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/cases/<int:case_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
@login_required
def remove_attachment(case_id: int, attachment_id: int):
    attachment = services.get_attachment(case_id, attachment_id, current_user)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if not attachment.case.can_manage(current_user):
        abort(403)
    try:
        services.remove_attachment(attachment, current_user)
    except NotAllowed as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("cases.view", case_id=case_id, _anchor="attachments"))
    db.session.commit()
    flash(_("%(name)s removed.", name=attachment.filename), "success")
    return redirect(url_for("cases.view", case_id=case_id, _anchor="attachments"))


# --- Gene symbols (administrators) --------------------------------------------

@bp.route("/admin/genes", methods=["GET", "POST"])
@admin_required
def gene_symbols():
    """HGNC symbols approved after the shipped table (2022-04) are added here."""
    form = GeneSymbolForm()
    if form.validate_on_submit():
        try:
            gene = genes.add_symbol(form.symbol.data, form.chromosome.data, form.note.data, current_user)
        except InvalidInput as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            flash(_("%(symbol)s can now be entered in biomarkers.", symbol=gene.symbol), "success")
            return redirect(url_for("cases.gene_symbols"))
    return render_template("cases/gene_symbols.html", form=form, symbols=genes.added_symbols())
