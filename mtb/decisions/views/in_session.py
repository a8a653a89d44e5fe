"""The session page and what is done from it: starting and closing the meeting,
attendance and guests, conflicts of interest, draft decisions, deferrals.

Only the board's secretaries and chairs reach it (``meeting_or_404(need="run")``)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from mtb import access, transaction
from mtb.audit import services as audit
from mtb.decisions import attendance as room
from mtb.decisions import bp, display, live, queries, services
from mtb.decisions.forms import (
    ConflictForm,
    DeferForm,
    GuestForm,
    StartForm,
    late_case_form,
    options,
    specialty_choices,
)
from mtb.decisions.quorum import quorum_for
from mtb.decisions.session import (
    EarlyStart,
    close_meeting,
    day_label,
    is_running,
    scheduled_label,
    start_meeting,
    starts_early,
)
from mtb.decisions.validation import DecisionInvalid
from mtb.decisions.views.decision_form import decision_form, rows_changed, typed_data
from mtb.errors import ConflictError, InvalidInput, NotAllowed
from mtb.form_errors import show_error
from mtb.http import db_int
from mtb.i18n import gettext as _
from mtb.idempotency import once
from mtb.meetings import services as agendas
from mtb.meetings.models import AgendaItem, Meeting
from mtb.trials import display as trial_display

#: The field the session page's script adds when it sends unsaved attendance along with another form.
CARRIED = "attendance-carried"


def session_url(meeting: Meeting, item: AgendaItem | None = None, item_id: int | None = None) -> str:
    item_id = item.id if item is not None else item_id
    return url_for("decisions.session", meeting_id=meeting.id, item=item_id)


def posted_item_id() -> int | None:
    """The item the page showed when a form was posted (a hidden field): None when absent or absurd."""
    return request.form.get("item", type=db_int)


def field_error(form, error: InvalidInput, default: str) -> None:
    """Put a service's InvalidInput next to its field in ``form`` (``default`` when the field is not in it)."""
    show_error(form, error.field or default, error.message, default)


def session_context(meeting: Meeting, item: AgendaItem | None = None) -> dict:
    """What the session page shows; without ``item``, the first case still to discuss."""
    queries.load_items(meeting)
    items = list(meeting.items)
    states = queries.latest_states(meeting)
    if item is None and items:
        item = next((i for i in items if queries.item_state(i, states.get(i.id)) == "pending"), items[0])
    index = items.index(item) if item is not None else None
    attendance = queries.attendances(meeting)
    recusals = queries.recusals_by_item(meeting).get(item.id, []) if item is not None else []
    decision = queries.latest_with_recommendations(item) if item is not None and item.id in states else None
    return {
        "meeting": meeting,
        "board": meeting.board,
        "items": [(i, queries.item_state(i, states.get(i.id))) for i in items],
        "item": item,
        "index": index,
        "previous_item": items[index - 1] if index else None,
        "next_item": items[index + 1] if index is not None and index + 1 < len(items) else None,
        "decision": decision,
        "attendance": attendance,
        "members": room.members(meeting, attendance),
        "present": {a.user_id: a for a in attendance if a.user_id is not None},
        "guests": [a for a in attendance if a.is_guest],
        "recusals": recusals,
        "meeting_quorum": quorum_for(meeting, rows=attendance, recused_ids=set()),
        "item_quorum": quorum_for(meeting, rows=attendance, recused_ids={r.user_id for r in recusals}),
        "is_chair": current_user.is_chair(meeting.board_id),
        "running": is_running(meeting),
        "pending": queries.pending_items(meeting),
        "scheduled": scheduled_label(meeting),
        "starts_early": meeting.is_open and starts_early(meeting),
        "day_has_come": meeting.day_has_come(),
        "meeting_day": day_label(meeting),
        "trial_matches": trial_display.session_match_items(item.case) if item is not None else "",
        # An urgent case added by mistake can be taken off while nothing is recorded on it.
        "can_take_off": (item is not None and meeting.is_in_session and decision is None
                         and queries.item_state(item, None) == "pending" and agendas.added_during_session(meeting, item)),
    }


def _conflict_form(context: dict, form: ConflictForm | None = None) -> ConflictForm:
    form = form or ConflictForm(formdata=None)
    recused = {r.user_id for r in context["recusals"]}
    form.member_id.choices = options([("", _("Choose…"))] + [
        (str(a.user_id), a.name) for a in context["attendance"] if a.user_id and a.user_id not in recused
    ])
    return form


