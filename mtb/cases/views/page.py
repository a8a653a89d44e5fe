"""The case page, and the two steps taken from it: submitting a draft, withdrawing a case."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from mtb import access, panels, transaction
from mtb.cases import bp, checks, completeness, services, validation
from mtb.cases.forms import AttachmentForm, ConfirmForm, WithdrawForm
from mtb.cases.models import Case
from mtb.db import utcnow
from mtb.formatting import age_text
from mtb.i18n import gettext as _
from mtb.idempotency import once


@bp.route("/cases/<int:case_id>")
@login_required
def view(case_id: int):
    return render_case(access.case_or_404(case_id, full=True))


def render_case(case: Case, attachment_form: AttachmentForm | None = None, status: int = 200):
    """The case page; after a refused upload, with the error next to the file field.

    Other parts add their panels beside the timeline (``@panel("case", ...)``).
    """
    services.record_view(case)
    return render_template(
        "cases/view.html", case=case, board=case.board, panels=panels.collect("case", case, current_user),
        canonical_url=url_for("cases.view", case_id=case.id),
        icd_description=checks.icd10_description(case.icd10_code),
        attachment_form=attachment_form or AttachmentForm(), confirm_form=ConfirmForm(),
        age=age_text(case.patient_birth_date, utcnow().date()),
        can_edit=case.can_edit(current_user), can_submit=case.can_submit(current_user),
        can_withdraw=case.can_withdraw(current_user),
        can_attach=case.can_add_attachments(current_user),
        can_remove_files=case.can_remove_attachments(current_user),
        missing=validation.missing_to_submit(case),
    ), status


@bp.route("/cases/<int:case_id>/submit", methods=["GET", "POST"])
@login_required
@once
def submit(case_id: int):
    case = access.case_or_404(case_id)
    if not case.can_submit(current_user):
        access.refuse(403, "Case", case.id, "submit")
    form = ConfirmForm()
    missing = validation.missing_to_submit(case)
    if form.validate_on_submit() and not missing:
        try:
            services.submit_case(case, current_user)
        except validation.CaseInputError as error:
            transaction.roll_back()
            missing = {k: v[0] for k, v in error.errors.items()}
        else:
            flash(_("Case %(ref)s submitted to %(board)s.", ref=case.reference, board=case.board.name), "success")
            return redirect(url_for("cases.view", case_id=case.id))
    return render_template("cases/confirm_submit.html", case=case, board=case.board, form=form, missing=missing,
                           completeness_lacking=completeness.missing_for_case(case))


@bp.route("/cases/<int:case_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(case_id: int):
    case = access.case_or_404(case_id, need="manage")
    refusal = case.withdrawal_refusal()
    if refusal is not None:
        flash(refusal, "error")
        return redirect(url_for("cases.view", case_id=case.id))
    form = WithdrawForm()
    if form.validate_on_submit():
        services.withdraw_case(case, current_user, form.reason.data)
        flash(_("Case %(ref)s withdrawn.", ref=case.reference), "success")
        return redirect(url_for("cases.view", case_id=case.id))
    return render_template("cases/confirm_withdraw.html", case=case, board=case.board, form=form)
