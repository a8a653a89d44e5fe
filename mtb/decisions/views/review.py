"""The chair's review of a meeting's decisions: every case with its latest version in
full, each draft validated on its own or all of them at once."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from mtb import access, transaction
from mtb.audit import services as audit
from mtb.decisions import bp, queries, services
from mtb.decisions.session import BeforeMeetingDay, day_label
from mtb.errors import NotAllowed, ServiceUnavailable
from mtb.i18n import gettext as _
from mtb.i18n import ngettext
from mtb.idempotency import once


@bp.route("/meetings/<int:meeting_id>/review")
@login_required
def review(meeting_id: int):
    meeting = access.meeting_or_404(meeting_id, need="run")
    latest = queries.latest_by_item(meeting)
    recusals = queries.recusals_by_item(meeting)
    audit.record_read("meeting.review", meeting, board_id=meeting.board_id,
                      details={"cases": len(meeting.items)})
    rows = [(item, latest.get(item.id), queries.item_state(item, queries.status_of(latest.get(item.id))),
             recusals.get(item.id, [])) for item in meeting.items]
    return render_template(
        "decisions/review.html", meeting=meeting, board=meeting.board, rows=rows,
        drafts=[d for d in latest.values() if d.is_draft], is_chair=current_user.is_chair(meeting.board_id),
        for_another_chair={d.id for d in services.drafts_for_another_chair(meeting, current_user)},
        day_has_come=meeting.day_has_come(), meeting_day=day_label(meeting),
    )


@bp.route("/meetings/<int:meeting_id>/review/validate-all", methods=["POST"])
@login_required
@once
def validate_all(meeting_id: int):
    meeting = access.meeting_or_404(meeting_id, need="run")
    if not current_user.is_chair(meeting.board_id):
        access.refuse(403, "Meeting", meeting.id, "validate")
    try:
        validated = services.validate_all(meeting, current_user)
    except (BeforeMeetingDay, NotAllowed, ServiceUnavailable) as error:
        transaction.roll_back()
        flash(str(error), "error")
    else:
        left = services.drafts_for_another_chair(meeting, current_user)
        if validated:
            flash(ngettext("%(num)d decision validated and locked.", "%(num)d decisions validated and locked.",
                           len(validated)), "success")
        elif not left:
            flash(_("No draft decision was left to validate."), "info")
        if left:
            flash(_("Left for another chair of the board, as you are recused on these cases (conflict of interest): "
                    "%(refs)s.", refs=", ".join(d.case.reference for d in left)), "warning")
    return redirect(url_for("decisions.review", meeting_id=meeting.id))
