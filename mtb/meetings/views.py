"""Meetings pages: a board's meetings, the agenda builder, the published agenda,
moving, cancelling and adding meetings, and calendar files."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from mtb import panels, transaction
from mtb.access import meeting_or_404, refuse
from mtb.accounts.queries import board_people_names
from mtb.audit import services as audit
from mtb.boards import services as boards
from mtb.boards.cadence import describe_rule, utc_to_local
from mtb.boards.models import Board
from mtb.db import utcnow
from mtb.errors import ConflictError, InvalidInput
from mtb.form_errors import show_error
from mtb.i18n import gettext as _
from mtb.meetings import bp, builder, calendar, display, lifecycle, queries, services
from mtb.meetings.forms import CancelMeetingForm, MeetingForm
from mtb.meetings.models import MAX_ITEM_MINUTES, PRESENTER_ROLES, Meeting
from mtb.meetings.pool import pool_for


def _board_for_viewer(slug: str) -> Board:
    """The board if the user holds a role on it; 403 otherwise (boards are no secret)."""
    board = boards.get_board(slug)
    if not current_user.has_role(board.id):
        refuse(403, "Board", board.id, "view")
    return board


@bp.route("/boards/<slug>/meetings")
@login_required
def board_meetings(slug: str):
    board = _board_for_viewer(slug)
    return render_template(
        "meetings/board_meetings.html", board=board, listing=queries.board_meetings(board),
        can_manage=current_user.is_secretary(board.id), cadence=describe_rule(board.cadence_rrule),
    )


def _schedule(form: MeetingForm) -> dict:
    """The meeting form's values as the add/move services take them."""
    return dict(day=form.date.data, at=form.time.data, duration_minutes=form.duration_minutes.data,
                location=form.location.data, video_link=form.video_link.data)


def _prefill(form: MeetingForm, duration_minutes: int, location: str | None, video_link: str | None) -> None:
    form.duration_minutes.data = duration_minutes
    form.location.data = location
    form.video_link.data = video_link


@bp.route("/boards/<slug>/meetings/new", methods=["GET", "POST"])
@login_required
def add_meeting(slug: str):
    board = _board_for_viewer(slug)
    if not Meeting.can_create(current_user, board):
        refuse(403, "Board", board.id, "add meeting")
    form = MeetingForm()
    if request.method == "GET":
        _prefill(form, board.meeting_length_minutes, board.location, board.video_link)
    if form.validate_on_submit():
        try:
            meeting = lifecycle.add_extra_meeting(board, current_user, **_schedule(form))
        except InvalidInput as error:
            transaction.roll_back()
            _field_error(form, error)
        else:
            flash(_("Extra meeting added on %(when)s.", when=display.when_label(meeting)), "success")
            _warn_same_day(meeting)
            return redirect(url_for("meetings.agenda", meeting_id=meeting.id))
    return render_template("meetings/meeting_form.html", board=board, form=form, meeting=None)


@bp.route("/meetings/<int:meeting_id>/move", methods=["GET", "POST"])
@login_required
def move(meeting_id: int):
    meeting = meeting_or_404(meeting_id, need="manage")
    board = meeting.board
    form = MeetingForm()
    if request.method == "GET":
        local = utc_to_local(meeting.starts_at, board.timezone)
        form.date.data, form.time.data = local.date(), local.time()
        _prefill(form, meeting.duration_minutes, meeting.location, meeting.video_link)
    if form.validate_on_submit():
        try:
            lifecycle.move_meeting(meeting, current_user, **_schedule(form))
        except InvalidInput as error:
            transaction.roll_back()
            _field_error(form, error)
        else:
            flash(_("Meeting moved to %(when)s; members and submitters are told.", when=display.when_label(meeting)), "success")
            _warn_same_day(meeting)
            return redirect(url_for("meetings.board_meetings", slug=board.slug))
    return render_template("meetings/meeting_form.html", board=board, form=form, meeting=meeting)


def _warn_same_day(meeting: Meeting) -> None:
    others = lifecycle.others_that_day(meeting)
    if others:
        flash(_("The board has another meeting that day (%(when)s): check that both are meant.",
                when=", ".join(display.when_label(other) for other in others)), "warning")


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(meeting_id: int):
    meeting = meeting_or_404(meeting_id, need="manage")
    form = CancelMeetingForm()
    if form.validate_on_submit():
        try:
            lifecycle.cancel_meeting(meeting, current_user, form.reason.data)
        except InvalidInput as error:
            transaction.roll_back()
            _field_error(form, error)
        else:
            flash(_("Meeting cancelled; its cases are back in the pool."), "success")
            return redirect(url_for("meetings.board_meetings", slug=meeting.board.slug))
    return render_template("meetings/cancel.html", board=meeting.board, meeting=meeting, form=form,
                           count=len(meeting.items), when=display.when_label(meeting))


