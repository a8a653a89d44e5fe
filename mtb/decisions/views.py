"""The meeting in session (secretary and chair), decision pages, and the Decisions list."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mtb.audit import services as audit
from mtb.boards import services as boards
from mtb.decisions import bp, services
from mtb.decisions.forms import ConflictForm, DecisionForm, DeferForm, GuestForm, StartForm, options, specialty_choices
from mtb.decisions.models import DecisionStatus
from mtb.errors import ConflictError, InvalidInput, NotAllowed
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus


#: Ids are PostgreSQL integers: a larger number in a query string or form is no row (not a 500).
MAX_ID = 2**31 - 1


def _id_arg(source, name: str) -> int | None:
    """An id from ``request.args`` or ``request.form``: None when absent, not a number or out of range."""
    value = source.get(name, type=int)
    return value if value is not None and 1 <= value <= MAX_ID else None


def _session_url(meeting, item=None):
    return url_for("decisions.session", meeting_id=meeting.id, item=item.id if item else None)


def _running_meeting(meeting_id: int):
    """The meeting, for its secretary or chair. Another board's meeting is a 404 (a 403
    would tell an outsider it exists); a board member who does not run it gets a 403."""
    meeting = services.get_meeting(meeting_id)
    if not services.can_run(meeting, current_user):
        abort(403 if meeting.can_view(current_user) else 404)
    return meeting


def _field_error(form, error: InvalidInput, default: str) -> None:
    """Put a service's InvalidInput next to its field in ``form`` (``default`` when the field is not in it)."""
    target = getattr(form, error.field or default, None)
    if target is None or not hasattr(target, "errors"):
        target = getattr(form, default)
    target.errors = list(target.errors) + [error.message]


def _decision_form(item, decision=None, formdata=None, data=None, correction=False):
    biomarkers = item.case.biomarkers
    if formdata is not None:
        return DecisionForm(formdata=formdata, biomarkers=biomarkers, correction=correction)
    if data is None:
        data = form_data(decision) if decision is not None else {"recommendations": [{}]}
    return DecisionForm(formdata=None, data=data, biomarkers=biomarkers, correction=correction)


def form_data(decision) -> dict:
    return {
        "row_version": decision.row_version,
        "summary": decision.summary,
        "correction_reason": decision.correction_reason or "",
        "recommendations": [
            {
                "kind": r.kind.value, "drug": r.drug or "", "biomarker_id": str(r.biomarker_id or ""),
                "escat_tier": r.escat_tier or "", "oncokb_level": r.oncokb_level or "",
                "access_route": r.access_route.value if r.access_route else "", "trial_id": r.trial_id or "",
                "trial_site": r.trial_site or "", "test_name": r.test_name or "", "test_sample": r.test_sample or "",
                "rationale": r.rationale or "",
            }
            for r in decision.recommendations
        ] or [{}],
    }


def _rows_changed(form: DecisionForm, item, correction=False):
    """"Add recommendation" / "Remove" buttons: the same form back, one row more or less, nothing lost."""
    data = {
        "row_version": form.row_version.data, "summary": form.summary.data,
        "correction_reason": form.correction_reason.data, "recommendations": form.recommendation_data(),
    }
    if request.form.get("action") == "add":
        data["recommendations"].append({})
        return _decision_form(item, data=data, correction=correction), len(data["recommendations"]) - 1
    remove = request.form.get("remove", type=int)
    if remove is not None and 0 <= remove < len(data["recommendations"]):
        data["recommendations"].pop(remove)
        if not data["recommendations"]:
            data["recommendations"].append({})
        return _decision_form(item, data=data, correction=correction), None
    return None, None


