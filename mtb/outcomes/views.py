"""Outcomes pages: the dashboards, the follow-up form, the due follow-ups, the research export."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, current_app, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from mtb import transaction
from mtb.access import refuse
from mtb.audit import services as audit
from mtb.boards import services as boards
from mtb.db import utcnow
from mtb.errors import ConflictError, InvalidInput, NotAllowed, NotFound
from mtb.form_errors import show_error
from mtb.formatting import to_local
from mtb.i18n import gettext as _
from mtb.outcomes import bp, dashboard, export, queries, services
from mtb.outcomes.forms import ExportForm, FollowUpForm
from mtb.outcomes.models import may_list_due, may_record, may_see_dashboard
from mtb.outcomes.validation import FollowUpInputError


def _board(slug: str):
    try:
        return boards.get_board(slug)
    except NotFound:
        refuse(404, "Board", slug, "outcomes")


def _today() -> date:
    return to_local(utcnow()).date()


def _period():
    """The period asked for in the query string, the error to show next to its field, and
    the dates for the form's two fields. A refused period shows the default period's
    figures, but its fields keep what was typed (to be corrected, not typed again)."""
    typed = {"from": request.args.get("from"), "to": request.args.get("to")}
    try:
        period, error = dashboard.parse_period(typed["from"], typed["to"], _today()), None
    except InvalidInput as refused:
        period, error = dashboard.parse_period(None, None, _today()), refused
    fields = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    if error is not None:
        fields.update({name: value for name, value in typed.items() if value})
    return period, error, fields


@bp.route("/outcomes")
@login_required
def index():
    """Administrators: the site's dashboard. Others: the dashboards of their boards."""
    visible = [board for board in boards.list_boards() if may_see_dashboard(board.id, current_user)]
    if not current_user.is_admin:
        if len(visible) == 1:
            return redirect(url_for("outcomes.board", slug=visible[0].slug))
        if not visible:
            return render_template("outcomes/index.html", boards=visible, site=None, per_board=[])
    period, error, fields = _period()
    action = "outcomes.site_dashboard" if current_user.is_admin else "outcomes.boards_summary"
    audit.record_read(action, details={"from": period.first.isoformat(), "to": period.last.isoformat(),
                                       "boards": [board.slug for board in visible]})
    # The site's days are the hospital's (the boards' default zone), whichever board comes first.
    site, per_board = dashboard.site(visible, period, current_app.config["BOARD_TIMEZONE"])
    # Someone on several boards compares them; the whole site's figures are the administrators'.
    return render_template("outcomes/index.html", boards=visible, site=site if current_user.is_admin else None,
                           per_board=per_board, period=period, period_error=error, period_fields=fields)


@bp.route("/outcomes/boards/<slug>")
@login_required
def board(slug: str):
    board = _board(slug)
    if not may_see_dashboard(board.id, current_user):
        # Boards are no secret (403); their cases are (the follow-up of another board's case: 404).
        refuse(403, "Board", board.id, "outcomes")
    period, error, fields = _period()
    # The slow cases are named by their references.
    audit.record_read("outcomes.board_dashboard", board, details={"from": period.first.isoformat(),
                                                                   "to": period.last.isoformat()})
    return render_template("outcomes/board.html", board=board, figures=dashboard.figures([board], period, board.timezone),
                           period=period, period_error=error, period_fields=fields)


@bp.route("/outcomes/boards/<slug>/follow-ups")
@login_required
def follow_ups(slug: str):
    """The board's follow-ups due and not recorded (secretaries and administrators)."""
    board = _board(slug)
    if not may_list_due(board.id, current_user):
        refuse(403, "Board", board.id, "follow_ups")
    due = queries.due_follow_ups(utcnow(), boards=[board])
    audit.record_read("outcomes.follow_ups_due", board, details={"count": len(due)})
    return render_template("outcomes/follow_ups.html", board=board, due=due, limit=queries.PAGE_LIMIT)