def render_session(meeting: Meeting, item: AgendaItem | None, form=None, errors=None, status: int = 200,
                    focus_row=None, *, start_form=None, guest_form=None, conflict_form=None, defer_form=None,
                    late_form=None, save_conflict=None, typed_attendance=None, attendance_error=None):
    """The session page: the GET, and every POST whose form failed. A small form that failed
    (start, guest, conflict, defer) comes back with its errors next to its fields and
    everything typed in it. The read is audited (the page shows patient data), even on a 4xx.

    Call it with nothing pending but what should be kept: failed POSTs roll back first.
    ``save_conflict``: the message of a decision saved by someone else meanwhile; the page
    shows their saved version next to the user's typed one. ``typed_attendance``: ticks
    sent along with the failed form and not saved; the table shows them, marked unsaved."""
    context = session_context(meeting, item)
    shown = context["item"]
    if form is None and shown is not None:
        decision = context["decision"]
        form = decision_form(shown, decision if decision is None or decision.is_draft else None)
    audit.record_read("meeting.session_view", meeting, board_id=meeting.board_id,
                      details={"case": shown.case.reference} if shown is not None else None)
    # Worded once here: the attendance rows and their shared list read them many times.
    specialties = [(value, str(label)) for value, label in specialty_choices()]
    return render_template(
        "decisions/session.html", form=form, errors=errors or {}, focus_row=focus_row,
        start_form=start_form or StartForm(formdata=None), guest_form=guest_form or GuestForm(formdata=None),
        defer_form=defer_form or DeferForm(formdata=None), save_conflict=save_conflict,
        conflict_form=_conflict_form(context, conflict_form), late_form=late_case_form(meeting, late_form),
        specialty_choices=specialties,
        case_list=display.case_list(meeting.id, context["items"], shown.id if shown is not None else None),
        attendance_rows=display.attendance_rows(context["members"], context["present"], typed_attendance,
                                                running=context["running"], labels=dict(specialties)),
        typed_attendance=typed_attendance, attendance_error=attendance_error,
        canonical_url=session_url(meeting, context["item"]), **context,
    ), status


@bp.route("/meetings/<int:meeting_id>/session")
@login_required
def session(meeting_id: int):
    meeting = access.meeting_or_404(meeting_id, need="run")
    queries.load_items(meeting)
    item_id = request.args.get("item", type=int)
    item = queries.get_item(meeting, item_id) if item_id is not None else None
    if item is None:
        item = live.current_item(meeting)
        live.follow(meeting, item)
    elif request.args.get("move") == "1":
        # The members' live view and the presentation follow this page's Previous, Next and
        # case list, not any look at a case (a chair back from validating an earlier one).
        live.follow(meeting, item)
    return render_session(meeting, item)


@bp.route("/meetings/<int:meeting_id>/session/start", methods=["POST"])
@login_required
@once
def start(meeting_id: int):
    meeting = access.meeting_or_404(meeting_id, need="run")
    form = StartForm()
    if not form.validate_on_submit():
        return render_session(meeting, None, start_form=form, status=422)
    try:
        start_meeting(meeting, current_user, confirm_early=bool(form.confirm_early.data))
    except EarlyStart as error:
        # A second step: the page comes back with "Start now anyway" and the scheduled date.
        transaction.roll_back()
        form.confirm_early.errors = [error.message]
        return render_session(meeting, None, start_form=form, status=422)
    except InvalidInput as error:
        transaction.roll_back()
        flash(error.message, "error")
    else:
        flash(_("The meeting is in session."), "success")
    return redirect(session_url(meeting))


@bp.route("/meetings/<int:meeting_id>/session/close", methods=["POST"])
@login_required
@once
def close(meeting_id: int):
    meeting = access.meeting_or_404(meeting_id, need="run")
    carried = carried_attendance()
    try:
        save_carried_attendance(meeting, carried)
    except InvalidInput as error:
        return attendance_refused(meeting, None, carried, error)
    try:
        close_meeting(meeting, current_user)
    except InvalidInput as error:
        transaction.roll_back()
        if carried is not None:
            # Not closed, but the ticks sent along are kept: attendance is saved on its own.
            save_carried_attendance(meeting, carried)
            flash_carried_attendance(carried)
        flash(error.message, "error")
        return redirect(session_url(meeting))
    flash_carried_attendance(carried)
    flash(_("The meeting is closed. Deferred cases were carried over. The chair can now sign the minutes."), "success")
    return redirect(url_for("minutes.meeting_minutes", meeting_id=meeting.id))


def _posted_attendance() -> dict[int, str | None]:
    """The attendance table as posted: {member id: specialty value or None}."""
    present = {}
    for value in request.form.getlist("present"):
        try:
            user_id = db_int(value)
        except ValueError:
            abort(400)  # the page's checkboxes carry user ids only
        present[user_id] = request.form.get(f"specialty-{user_id}") or None
    return present


