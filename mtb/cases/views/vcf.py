"""Importing variants from an attached VCF: the review of the proposed rows (filters, a
tick per row, the problems the case form's checks find), then adding the ticked rows."""

from __future__ import annotations

from decimal import InvalidOperation

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from mtb import access, transaction
from mtb.audit import services as audit
from mtb.cases import bp
from mtb.cases.problems import to_decimal
from mtb.cases.vcf import VcfRefused
from mtb.cases.vcf_import import ImportFilters, RowsInvalid, import_rows, parse_genes, review
from mtb.errors import ConflictError, InvalidInput, NotAllowed
from mtb.http import db_int
from mtb.i18n import gettext as _
from mtb.i18n import ngettext


def _filters(args) -> tuple[ImportFilters, str | None]:
    """The review's filters from the query or the posted form; defaults until the user sets them."""
    problem = None
    try:
        vaf_min = to_decimal((args.get("vaf_min") or "").strip().rstrip("%"))
        if vaf_min is not None and not 0 <= vaf_min <= 100:
            raise InvalidOperation
    except InvalidOperation:
        vaf_min, problem = None, _("A VAF floor is a percentage between 0 and 100, e.g. 5.")
    if not args.get("filtered"):
        return ImportFilters(vaf_min=vaf_min, genes=parse_genes(args.get("genes"))), problem
    return ImportFilters(pass_only=bool(args.get("pass_only")), relevant_only=bool(args.get("relevant_only")),
                         vaf_min=vaf_min, genes=parse_genes(args.get("genes"))), problem


def _drivers(args) -> dict[str, str]:
    """The driver chosen on each fusion row the file cannot settle (``driver-<row key>``)."""
    return {name.removeprefix("driver-"): value for name, value in args.items() if name.startswith("driver-")}


def _render(case, attachment, args, *, status=200, refusal=None, invalid=(), ticked=None, error=None, found=None):
    """The review page; ``found`` is a review already read (the POST's), shown under the page's filters."""
    filters, vaf_problem = _filters(args)
    if found is not None:
        found.show(filters, _drivers(args))
    elif refusal is None:
        try:
            found = review(case, attachment, sample=args.get("sample") or None,
                           report_id=args.get("report", type=db_int), filters=filters)
        except VcfRefused as refused:
            refusal, status = refused.message, 422 if status == 200 else status
    audit.record_read("case.vcf_review", case, board_id=case.board_id, details={
        "case": case.reference, "file": attachment.filename,
        "rows": len(found.proposal.rows) if found else 0})
    if ticked is None and found is not None:
        ticked = found.ticked_by_default
    return render_template(
        "cases/vcf_import.html", case=case, board=case.board, attachment=attachment, review=found,
        refusal=refusal, filters=filters, vaf_problem=vaf_problem, args=args, invalid=set(invalid),
        ticked=ticked or set(), error=error,
    ), status


@bp.route("/cases/<int:case_id>/attachments/<int:attachment_id>/variants", methods=["GET", "POST"])
@login_required
def import_variants(case_id: int, attachment_id: int):
    """The proposed rows (GET, with the filters as arguments); the ticked ones added (POST)."""
    if request.method == "POST":
        return add_variants(case_id, attachment_id)
    case = access.case_or_404(case_id, need="manage")
    attachment = access.attachment_or_404(case_id, attachment_id, need="manage", with_data=True)
    if not case.can_edit(current_user):
        flash(case.edit_refusal(), "error")  # managed here (need="manage"): the refusal says why
        return redirect(url_for("cases.view", case_id=case.id, _anchor="attachments"))
    return _render(case, attachment, request.args)


def add_variants(case_id: int, attachment_id: int):
    case = access.case_or_404(case_id, need="manage")
    attachment = access.attachment_or_404(case_id, attachment_id, need="manage", with_data=True)
    form = request.form
    keys = form.getlist("row")
    try:
        added = import_rows(case, attachment, current_user, keys, sample=form.get("sample") or None,
                            report_id=form.get("report", type=db_int), expected_version=form.get("version"),
                            drivers=_drivers(form))
    except RowsInvalid as error:
        transaction.roll_back()
        return _render(case, attachment, form, status=422, invalid=error.keys, ticked=set(keys), error=error.message,
                       found=error.review)
    except (InvalidInput, ConflictError) as error:
        transaction.roll_back()
        message = getattr(error, "message", None) or str(error)
        return _render(case, attachment, form, status=409 if isinstance(error, ConflictError) else 422,
                       ticked=set(keys), error=message)
    except NotAllowed as error:
        transaction.roll_back()
        flash(str(error), "error")
        return redirect(url_for("cases.view", case_id=case.id))
    flash(ngettext("%(num)d finding added from %(file)s.", "%(num)d findings added from %(file)s.", len(added),
                   file=attachment.filename), "success")
    return redirect(url_for("cases.view", case_id=case.id, _anchor="h-biomarkers"))
