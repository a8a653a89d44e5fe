"""The meeting day's urgent cases, from the session page: one brought to the meeting in
session (from the pool, or moved from a later agenda), and one added by mistake taken off
again while nothing is recorded on it."""

from __future__ import annotations

from flask import flash, redirect
from flask_login import current_user, login_required

from mtb import access, transaction
from mtb.decisions import bp, queries
from mtb.decisions.forms import LateCaseForm
from mtb.decisions.session import bring_urgent_case, undo_urgent_case
from mtb.decisions.views.in_session import (
    attendance_refused,
    carried_attendance,
    field_error,
    flash_carried_attendance,
    posted_item_id,
    render_session,
    save_carried_attendance,
    session_url,
)
from mtb.errors import InvalidInput
from mtb.i18n import gettext as _
from mtb.idempotency import once
from mtb.meetings.display import when_label


@bp.route("/meetings/<int:meeting_id>/session/add-case", methods=["POST"])
@login_required
@once
def add_case(meeting_id: int):
    """An urgent case brought to the meeting in session, at the end of its agenda. The page
    stays on the case being discussed: the room does not move."""
    meeting = access.meeting_or_404(meeting_id, need="run")
    form = LateCaseForm()
    item_id = posted_item_id()
    item = queries.get_item(meeting, item_id) if item_id else None
    carried = carried_attendance()
    if not form.validate_on_submit():
        return render_session(meeting, item, late_form=form, status=422, typed_attendance=carried)
    try:
        save_carried_attendance(meeting, carried)
    except InvalidInput as error:
        return attendance_refused(meeting, item, carried, error)
    try:
        added = bring_urgent_case(meeting, form.case_id.data, current_user)
    except InvalidInput as error:
        transaction.roll_back()
        if not meeting.is_in_session:  # closed meanwhile: the page no longer has the form
            flash(error.message, "error")
            return redirect(session_url(meeting, item_id=item_id))
        field_error(form, error, "case_id")
        return render_session(meeting, item, late_form=form, status=422, typed_attendance=carried)
    flash_carried_attendance(carried)
    flash(_("Case %(ref)s added at the end of the agenda (number %(n)d).", ref=added.case.reference,
            n=added.position), "success")
    return redirect(session_url(meeting, item_id=item_id))


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/take-off", methods=["POST"])
@login_required
@once
def take_off(meeting_id: int, item_id: int):
    """Undo an urgent case added by mistake (nothing recorded on it yet): back to the later
    agenda it was moved from, or to the pool."""
    meeting = access.meeting_or_404(meeting_id, need="run")
    try:
        case, back = undo_urgent_case(meeting, item_id, current_user)
    except InvalidInput as error:
        transaction.roll_back()
        flash(error.message, "error")
        return redirect(session_url(meeting, item_id=item_id))
    if back is None:
        flash(_("Case %(ref)s is off this meeting's agenda and back in the pool.", ref=case.reference), "success")
    else:
        flash(_("Case %(ref)s is off this meeting's agenda and back on the agenda of %(when)s (number %(n)d).",
                ref=case.reference, when=when_label(back.meeting), n=back.position), "success")
    return redirect(session_url(meeting, item_id=posted_item_id()))