def carried_attendance() -> dict[int, str | None] | None:
    """Attendance ticked but not saved, which the session page's script sends along with
    another form (a decision, a deferral, closing...): None when the post carries none."""
    return _posted_attendance() if request.form.get(CARRIED) else None


def save_carried_attendance(meeting: Meeting, carried: dict[int, str | None] | None) -> None:
    """Record attendance sent along with another form, before that form's action: a
    secretary who ticked members and saved a decision expects the ticks to count (quorum).
    Raises InvalidInput (field "attendance") like the attendance form."""
    if carried is not None:
        room.record_attendance(meeting, current_user, carried)


def flash_carried_attendance(carried) -> None:
    """After the action succeeded: say the attendance sent along was saved too."""
    if carried is not None:
        flash(_("Attendance saved."), "success")


def attendance_refused(meeting: Meeting, item: AgendaItem | None, carried, error: InvalidInput):
    """The attendance sent along was refused: nothing is done, the page comes back with the ticks."""
    transaction.roll_back()
    return render_session(meeting, item, status=422, typed_attendance=carried, attendance_error=error.message)


@bp.route("/meetings/<int:meeting_id>/attendance", methods=["POST"])
@login_required
def attendance(meeting_id: int):
    meeting = access.meeting_or_404(meeting_id, need="run")
    present = _posted_attendance()
    try:
        room.record_attendance(meeting, current_user, present)
    except InvalidInput as error:  # the page comes back with the ticks, as with the other forms
        item_id = posted_item_id()
        return attendance_refused(meeting, queries.get_item(meeting, item_id) if item_id else None, present, error)
    flash(_("Attendance saved."), "success")
    return redirect(session_url(meeting, item_id=posted_item_id()) + "#attendance")


@bp.route("/meetings/<int:meeting_id>/guests", methods=["POST"])
@login_required
def add_guest(meeting_id: int):
    meeting = access.meeting_or_404(meeting_id, need="run")
    form = GuestForm()
    item_id = posted_item_id()
    item = queries.get_item(meeting, item_id) if item_id else None
    carried = carried_attendance()
    if not form.validate_on_submit():
        return render_session(meeting, item, guest_form=form, status=422, typed_attendance=carried)
    try:
        save_carried_attendance(meeting, carried)
    except InvalidInput as error:
        return attendance_refused(meeting, item, carried, error)
    try:
        room.add_guest(meeting, current_user, form.guest_name.data, form.guest_role.data)
    except InvalidInput as error:
        transaction.roll_back()
        field_error(form, error, "guest_name")
        return render_session(meeting, item, guest_form=form, status=422, typed_attendance=carried)
    flash_carried_attendance(carried)
    flash(_("Guest added."), "success")
    return redirect(session_url(meeting, item_id=item_id) + "#attendance")


@bp.route("/meetings/<int:meeting_id>/guests/<int:attendance_id>/remove", methods=["POST"])
@login_required
def remove_guest(meeting_id: int, attendance_id: int):
    meeting = access.meeting_or_404(meeting_id, need="run")
    try:
        room.remove_guest(meeting, current_user, attendance_id)
    except InvalidInput as error:
        transaction.roll_back()
        flash(error.message, "error")
    else:
        flash(_("Guest removed."), "success")
    return redirect(session_url(meeting, item_id=posted_item_id()) + "#attendance")


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/conflicts", methods=["POST"])
@login_required
def declare_conflict(meeting_id: int, item_id: int):
    meeting = access.meeting_or_404(meeting_id, need="run")
    item = queries.get_item(meeting, item_id)
    carried = carried_attendance()
    form = ConflictForm()
    if not form.validate_on_submit():
        return render_session(meeting, item, conflict_form=form, status=422, typed_attendance=carried)
    raw = (form.member_id.data or "").strip()
    try:
        save_carried_attendance(meeting, carried)
    except InvalidInput as error:
        return attendance_refused(meeting, item, carried, error)
    try:
        if not (raw.isascii() and raw.isdigit()):  # "²".isdigit(), and int("²") fails
            raise InvalidInput("member_id", _("Choose the member who declares a conflict of interest."))
        room.declare_conflict(item, current_user, int(raw), form.note.data)
    except InvalidInput as error:
        transaction.roll_back()
        field_error(form, error, "member_id")
        return render_session(meeting, item, conflict_form=form, status=422, typed_attendance=carried)
    flash_carried_attendance(carried)
    flash(_("Conflict of interest recorded: the member is recused on %(ref)s.", ref=item.case.reference), "success")
    return redirect(session_url(meeting, item) + "#conflicts")


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/conflicts/<int:recusal_id>/remove", methods=["POST"])
@login_required
def withdraw_conflict(meeting_id: int, item_id: int, recusal_id: int):
    meeting = access.meeting_or_404(meeting_id, need="run")
    item = queries.get_item(meeting, item_id)
    try:
        room.withdraw_conflict(item, current_user, recusal_id)
    except InvalidInput as error:
        transaction.roll_back()
        flash(error.message, "error")
    else:
        flash(_("Recusal withdrawn."), "success")
    return redirect(session_url(meeting, item) + "#conflicts")


