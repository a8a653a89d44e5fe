"""One decision: its page with every version, the chair's validation, and a correction."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from mtb import access, transaction
from mtb.decisions import bp, queries, services
from mtb.decisions.session import BeforeMeetingDay
from mtb.decisions.validation import DecisionInvalid
from mtb.decisions.views.decision_form import decision_form, form_data, rows_changed
from mtb.decisions.views.in_session import carried_attendance, flash_carried_attendance, save_carried_attendance
from mtb.errors import ConflictError, InvalidInput, NotAllowed, ServiceUnavailable
from mtb.http import db_int
from mtb.i18n import gettext as _
from mtb.idempotency import once


@bp.route("/decisions/<int:decision_id>")
@login_required
def view(decision_id: int):
    decision = access.decision_or_404(decision_id)
    versions = [v for v in queries.versions_of(decision.agenda_item) if v.can_view(current_user)]
    services.record_read(decision, current_user)
    meeting = decision.meeting
    return render_template(
        "decisions/view.html", decision=decision, versions=versions, meeting=meeting, board=meeting.board,
        case=decision.case, is_chair=current_user.is_chair(decision.board_id),
        can_run=meeting.can_run(current_user), latest=versions[0] if versions else decision,
    )


@bp.route("/decisions/<int:decision_id>/validate", methods=["POST"])
@login_required
@once
def validate(decision_id: int):
    decision = access.decision_or_404(decision_id)
    # From the session page: ticks not yet saved count for the quorum the decision is validated with.
    carried = carried_attendance()
    try:
        save_carried_attendance(decision.meeting, carried)
    except InvalidInput as error:
        transaction.roll_back()
        flash(error.message, "error")
        return redirect(url_for("decisions.session", meeting_id=decision.meeting_id, item=decision.agenda_item_id))
    try:
        # The version the chair read (the validate buttons carry it): text saved since is read first.
        services.validate(decision, current_user, row_version=request.form.get("row_version", type=db_int))
    except services.AlreadyValidated:
        # A double click, or a second tab: nothing to do, say so where the chair was going.
        transaction.roll_back()
        save_carried_attendance(decision.meeting, carried)
        flash_carried_attendance(carried)
        flash(_("Version %(n)d of the decision on %(ref)s was already validated.",
                n=decision.version, ref=decision.case.reference), "info")
    except BeforeMeetingDay as error:
        transaction.roll_back()
        save_carried_attendance(decision.meeting, carried)
        flash_carried_attendance(carried)
        flash(error.message, "error")
    except (services.RecusedChair, ConflictError) as error:
        # Said where the chair was; the page shows the saved version to read (or to leave to another chair).
        transaction.roll_back()
        save_carried_attendance(decision.meeting, carried)
        flash_carried_attendance(carried)
        flash(str(error), "warning")
    except ServiceUnavailable as error:
        # A correction on signed minutes is published (signed) as it is validated: the
        # time-stamping service did not answer, so it stays a draft to validate again.
        transaction.roll_back()
        save_carried_attendance(decision.meeting, carried)
        flash_carried_attendance(carried)
        flash(str(error), "error")
    else:
        flash_carried_attendance(carried)
        if decision.is_published:
            flash(_("Correction validated and published: new minutes version and letter."), "success")
        else:
            flash(_("Decision on %(ref)s validated and locked.", ref=decision.case.reference), "success")
    back = request.form.get("back")
    if back == "session":
        return redirect(url_for("decisions.session", meeting_id=decision.meeting_id, item=decision.agenda_item_id))
    if back == "minutes":
        return redirect(url_for("minutes.meeting_minutes", meeting_id=decision.meeting_id))
    if back == "review":
        return redirect(url_for("decisions.review", meeting_id=decision.meeting_id, _anchor=f"item-{decision.agenda_item_id}"))
    return redirect(url_for("decisions.view", decision_id=decision.id))


@bp.route("/decisions/<int:decision_id>/correct", methods=["GET", "POST"])
@login_required
@once
def correct(decision_id: int):
    decision = access.decision_or_404(decision_id, need="run")
    # A post keeps what was typed whatever happened meanwhile: the service says why it is refused.
    if request.method == "GET" and not decision.is_validated:
        raise NotAllowed(_("Only the current validated version of a decision can be corrected."))
    item = decision.agenda_item
    errors = {}
    conflict = newer = None
    status = 200
    if request.method == "POST":
        form = decision_form(item, formdata=request.form, correction=True)
        if form.validate():
            changed, _focus = rows_changed(form, item, correction=True)
            if changed is not None:
                form = changed
            else:
                try:
                    new = services.correct(decision, current_user, form.summary.data, form.recommendation_data(),
                                           form.correction_reason.data)
                except DecisionInvalid as error:
                    transaction.roll_back()
                    form.attach_errors(error.errors)
                    errors = error.errors
                except (ConflictError, NotAllowed) as error:
                    # Someone corrected it meanwhile, or it can no longer be corrected: the typed text stays.
                    transaction.roll_back()
                    conflict, status = str(error), 409
                    newer = queries.latest_decision(item)
                    if newer is not None and newer.id == decision.id:
                        newer = None
                else:
                    flash(_("Correction saved as version %(n)d (draft). The chair validates it.", n=new.version), "success")
                    return redirect(url_for("decisions.view", decision_id=new.id))
    else:
        data = form_data(decision)
        data["correction_reason"] = ""
        form = decision_form(item, data=data, correction=True)
    # The page shows the case and the decision: a read of patient data, on GET and on a failed POST.
    services.record_read(decision, current_user)
    meeting = decision.meeting
    return render_template(
        "decisions/correct.html", decision=decision, meeting=meeting, board=meeting.board, case=decision.case,
        item=item, form=form, errors=errors, conflict=conflict, newer=newer,
    ), status