@bp.route("/meetings/<int:meeting_id>")
@login_required
def view(meeting_id: int):
    meeting = queries.load_agenda(meeting_or_404(meeting_id).id)
    if meeting.has_published_agenda and meeting.items:
        # By reference, as the case lists record theirs: "who saw this patient" finds it.
        audit.record_read("meeting.agenda_view", meeting, details={"cases": [i.case.reference for i in meeting.items]})
    return render_template(
        "meetings/view.html", board=meeting.board, meeting=meeting, can_manage=meeting.can_manage(current_user),
        timing=display.timing(meeting), starts=display.item_start_times(meeting),
        summaries=display.summaries(item.case for item in meeting.items),
        changed=display.change_marks(meeting) if meeting.has_published_agenda else set(),
        panels=panels.collect("meeting", meeting, current_user),
    )


@bp.route("/meetings/<int:meeting_id>.ics")
@login_required
def ics(meeting_id: int):
    meeting = meeting_or_404(meeting_id)
    return Response(
        calendar.meeting_ics(meeting), mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="mtb-{meeting.board.slug}-{meeting.local_day:%Y%m%d}.ics"'},
    )


@bp.route("/calendar/<token>.ics")
def calendar_feed(token: str):
    """A private feed for calendar apps: no login, the secret token is the key."""
    user = calendar.feed_owner(token)
    if user is None:
        abort(404)
    return Response(calendar.feed_for(user), mimetype="text/calendar",
                    headers={"Cache-Control": "private, max-age=300"})


# --- Agenda builder ------------------------------------------------------------

def _agenda_page(meeting_id: int, *, status: int = 200, error: InvalidInput | None = None,
                 conflict: str | None = None, item_error: dict | None = None, typed: dict | None = None):
    """The agenda builder; ``typed``: the rows' values as posted ("minutes-<id>", "presenter-<id>"),
    shown instead of the saved ones when a change was refused."""
    meeting = queries.load_agenda(meeting_id)
    now = utcnow()
    pool = pool_for(meeting, now)
    # The page shows the pool's cases: the read is kept even on a 409 or 422 answer.
    audit.record_read("meeting.agenda_builder", meeting, details={
        "cases": [i.case.reference for i in meeting.items], "pool": [entry.case.reference for entry in pool]})
    presenters = board_people_names(meeting.board_id, *PRESENTER_ROLES)
    locked = meeting.locked_reason(now)
    rows = display.agenda_rows(
        meeting, presenters=presenters, editable=not locked, max_minutes=MAX_ITEM_MINUTES,
        changed=display.change_marks(meeting) if meeting.has_published_agenda else set(),
        typed=typed or {}, item_error=item_error or {},
    )
    html = render_template(
        "meetings/agenda.html", board=meeting.board, meeting=meeting, pool=pool,
        due_count=sum(1 for entry in pool if entry.due), locked=locked, rows=rows,
        pool_rows=display.pool_rows(meeting, pool, editable=not locked),
        presenter_options=display.option_tags(presenters), timing=display.timing(meeting),
        error=error, conflict=conflict, now=now, typed=typed or {},
        canonical_url=url_for("meetings.agenda", meeting_id=meeting.id),
    )
    return html, status


@bp.route("/meetings/<int:meeting_id>/agenda")
@login_required
def agenda(meeting_id: int):
    return _agenda_page(meeting_or_404(meeting_id, need="manage").id)


def _typed_rows() -> dict:
    """The rows' minutes and presenters as posted, keyed as the builder's fields are."""
    form = request.form
    item_id = form.get("item_id")
    if item_id:  # one row's own form (the builder's page posts them all)
        return {key: value for key, value in ((f"minutes-{item_id}", form.get("minutes")),
                                              (f"presenter-{item_id}", form.get("presenter_id"))) if value is not None}
    return {key: value for key, value in form.items() if key.startswith(("minutes-", "presenter-"))}