def _save_refused(meeting: Meeting, item: AgendaItem, form, message: str, carried):
    """The draft can no longer be saved (the chair validated it meanwhile, the case was
    deferred...): the page says why and keeps everything typed, as after a conflict. Over a
    validated version the typed text comes back as a correction of it, to save with a reason."""
    transaction.roll_back()
    latest = queries.latest_decision(item)
    if latest is not None and latest.is_validated:
        form = decision_form(item, data=typed_data(form), correction=True)
    return render_session(meeting, item, form, status=409, save_conflict=message, typed_attendance=carried)


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/decision", methods=["POST"])
@login_required
@once
def save_decision(meeting_id: int, item_id: int):
    meeting = access.meeting_or_404(meeting_id, need="run")
    item = queries.get_item(meeting, item_id)
    carried = carried_attendance()
    latest = queries.latest_decision(item)
    correction = latest is not None and latest.version > 1
    form = decision_form(item, formdata=request.form, correction=correction)
    if not form.validate():
        return render_session(meeting, item, form, status=400, typed_attendance=carried)
    try:
        save_carried_attendance(meeting, carried)
    except InvalidInput as error:
        transaction.roll_back()
        return render_session(meeting, item, form, status=422, typed_attendance=carried,
                               attendance_error=error.message)
    changed, focus = rows_changed(form, item, correction)
    if changed is not None:
        refusal = services.draft_refusal(item, queries.latest_decision(item))
        if refusal is not None:
            return _save_refused(meeting, item, changed, refusal, carried)
        flash_carried_attendance(carried)
        return render_session(meeting, item, changed, focus_row=focus)
    typed_version = form.row_version.data or ""
    row_version = int(typed_version) if typed_version.isascii() and typed_version.isdigit() else None
    try:
        services.save_draft(item, current_user, form.summary.data, form.recommendation_data(),
                            row_version=row_version, correction_reason=form.correction_reason.data)
    except DecisionInvalid as error:
        # The decision is shown again with its errors; the attendance sent along is kept saved.
        transaction.roll_back()
        save_carried_attendance(meeting, carried)
        flash_carried_attendance(carried)
        form.attach_errors(error.errors)
        return render_session(meeting, item, form, errors=error.errors)
    except ConflictError as error:
        # Someone saved meanwhile: their version is shown, what this user typed stays in the form,
        # and the form now expects their version, so saving again replaces it on purpose.
        transaction.roll_back()
        current = queries.latest_decision(item)
        form.row_version.data = str(current.row_version) if current is not None else ""
        return render_session(meeting, item, form, status=409, save_conflict=str(error), typed_attendance=carried)
    except NotAllowed as error:
        return _save_refused(meeting, item, form, str(error), carried)
    flash_carried_attendance(carried)
    flash(_("Decision on %(ref)s saved as a draft; the chair validates it.", ref=item.case.reference), "success")
    target = item
    if request.form.get("then") == "next":
        items = list(meeting.items)
        position = items.index(item)
        target = items[position + 1] if position + 1 < len(items) else item
    return redirect(session_url(meeting, target))


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/defer", methods=["POST"])
@login_required
def defer(meeting_id: int, item_id: int):
    meeting = access.meeting_or_404(meeting_id, need="run")
    item = queries.get_item(meeting, item_id)
    carried = carried_attendance()
    form = DeferForm()
    if not form.validate_on_submit():
        return render_session(meeting, item, defer_form=form, status=422, typed_attendance=carried)
    try:
        save_carried_attendance(meeting, carried)
    except InvalidInput as error:
        return attendance_refused(meeting, item, carried, error)
    services.defer_item(item, current_user, form.note.data)
    flash_carried_attendance(carried)
    flash(_("%(ref)s deferred: it goes back to the pool and is carried over when the meeting closes.",
            ref=item.case.reference), "success")
    return redirect(session_url(meeting, item))


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/undefer", methods=["POST"])
@login_required
def undefer(meeting_id: int, item_id: int):
    meeting = access.meeting_or_404(meeting_id, need="run")
    item = queries.get_item(meeting, item_id)
    try:
        services.undo_deferral(item, current_user)
    except ConflictError as error:
        transaction.roll_back()
        flash(str(error), "warning")
        return redirect(session_url(meeting, item))
    flash(_("Deferral of %(ref)s undone.", ref=item.case.reference), "success")
    return redirect(session_url(meeting, item))