def _render_session(meeting, item, decision_form=None, errors=None, status=200, focus_row=None, *,
                    start_form=None, guest_form=None, conflict_form=None, defer_form=None, save_conflict=None):
    """The session page, audited (it shows patient data) and committed: the GET, and every
    POST whose form failed. A small form that failed (start, guest, conflict, defer) comes
    back with its errors next to its fields and everything typed in it.

    Call it with nothing pending but what should be kept: the failed POST paths roll back first.
    ``save_conflict``: the message of a decision saved by someone else meanwhile; the page
    shows their saved version next to the user's typed one."""
    context = session_context(meeting, item)
    if decision_form is None and context["item"] is not None:
        decision = context["decision"]
        editable = decision is None or decision.status is DecisionStatus.DRAFT
        decision_form = _decision_form(context["item"], decision if editable else None)
    start_form = start_form or StartForm(formdata=None)
    shown = context["item"]
    audit.record("meeting.session_view", meeting, board_id=meeting.board_id,
                 details={"case": shown.case.reference} if shown is not None else None)
    html = render_template(
        "decisions/session.html", form=decision_form, errors=errors or {}, focus_row=focus_row,
        start_form=start_form, guest_form=guest_form or GuestForm(formdata=None),
        defer_form=defer_form or DeferForm(formdata=None), save_conflict=save_conflict,
        conflict_form=_conflict_form(context, conflict_form), specialty_choices=specialty_choices(), **context,
    )
    # Commit after rendering: a commit expires every loaded object, and the page would reload them one by one.
    db.session.commit()
    return html, status


def _conflict_form(context, form=None):
    form = form or ConflictForm(formdata=None)
    recused = {r.user_id for r in context["recusals"]}
    form.member_id.choices = options([("", _("Choose…"))] + [
        (str(a.user_id), a.name) for a in context["attendance"] if a.user_id and a.user_id not in recused
    ])
    return form


def session_context(meeting, item=None) -> dict:
    items = list(meeting.items)
    latest = services.latest_by_item(meeting)
    if item is None and items:
        item = next((i for i in items if services.item_state(i, latest.get(i.id)) == "pending"), items[0])
    index = items.index(item) if item is not None else None
    attendance = services.attendances(meeting)
    recusals_all = services.recusals_by_item(meeting)
    recusals = recusals_all.get(item.id, []) if item is not None else []
    meeting_quorum = services.quorum_for(meeting, rows=attendance, recused_ids=set())
    item_quorum = services.quorum_for(meeting, rows=attendance, recused_ids={r.user_id for r in recusals})
    present = {a.user_id: a for a in attendance if a.user_id is not None}
    decision = latest.get(item.id) if item is not None else None
    return {
        "meeting": meeting,
        "board": meeting.board,
        "items": [(i, services.item_state(i, latest.get(i.id))) for i in items],
        "item": item,
        "index": index,
        "previous_item": items[index - 1] if index else None,
        "next_item": items[index + 1] if index is not None and index + 1 < len(items) else None,
        "decision": decision,
        "versions": services.versions_of(item) if item is not None and decision is not None else [],
        "attendance": attendance,
        "members": services.board_members(meeting.board_id),
        "present": present,
        "guests": [a for a in attendance if a.is_guest],
        "recusals": recusals,
        "meeting_quorum": meeting_quorum,
        "item_quorum": item_quorum,
        "is_chair": services.is_chair(current_user, meeting.board_id),
        "running": meeting.status in services.RUNNING_STATUSES,
        "in_session": meeting.status is MeetingStatus.IN_SESSION,
        "pending": services.pending_items(meeting),
        "scheduled": services.scheduled_label(meeting),
        "starts_early": meeting.status in services.STARTABLE_STATUSES and services.starts_early(meeting),
    }


@bp.route("/meetings/<int:meeting_id>/session")
@login_required
def session(meeting_id: int):
    meeting = _running_meeting(meeting_id)
    item = None
    item_id = request.args.get("item", type=int)
    if item_id is not None:
        if not 1 <= item_id <= MAX_ID:
            abort(404)
        item = services.get_item(meeting, item_id)
    return _render_session(meeting, item)


