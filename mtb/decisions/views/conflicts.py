"""A member's own conflicts of interest, declared from the agenda page before the meeting
(or during it): the member is then recused on that case."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from mtb import access, transaction
from mtb.decisions import attendance as room
from mtb.decisions import bp, queries
from mtb.errors import InvalidInput
from mtb.i18n import gettext as _


def _back(meeting_id: int):
    return redirect(url_for("meetings.view", meeting_id=meeting_id, _anchor="my-conflicts"))


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/my-conflict", methods=["POST"])
@login_required
def declare_own_conflict(meeting_id: int, item_id: int):
    meeting = access.meeting_or_404(meeting_id)
    item = queries.get_item(meeting, item_id)
    try:
        room.declare_own_conflict(item, current_user, request.form.get("note"))
    except InvalidInput as error:
        transaction.roll_back()
        flash(error.message, "error")
    else:
        flash(_("Your conflict of interest on %(ref)s is recorded: you are recused on this case.",
                ref=item.case.reference), "success")
    return _back(meeting.id)


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/my-conflict/withdraw", methods=["POST"])
@login_required
def withdraw_own_conflict(meeting_id: int, item_id: int):
    meeting = access.meeting_or_404(meeting_id)
    item = queries.get_item(meeting, item_id)
    try:
        room.withdraw_own_conflict(item, current_user)
    except InvalidInput as error:
        transaction.roll_back()
        flash(error.message, "error")
    else:
        flash(_("Your declaration on %(ref)s is withdrawn.", ref=item.case.reference), "success")
    return _back(meeting.id)
