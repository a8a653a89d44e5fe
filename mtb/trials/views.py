"""The trial registry pages: the list (everyone with a role on a board), adding and
editing a trial, importing ClinicalTrials.gov records (admins and board secretaries)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from mtb import transaction
from mtb.access import refuse
from mtb.boards import services as boards
from mtb.errors import ConflictError, InvalidInput, NotAllowed
from mtb.i18n import gettext as _
from mtb.i18n import ngettext
from mtb.trials import bp, display, queries, services
from mtb.trials.forms import ImportForm, TrialForm
from mtb.trials.models import Trial, TrialStatus
from mtb.trials.validation import TrialInputError, alterations_text


def _editable_boards():
    allowed = services.allowed_boards(current_user)
    return [b for b in boards.list_boards() if allowed is None or b.id in allowed]


def _chosen(form) -> list:
    # Compared as text: a posted value is any string ("²" passes isdigit, not int).
    ids = {str(v) for v in (form.boards.data or [])}
    return [b for b in boards.list_boards() if str(b.id) in ids]


@bp.route("/trials")
@login_required
def index():
    if not current_user.board_ids() and not current_user.is_admin:
        refuse(403, "Trial", None, "view")
    board_slug = request.args.get("board") or ""
    status = request.args.get("status") or ""
    board = next((b for b in boards.boards_of(current_user) if b.slug == board_slug), None)
    try:
        wanted = TrialStatus(status) if status else None
    except ValueError:
        wanted = None
    listed = queries.list_trials(current_user, board_id=board.id if board else None, status=wanted)
    can_create = Trial.can_create(current_user)
    user = current_user._get_current_object()
    return render_template("trials/index.html", rows=display.registry_rows(listed, user, can_create=can_create),
                           board=board, status=wanted, my_boards=boards.boards_of(current_user),
                           can_create=can_create, statuses=list(TrialStatus))


def _render_form(form, trial=None, status: int = 200):
    return render_template("trials/form.html", form=form, trial=trial), status


@bp.route("/trials/new", methods=["GET", "POST"])
@login_required
def create():
    if not Trial.can_create(current_user):
        refuse(403, "Trial", None, "create")
    form = TrialForm(boards=_editable_boards())
    if request.method == "GET":
        form.status.data = TrialStatus.RECRUITING.value
        return _render_form(form)
    if not form.validate_on_submit():
        return _render_form(form, status=400)
    try:
        trial = services.create_trial(current_user, form.values(), _chosen(form))
    except TrialInputError as error:
        transaction.roll_back()
        form.attach_errors(error.errors)
        return _render_form(form, status=422)
    flash(_("Trial %(id)s added to the registry.", id=trial.primary_id), "success")
    return redirect(url_for("trials.index", _anchor=f"trial-{trial.id}"))


@bp.route("/trials/<int:trial_id>/edit", methods=["GET", "POST"])
@login_required
def edit(trial_id: int):
    trial = queries.visible_trial(trial_id, current_user)
    if trial is None:
        refuse(404, "Trial", trial_id, "edit")
    if not trial.can_edit(current_user):
        refuse(403, "Trial", trial_id, "edit")
    form = TrialForm(boards=boards.list_boards() if current_user.is_admin else
                     sorted({*trial.boards, *_editable_boards()}, key=lambda b: b.name))
    if request.method == "GET":
        form.process(data={
            "version": str(trial.version),
            "registry_ids": trial.registry_ids, "title": trial.title, "acronym": trial.acronym or "",
            "phase": trial.phase or "", "status": trial.status.value, "boards": [str(b.id) for b in trial.boards],
            "investigator": trial.investigator or "", "contact": trial.contact or "", "sponsor": trial.sponsor or "",
            "conditions": trial.conditions or "", "alterations": alterations_text(trial.alterations),
            "molecular_logic": trial.molecular_logic.value,
            "tmb_min": "" if trial.tmb_min is None else f"{trial.tmb_min.normalize():f}",
            "requires_msi_high": trial.requires_msi_high,
            "pdl1_tps_min": "" if trial.pdl1_tps_min is None else f"{trial.pdl1_tps_min.normalize():f}",
            "requires_hrd": trial.requires_hrd, "icd10_ranges": ", ".join(trial.icd10_ranges or []),
            "age_min": "" if trial.age_min is None else str(trial.age_min),
            "age_max": "" if trial.age_max is None else str(trial.age_max),
            "prior_lines_min": "" if trial.prior_lines_min is None else str(trial.prior_lines_min),
            "prior_lines_max": "" if trial.prior_lines_max is None else str(trial.prior_lines_max),
            "eligibility_text": trial.eligibility_text or "",
        })
        return _render_form(form, trial)
    if not form.validate_on_submit():
        return _render_form(form, trial, status=400)
    try:
        services.update_trial(trial, current_user, form.values(), _chosen(form), expected_version=form.version.data)
    except TrialInputError as error:
        transaction.roll_back()
        form.attach_errors(error.errors)
        return _render_form(form, trial, status=422)
    except ConflictError:
        # Someone saved (or imported) the trial meanwhile: the page names them and keeps what
        # this user typed; the form now expects their version, so saving again replaces it on purpose.
        transaction.roll_back()
        form.version.data = str(trial.version)  # the rollback expired the trial: read as saved
        form.conflict = trial
        return _render_form(form, trial, status=409)
    flash(_("Trial %(id)s saved.", id=trial.primary_id), "success")
    return redirect(url_for("trials.index", _anchor=f"trial-{trial.id}"))


@bp.route("/trials/import", methods=["GET", "POST"])
@login_required
def import_studies():
    if not Trial.can_create(current_user):
        refuse(403, "Trial", None, "import")
    form = ImportForm(boards=_editable_boards())
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("trials/import.html", form=form), 200 if request.method == "GET" else 400
    upload = form.file.data
    data = upload.read() if upload else b""
    try:
        if not data:
            raise InvalidInput("file", _("Choose the JSON file saved from ClinicalTrials.gov."))
        created, updated, problems, notes = services.import_studies(current_user, data, _chosen(form))
    except (InvalidInput, NotAllowed, ConflictError) as error:
        transaction.roll_back()
        # The boards ticked, or the file: the message goes next to the one at fault.
        target = form.boards if getattr(error, "field", None) == "boards" else form.file
        target.errors = [getattr(error, "message", str(error))]
        return render_template("trials/import.html", form=form), 409 if isinstance(error, ConflictError) else 422
    if problems and not (created or updated):
        transaction.roll_back()
        form.file.errors = problems
        return render_template("trials/import.html", form=form), 422
    flash(ngettext("%(num)d trial added, %(updated)d updated from the registry (local fields kept).",
                   "%(num)d trials added, %(updated)d updated from the registry (local fields kept).",
                   len(created), updated=len(updated)), "success")
    for problem in problems:
        flash(problem, "error")
    for note in notes:
        flash(note, "warning")
    return redirect(url_for("trials.index"))