@bp.route("/meetings/<int:meeting_id>/session/start", methods=["POST"])
@login_required
def start(meeting_id: int):
    meeting = _running_meeting(meeting_id)
    form = StartForm()
    if not form.validate_on_submit():
        return _render_session(meeting, None, start_form=form, status=422)
    try:
        services.start_meeting(meeting, current_user, confirm_early=bool(form.confirm_early.data))
    except services.EarlyStart as error:
        # A second step: the page comes back with "Start now anyway" and the scheduled date.
        db.session.rollback()
        form.confirm_early.errors = [error.message]
        return _render_session(meeting, None, start_form=form, status=422)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The meeting is in session."), "success")
    return redirect(_session_url(meeting))


@bp.route("/meetings/<int:meeting_id>/session/close", methods=["POST"])
@login_required
def close(meeting_id: int):
    meeting = _running_meeting(meeting_id)
    try:
        services.close_meeting(meeting, current_user)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(_session_url(meeting))
    db.session.commit()
    flash(_("The meeting is closed. Deferred cases were carried over. The chair can now sign the minutes."), "success")
    return redirect(url_for("minutes.meeting_minutes", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/attendance", methods=["POST"])
@login_required
def attendance(meeting_id: int):
    meeting = _running_meeting(meeting_id)
    present = {}
    for value in request.form.getlist("present"):
        try:
            user_id = int(value)
        except ValueError:
            abort(400)
        present[user_id] = request.form.get(f"specialty-{user_id}") or None
    try:
        services.record_attendance(meeting, current_user, present)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Attendance saved."), "success")
    item_id = _id_arg(request.form, "item")
    return redirect(url_for("decisions.session", meeting_id=meeting.id, item=item_id) + "#attendance")


@bp.route("/meetings/<int:meeting_id>/guests", methods=["POST"])
@login_required
def add_guest(meeting_id: int):
    meeting = _running_meeting(meeting_id)
    form = GuestForm()
    item_id = _id_arg(request.form, "item")
    item = services.get_item(meeting, item_id) if item_id else None
    if not form.validate_on_submit():
        return _render_session(meeting, item, guest_form=form, status=422)
    try:
        services.add_guest(meeting, current_user, form.guest_name.data, form.guest_role.data)
    except InvalidInput as error:
        db.session.rollback()
        _field_error(form, error, "guest_name")
        return _render_session(meeting, item, guest_form=form, status=422)
    db.session.commit()
    flash(_("Guest added."), "success")
    return redirect(url_for("decisions.session", meeting_id=meeting.id, item=item_id) + "#attendance")


@bp.route("/meetings/<int:meeting_id>/guests/<int:attendance_id>/remove", methods=["POST"])
@login_required
def remove_guest(meeting_id: int, attendance_id: int):
    meeting = _running_meeting(meeting_id)
    try:
        services.remove_guest(meeting, current_user, attendance_id)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Guest removed."), "success")
    item_id = _id_arg(request.form, "item")
    return redirect(url_for("decisions.session", meeting_id=meeting.id, item=item_id) + "#attendance")


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/conflicts", methods=["POST"])
@login_required
def declare_conflict(meeting_id: int, item_id: int):
    meeting = _running_meeting(meeting_id)
    item = services.get_item(meeting, item_id)
    form = ConflictForm()
    if not form.validate_on_submit():
        return _render_session(meeting, item, conflict_form=form, status=422)
    raw = (form.member_id.data or "").strip()
    try:
        if not raw.isdigit():
            raise InvalidInput("member_id", _("Choose the member who declares a conflict of interest."))
        services.declare_conflict(item, current_user, int(raw), form.note.data)
    except InvalidInput as error:
        db.session.rollback()
        _field_error(form, error, "member_id")
        return _render_session(meeting, item, conflict_form=form, status=422)
    db.session.commit()
    flash(_("Conflict of interest recorded: the member is recused on %(ref)s.", ref=item.case.reference), "success")
    return redirect(_session_url(meeting, item) + "#conflicts")


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/conflicts/<int:recusal_id>/remove", methods=["POST"])
@login_required
def withdraw_conflict(meeting_id: int, item_id: int, recusal_id: int):
    meeting = _running_meeting(meeting_id)
    item = services.get_item(meeting, item_id)
    try:
        services.withdraw_conflict(item, current_user, recusal_id)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Recusal withdrawn."), "success")
    return redirect(_session_url(meeting, item) + "#conflicts")


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/decision", methods=["POST"])
@login_required
def save_decision(meeting_id: int, item_id: int):
    meeting = _running_meeting(meeting_id)
    item = services.get_item(meeting, item_id)
    latest = services.latest_decision(item)
    correction = latest is not None and latest.version > 1
    form = _decision_form(item, formdata=request.form, correction=correction)
    if not form.validate():
        return _render_session(meeting, item, form, status=400)
    changed, focus = _rows_changed(form, item, correction)
    if changed is not None:
        return _render_session(meeting, item, changed, focus_row=focus)
    row_version = int(form.row_version.data) if (form.row_version.data or "").isdigit() else None
    try:
        services.save_draft(item, current_user, form.summary.data, form.recommendation_data(),
                            row_version=row_version, correction_reason=form.correction_reason.data)
    except services.DecisionInvalid as error:
        db.session.rollback()
        form.attach_errors(error.errors)
        return _render_session(meeting, item, form, errors=error.errors)
    except ConflictError as error:
        # Someone saved meanwhile: their version is shown, what this user typed stays in the form,
        # and the form now expects their version, so saving again replaces it on purpose.
        db.session.rollback()
        current = services.latest_decision(item)
        form.row_version.data = str(current.row_version) if current is not None else ""
        return _render_session(meeting, item, form, status=409, save_conflict=str(error))
    db.session.commit()
    flash(_("Decision on %(ref)s saved as a draft; the chair validates it.", ref=item.case.reference), "success")
    target = item
    if request.form.get("then") == "next":
        items = list(meeting.items)
        position = items.index(item)
        target = items[position + 1] if position + 1 < len(items) else item
    return redirect(_session_url(meeting, target))


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/defer", methods=["POST"])
@login_required
def defer(meeting_id: int, item_id: int):
    meeting = _running_meeting(meeting_id)
    item = services.get_item(meeting, item_id)
    form = DeferForm()
    if not form.validate_on_submit():
        return _render_session(meeting, item, defer_form=form, status=422)
    services.defer_item(item, current_user, form.note.data)
    db.session.commit()
    flash(_("%(ref)s deferred: it goes back to the pool and is carried over when the meeting closes.",
            ref=item.case.reference), "success")
    return redirect(_session_url(meeting, item))


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/undefer", methods=["POST"])
@login_required
def undefer(meeting_id: int, item_id: int):
    meeting = _running_meeting(meeting_id)
    item = services.get_item(meeting, item_id)
    services.undo_deferral(item, current_user)
    db.session.commit()
    flash(_("Deferral of %(ref)s undone.", ref=item.case.reference), "success")
    return redirect(_session_url(meeting, item))


# --- One decision -----------------------------------------------------------------

def _visible_decision(decision_id: int):
    decision = services.get_decision(decision_id)
    if not decision.can_view(current_user):
        abort(404 if not decision.case.can_view(current_user) else 403)
    return decision


@bp.route("/decisions/<int:decision_id>")
@login_required
def view(decision_id: int):
    decision = _visible_decision(decision_id)
    versions = [v for v in services.versions_of(decision.agenda_item) if v.can_view(current_user)]
    services.record_read(decision, current_user)
    meeting = decision.meeting
    html = render_template(
        "decisions/view.html", decision=decision, versions=versions, meeting=meeting, board=meeting.board,
        case=decision.case, is_chair=services.is_chair(current_user, decision.board_id),
        can_run=services.can_run(meeting, current_user),
        latest=versions[0] if versions else decision,
    )
    # Commit after rendering: a commit expires every loaded object, and the page would reload them one by one.
    db.session.commit()
    return html


@bp.route("/decisions/<int:decision_id>/validate", methods=["POST"])
@login_required
def validate(decision_id: int):
    decision = _visible_decision(decision_id)
    try:
        services.validate(decision, current_user)
    except services.AlreadyValidated:
        # A double click, or a second tab: nothing to do, say so where the chair was going.
        db.session.rollback()
        flash(_("Version %(n)d of the decision on %(ref)s was already validated.",
                n=decision.version, ref=decision.case.reference), "info")
    else:
        db.session.commit()
        if decision.is_published:
            flash(_("Correction validated and published: new minutes version and letter."), "success")
        else:
            flash(_("Decision on %(ref)s validated and locked.", ref=decision.case.reference), "success")
    back = request.form.get("back")
    if back == "session":
        return redirect(_session_url(decision.meeting, decision.agenda_item))
    if back == "minutes":
        return redirect(url_for("minutes.meeting_minutes", meeting_id=decision.meeting_id))
    return redirect(url_for("decisions.view", decision_id=decision.id))


@bp.route("/decisions/<int:decision_id>/correct", methods=["GET", "POST"])
@login_required
def correct(decision_id: int):
    decision = _visible_decision(decision_id)
    meeting = decision.meeting
    if not services.can_run(meeting, current_user):
        abort(403)
    if decision.status is not DecisionStatus.VALIDATED:
        raise NotAllowed(_("Only the current validated version of a decision can be corrected."))
    item = decision.agenda_item
    errors = {}
    conflict = newer = None
    status = 200
    if request.method == "POST":
        form = _decision_form(item, formdata=request.form, correction=True)
        if form.validate():
            changed, _focus = _rows_changed(form, item, correction=True)
            if changed is not None:
                form = changed
            else:
                try:
                    new = services.correct(decision, current_user, form.summary.data, form.recommendation_data(),
                                           form.correction_reason.data)
                except services.DecisionInvalid as error:
                    db.session.rollback()
                    form.attach_errors(error.errors)
                    errors = error.errors
                except ConflictError as error:
                    db.session.rollback()
                    conflict, status = str(error), 409
                    newer = services.latest_decision(item)
                    if newer is not None and newer.id == decision.id:
                        newer = None
                else:
                    db.session.commit()
                    flash(_("Correction saved as version %(n)d (draft). The chair validates it.", n=new.version), "success")
                    return redirect(url_for("decisions.view", decision_id=new.id))
    else:
        data = form_data(decision)
        data["correction_reason"] = ""
        form = _decision_form(item, data=data, correction=True)
    # The page shows the case and the decision: a read of patient data, on GET and on a failed POST.
    services.record_read(decision, current_user)
    html = render_template("decisions/correct.html", decision=decision, meeting=meeting, board=meeting.board,
                           case=decision.case, item=item, form=form, errors=errors, conflict=conflict, newer=newer)
    db.session.commit()
    return html, status


# --- Published decisions ---------------------------------------------------------------

@bp.route("/decisions")
@login_required
def index():
    from mtb.minutes import services as minutes

    board = None
    slug = request.args.get("board")
    if slug:
        board = boards.get_board(slug)
        if not (current_user.has_role(board.id) or current_user.is_admin):
            abort(403)
    page, versions, letters = minutes.published_page(
        current_user, board, page=_id_arg(request.args, "page") or 1,
        per_page=current_app.config["PAGE_SIZE"],
    )
    own_letters = minutes.letters_for_own_cases(current_user, current_user.board_ids()) if board is None else []
    audit.record("decisions.index", None, board_id=board.id if board else None,
                 details={"meetings": [m.id for m in page.items]})
    html = render_template("decisions/index.html", page=page, versions=versions, letters=letters,
                           own_letters=own_letters, board=board)
    db.session.commit()
    return html