@bp.route("/outcomes/recommendations/<int:recommendation_id>/follow-up/<int:months>", methods=["GET", "POST"])
@login_required
def record(recommendation_id: int, months: int):
    recommendation = queries.recommendation_for(recommendation_id, current_user)
    if recommendation is None:
        refuse(404, "Recommendation", recommendation_id, "follow_up")
    case = recommendation.decision.case
    if not may_record(case, current_user):
        refuse(403, "Recommendation", recommendation_id, "follow_up")
    if months not in (case.board.follow_up_months or []):
        refuse(404, "Recommendation", recommendation_id, f"follow_up_{months}")
    history = queries.versions(recommendation.id, months)
    form = FollowUpForm()
    status = 200
    if request.method == "GET":
        if history:
            form.fill(history[0])
        else:
            form.drug.data = recommendation.drug
    elif form.validate_on_submit():
        try:
            services.record_follow_up(recommendation, months, current_user, form.values(),
                                      change_reason=form.change_reason.data)
        except FollowUpInputError as error:
            transaction.roll_back()
            for field, message in error.problems.items():
                show_error(form, field, message, "implemented")
            status = 422
        except InvalidInput as error:
            transaction.roll_back()
            show_error(form, error.field, error.message, "implemented")
            status = 422
        except ConflictError as error:
            transaction.roll_back()
            show_error(form, None, str(error), "implemented")
            history = queries.versions(recommendation.id, months)
            status = 409
        except NotAllowed:
            refuse(403, "Recommendation", recommendation_id, "follow_up")
        else:
            flash(_("Follow-up at %(months)d months of %(ref)s recorded.", months=months, ref=case.reference), "success")
            return redirect(url_for("cases.view", case_id=case.id) + "#follow-up")
    else:
        status = 422
    audit.record_read("follow_up.view", case, board_id=case.board_id,
                      details={"case": case.reference, "recommendation": recommendation.id, "months": months})
    return render_template("outcomes/record.html", form=form, recommendation=recommendation, case=case, months=months,
                           history=history, due=queries.due_on(recommendation.decision.decided_at, months, case.board.timezone)), status


@bp.route("/outcomes/boards/<slug>/export", methods=["GET", "POST"])
@login_required
def export_csv(slug: str):
    """Administrators: the board's cases, decisions and follow-ups as CSV."""
    board = _board(slug)
    if not current_user.is_admin:
        refuse(403, "Board", board.id, "outcomes_export")
    form = ExportForm()
    if request.method == "GET":
        form.end.data = _today()
        form.start.data = form.end.data - timedelta(days=365)
        form.separator.data = export.usual_separator(get_locale())
        return render_template("outcomes/export.html", board=board, form=form)
    if not form.validate_on_submit():
        return render_template("outcomes/export.html", board=board, form=form), 422
    try:
        period = dashboard.parse_period(form.start.data and form.start.data.isoformat(),
                                        form.end.data and form.end.data.isoformat(), _today())
    except InvalidInput as error:
        show_error(form, "end" if error.field == "to" else "start", error.message, "start")
        return render_template("outcomes/export.html", board=board, form=form), 422
    cohort, identity = form.cohort.data, bool(form.identity.data)
    start, end = period.bounds(board.timezone)
    announced = export.count(board.id, start, end, cohort=cohort)
    audit.record("outcomes.export", board, details={
        "from": period.first.isoformat(), "to": period.last.isoformat(), "identity": identity, "cohort": cohort,
        "rows": announced})
    # Plain values only: the body runs after the request committed (expiring ``board`` and
    # ``current_user``) and removed its session.
    lines = export.streamed(board.id, start, end, cohort=cohort, identity=identity, separator=form.separator.data,
                            user_id=current_user.id, announced=announced)
    name = f"mtb-{board.slug}-outcomes-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    # The request's transaction (with the export's audit row) commits before the body streams.
    return Response(stream_with_context(lines), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