def _agenda_change(meeting_id: int, change, success: str | None, anchor: str = "agenda"):
    """Run one agenda change; conflicts and bad input re-show the current agenda with a message."""
    meeting = meeting_or_404(meeting_id, need="manage")
    try:
        change(meeting)
    except ConflictError as error:
        # Someone else changed the agenda meanwhile: their version is shown, with the rows
        # as this user typed them (not saved: they save again once they have looked).
        transaction.roll_back()
        return _agenda_page(meeting_id, status=409, conflict=str(error), typed=_typed_rows())
    except InvalidInput as error:
        transaction.roll_back()
        item_error = {}
        item_id = getattr(error, "item_id", None) or request.form.get("item_id")
        if item_id:
            item_error = {"item_id": str(item_id), "field": error.field, "message": error.message}
        return _agenda_page(meeting_id, status=422, error=None if item_error else error, item_error=item_error,
                            typed=_typed_rows())
    if callable(success):
        success = success()
    if success:
        flash(success, "success")
    return redirect(url_for("meetings.agenda", meeting_id=meeting_id, _anchor=anchor))


@bp.route("/meetings/<int:meeting_id>/agenda/edit", methods=["POST"])
@login_required
def edit_agenda(meeting_id: int):
    """The builder's one form: the rows as typed, saved first, then the button pressed."""
    form = request.form
    action = builder.Action.parse(form.get("act"))
    order = [part for part in (form.get("order") or "").split(",") if part.strip()]
    done: dict[str, str | None] = {}

    def change(meeting: Meeting) -> None:
        done["message"] = builder.apply(meeting, current_user, form.get("version"), builder.typed_rows(form, meeting),
                                        action, order=order)

    anchor = {"remove": "pool", "publish": "main"}.get(action.verb, "agenda")
    if action.verb in ("up", "down"):
        anchor = f"item-{action.target}"
    return _agenda_change(meeting_id, change, lambda: done.get("message"), anchor=anchor)


@bp.route("/meetings/<int:meeting_id>/agenda/add", methods=["POST"])
@login_required
def add_to_agenda(meeting_id: int):
    form = request.form
    return _agenda_change(
        meeting_id,
        lambda m: services.add_case(m, form.get("case_id"), current_user, form.get("version")),
        _("Case added to the agenda."),
    )


@bp.route("/meetings/<int:meeting_id>/agenda/add-proposed", methods=["POST"])
@login_required
def add_proposed_to_agenda(meeting_id: int):
    form = request.form
    return _agenda_change(
        meeting_id,
        lambda m: services.add_all_proposed(m, current_user, form.get("version")),
        _("The cases proposed for this meeting are on the agenda."),
    )


@bp.route("/meetings/<int:meeting_id>/agenda/remove", methods=["POST"])
@login_required
def remove_from_agenda(meeting_id: int):
    form = request.form
    return _agenda_change(
        meeting_id,
        lambda m: services.remove_item(m, form.get("item_id"), current_user, form.get("version")),
        _("Case removed from the agenda; it is back in the pool."), anchor="pool",
    )


@bp.route("/meetings/<int:meeting_id>/agenda/move", methods=["POST"])
@login_required
def move_item(meeting_id: int):
    form = request.form
    return _agenda_change(
        meeting_id,
        lambda m: services.move_item(m, form.get("item_id"), form.get("direction", ""), current_user, form.get("version")),
        None, anchor=f"item-{form.get('item_id', '')}",
    )


@bp.route("/meetings/<int:meeting_id>/agenda/reorder", methods=["POST"])
@login_required
def reorder_agenda(meeting_id: int):
    form = request.form
    order = [part for part in (form.get("order") or "").split(",") if part.strip()]
    return _agenda_change(
        meeting_id,
        lambda m: services.reorder(m, order, current_user, form.get("version")),
        _("New order saved."),
    )


@bp.route("/meetings/<int:meeting_id>/agenda/item", methods=["POST"])
@login_required
def update_item(meeting_id: int):
    form = request.form
    return _agenda_change(
        meeting_id,
        lambda m: services.update_item(m, form.get("item_id"), current_user, form.get("version"),
                                       minutes=form.get("minutes"), presenter_id=form.get("presenter_id")),
        _("Saved."), anchor=f"item-{form.get('item_id', '')}",
    )


@bp.route("/meetings/<int:meeting_id>/agenda/publish", methods=["POST"])
@login_required
def publish_agenda(meeting_id: int):
    form = request.form
    return _agenda_change(
        meeting_id,
        lambda m: services.publish_agenda(m, current_user, form.get("version")),
        _("Agenda published; the board's members and the submitters are told by e-mail."), anchor="main",
    )


def _field_error(form, error: InvalidInput) -> None:
    show_error(form, error.field, error.message, "date" if hasattr(form, "date") else "reason")
