"""Meetings pages: a board's meetings, the agenda builder, the published agenda,
moving, cancelling and adding meetings, and calendar files."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

import sqlalchemy as sa

from mtb.accounts.models import Role, User
from mtb.audit import services as audit
from mtb.boards import services as boards
from mtb.cases.models import CaseStatus
from mtb.db import utcnow
from mtb.errors import ConflictError, InvalidInput
from mtb.extensions import db
from mtb.meetings import bp, calendar, services
from mtb.meetings.cadence import utc_to_local
from mtb.meetings.forms import CancelMeetingForm, MeetingForm
from mtb.meetings.models import Meeting


def _board_for_viewer(slug: str):
    board = boards.get_board(slug)
    if not current_user.has_role(board.id):
        abort(403)
    return board


def _meeting_for(meeting_id: int, manage: bool = False) -> Meeting:
    """The meeting if the user may see it. Other boards' meetings answer 404, like their
    cases (a 403 would tell that the meeting exists); a member who may see but not
    manage it gets 403."""
    meeting = services.get_meeting(meeting_id)
    if not meeting.can_view(current_user):
        abort(404)
    if manage and not meeting.can_manage(current_user):
        abort(403)
    return meeting


def _is_secretary(board) -> bool:
    return current_user.has_role(board.id, Role.SECRETARY)


@bp.route("/boards/<slug>/meetings")
@login_required
def board_meetings(slug: str):
    board = _board_for_viewer(slug)
    listing = services.board_meetings(board)
    return render_template(
        "meetings/board_meetings.html", board=board, listing=listing, can_manage=_is_secretary(board),
        status_label=services.status_label, cadence_changed=services.CADENCE_CHANGED,
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
    if not _is_secretary(board):
        abort(403)
    form = MeetingForm()
    if request.method == "GET":
        _prefill(form, board.meeting_length_minutes, board.location, board.video_link)
    if form.validate_on_submit():
        try:
            meeting = services.add_extra_meeting(board, current_user, **_schedule(form))
        except InvalidInput as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            flash(_("Extra meeting added on %(when)s.", when=services.when_label(meeting)), "success")
            return redirect(url_for("meetings.agenda", meeting_id=meeting.id))
    return render_template("meetings/meeting_form.html", board=board, form=form, meeting=None)


@bp.route("/meetings/<int:meeting_id>/move", methods=["GET", "POST"])
@login_required
def move(meeting_id: int):
    meeting = _meeting_for(meeting_id, manage=True)
    board = meeting.board
    form = MeetingForm()
    if request.method == "GET":
        local = utc_to_local(meeting.starts_at, board.timezone)
        form.date.data, form.time.data = local.date(), local.time()
        _prefill(form, meeting.duration_minutes, meeting.location, meeting.video_link)
    if form.validate_on_submit():
        try:
            services.move_meeting(meeting, current_user, **_schedule(form))
        except InvalidInput as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            flash(_("Meeting moved to %(when)s; members and submitters are told.", when=services.when_label(meeting)), "success")
            return redirect(url_for("meetings.board_meetings", slug=board.slug))
    return render_template("meetings/meeting_form.html", board=board, form=form, meeting=meeting)


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(meeting_id: int):
    meeting = _meeting_for(meeting_id, manage=True)
    form = CancelMeetingForm()
    if form.validate_on_submit():
        try:
            services.cancel_meeting(meeting, current_user, form.reason.data)
        except InvalidInput as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            flash(_("Meeting cancelled; its cases are back in the pool."), "success")
            return redirect(url_for("meetings.board_meetings", slug=meeting.board.slug))
    return render_template("meetings/cancel.html", board=meeting.board, meeting=meeting, form=form,
                           count=len(meeting.items), when=services.when_label(meeting))


@bp.route("/meetings/<int:meeting_id>")
@login_required
def view(meeting_id: int):
    meeting = _meeting_for(meeting_id)
    meeting = services.load_agenda(meeting.id)
    published = meeting.agenda_publications > 0
    can_manage = meeting.can_manage(current_user)
    changed = services.change_marks(meeting) if published else set()
    html = render_template(
        "meetings/view.html", board=meeting.board, meeting=meeting, published=published, can_manage=can_manage,
        timing=services.timing(meeting), starts=services.item_start_times(meeting),
        status_label=services.status_label, summary=services.biomarker_summary, changed=changed,
    )
    if published and meeting.items:
        # Committed after rendering: committing first would expire the loaded agenda.
        audit.record("meeting.agenda_view", meeting, details={"cases": len(meeting.items)})
        db.session.commit()
    return html


@bp.route("/meetings/<int:meeting_id>.ics")
@login_required
def ics(meeting_id: int):
    meeting = _meeting_for(meeting_id)
    return Response(
        calendar.meeting_ics(meeting), mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="mtb-{meeting.board.slug}-{meeting.starts_at:%Y%m%d}.ics"'},
    )


@bp.route("/calendar/<token>.ics")
def calendar_feed(token: str):
    """A private feed for calendar apps: no login, the secret token is the key."""
    user = db.session.scalar(sa.select(User).where(User.calendar_token == token)) if len(token) >= 20 else None
    if user is None or not user.active:
        abort(404)
    return Response(calendar.feed_for(user), mimetype="text/calendar",
                    headers={"Cache-Control": "private, max-age=300"})


# --- Agenda builder ------------------------------------------------------------

def _agenda_page(meeting: Meeting, *, status: int = 200, error: InvalidInput | None = None,
                 conflict: str | None = None, item_error: dict | None = None):
    meeting = services.load_agenda(meeting.id)
    now = utcnow()
    pool = services.pool_for(meeting, now)
    html = render_template(
        "meetings/agenda.html", board=meeting.board, meeting=meeting, pool=pool,
        due_count=sum(1 for entry in pool if entry.due), locked=services.locked_reason(meeting, now),
        changed=services.change_marks(meeting) if meeting.agenda_publications else set(),
        presenters=services.presenters(meeting.board_id), timing=services.timing(meeting),
        starts=services.item_start_times(meeting), summary=services.biomarker_summary,
        error=error, conflict=conflict, item_error=item_error or {}, now=now,
        status_label=services.status_label, CaseStatus=CaseStatus,
    )
    # Committed after rendering: committing first would expire the loaded agenda and pool.
    audit.record("meeting.agenda_builder", meeting, details={"cases": len(meeting.items), "pool": len(pool)})
    db.session.commit()
    return html, status


@bp.route("/meetings/<int:meeting_id>/agenda")
@login_required
def agenda(meeting_id: int):
    meeting = _meeting_for(meeting_id, manage=True)
    return _agenda_page(meeting)


def _agenda_change(meeting_id: int, change, success: str | None, anchor: str = "agenda"):
    """Run one agenda change; conflicts and bad input re-show the current agenda with a message."""
    meeting = _meeting_for(meeting_id, manage=True)
    try:
        change(meeting)
    except ConflictError as error:
        db.session.rollback()
        return _agenda_page(meeting, status=409, conflict=str(error))
    except InvalidInput as error:
        db.session.rollback()
        item_error = {}
        if request.form.get("item_id"):
            item_error = {"item_id": request.form.get("item_id"), "field": error.field, "message": error.message,
                          "typed": request.form.to_dict()}
        return _agenda_page(meeting, status=422, error=None if item_error else error, item_error=item_error)
    db.session.commit()
    if success:
        flash(success, "success")
    return redirect(url_for("meetings.agenda", meeting_id=meeting_id, _anchor=anchor))


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
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        field = form.date if hasattr(form, "date") else form.reason
    field.errors = list(field.errors) + [error.message]
