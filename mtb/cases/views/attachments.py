"""A case's files: added from the case page, downloaded, removed while the board has not seen them."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, url_for
from flask_login import current_user, login_required

from mtb import access, transaction
from mtb.cases import bp, services, validation
from mtb.cases.forms import AttachmentForm, ConfirmForm, received_uploads
from mtb.cases.uploads import content_disposition
from mtb.cases.views.page import render_case
from mtb.errors import NotAllowed
from mtb.i18n import gettext as _
from mtb.i18n import ngettext


@bp.route("/cases/<int:case_id>/attachments", methods=["POST"])
@login_required
def upload(case_id: int):
    case = access.case_or_404(case_id, need="manage")
    if not case.can_add_attachments(current_user):
        access.refuse(403, "Case", case.id, "attach")
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            attachments = services.add_attachments(case, current_user, received_uploads(form.files),
                                                   form.description.data)
        except validation.CaseInputError as error:
            transaction.roll_back()
            form.files.errors = list(error.errors.get("files", [])) or [_("The files could not be attached.")]
            return render_case(case, attachment_form=form, status=422)
        flash(ngettext("%(num)d file attached.", "%(num)d files attached.", len(attachments)), "success")
    elif any(name != "csrf_token" for name in form.errors):
        # A field's own problem (a description too long) stands beside it, with what was typed.
        form.files.errors, form.files_to_choose_again = _files_shown_again(form)
        return render_case(case, attachment_form=form, status=422)
    else:
        flash(_("The upload could not be read; choose the file again."), "error")
    return redirect(url_for("cases.view", case_id=case.id, _anchor="attachments"))


def _files_shown_again(form: AttachmentForm) -> tuple[list[str], list[str]]:
    """Browsers cannot refill a file input: check the chosen files now (a bad one is said
    at once, beside the field) and name the good ones, to be chosen again."""
    checked, problems = validation.sort_uploads(received_uploads(form.files))
    return list(form.files.errors or []) + problems, [f.filename for f in checked]


@bp.route("/cases/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def download(case_id: int, attachment_id: int):
    attachment = access.attachment_or_404(case_id, attachment_id, with_data=True)
    services.record_download(attachment, current_user)
    response = Response(attachment.data, mimetype=attachment.content_type)
    response.headers["Content-Disposition"] = content_disposition(attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Length"] = str(attachment.size)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/cases/<int:case_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
@login_required
def remove_attachment(case_id: int, attachment_id: int):
    attachment = access.attachment_or_404(case_id, attachment_id, need="manage")
    if not ConfirmForm().validate_on_submit():
        abort(400)  # no CSRF token: not a request to act on
    filename = attachment.filename
    try:
        services.remove_attachment(attachment, current_user)
    except NotAllowed as error:
        transaction.roll_back()
        flash(str(error), "error")
    else:
        flash(_("%(name)s removed.", name=filename), "success")
    return redirect(url_for("cases.view", case_id=case_id, _anchor="attachments"))
