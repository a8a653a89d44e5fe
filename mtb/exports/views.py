"""The FHIR export of a validated decision: downloaded from the decision page (signed-in
readers of the decision) or read through the API by integration accounts (bearer token,
read-only, their boards only); and the administrator's integration accounts page.

The API answers JSON: 401 for a missing, wrong or revoked token, 404 for a decision or board
the account does not read (like one that does not exist). Every read is audited.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from mtb import access, transaction
from mtb.audit import services as audit
from mtb.boards.models import Board
from mtb.errors import InvalidInput
from mtb.exports import bp, services
from mtb.exports.fhir import instant
from mtb.exports.forms import IntegrationAccountForm
from mtb.exports.models import IntegrationAccount
from mtb.extensions import db
from mtb.http import db_int
from mtb.i18n import gettext as _
from mtb.idempotency import once

FHIR_JSON = "application/fhir+json"
#: The session key that carries a new token to the one page that shows it.
NEW_TOKEN = "integration_new_token"


def _fhir_response(decision, *, download: bool) -> Response:
    body = services.bundle_json(decision)
    response = Response(body, mimetype=FHIR_JSON)
    if download:
        name = f"{decision.case.reference}-decision-v{decision.version}.fhir.json"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/decisions/<int:decision_id>/fhir.json")
@login_required
def decision_fhir(decision_id: int):
    decision = access.decision_or_404(decision_id)
    if not decision.is_validated:
        # Drafts change and superseded versions are no longer the board's plan: not exported.
        audit.record_read("decision.fhir_refused", decision, details={"version": decision.version})
        abort(409)
    audit.record_read("decision.fhir_export", decision, details={"case": decision.case.reference,
                                                                 "version": decision.version})
    return _fhir_response(decision, download=True)


# --- The API -------------------------------------------------------------------------

def _api_error(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mtb"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _api_account() -> IntegrationAccount | None:
    """The account of the request's bearer token; a refused token is audited (kept)."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    account = services.account_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if account is None:
        audit.record("api.refused", None, kept=True, details={"status": 401, "path": request.path,
                                                              "token_given": bool(token)})
    return account


def _api_read(action: str, account: IntegrationAccount, obj=None, **details) -> None:
    services.touch(account)
    audit.record_read(action, obj, details={"integration": account.name, "integration_id": account.id, **details})


@bp.route("/api/fhir/decisions/<int:decision_id>")
def api_decision(decision_id: int):
    account = _api_account()
    if account is None:
        return _api_error(401, "A valid bearer token is required (Authorization: Bearer <token>).")
    decision = services.validated_decision(account, decision_id)
    if decision is None:
        audit.record("api.refused", None, kept=True, details={"status": 404, "object": "Decision", "id": decision_id,
                                                              "integration_id": account.id})
        return _api_error(404, "No validated decision with this id on the boards this token reads.")
    _api_read("api.decision_fhir", account, decision, case=decision.case.reference, version=decision.version)
    return _fhir_response(decision, download=False)


@bp.route("/api/fhir/boards/<slug>/decisions")
def api_board_decisions(slug: str):
    """The board's current validated decisions, newest first, a page at a time.

    ``limit``: decisions per page (100 unless given; more than 500 gives 500). ``after``: the
    id of the last decision of the page before. The answer's ``next`` (and its ``Link: <...>;
    rel="next"`` header) is the URL of the following page, null on the last one. A decision
    corrected meanwhile comes back in its new version on the first page. A ``limit`` or
    ``after`` that is not a decision of the listing gets 400.
    """
    account = _api_account()
    if account is None:
        return _api_error(401, "A valid bearer token is required (Authorization: Bearer <token>).")
    board = services.board_of(account, slug)
    if board is None:
        audit.record("api.refused", None, kept=True, details={"status": 404, "object": "Board", "slug": slug[:40],
                                                              "integration_id": account.id})
        return _api_error(404, "No board with this name among the boards this token reads.")
    try:
        limit = min(_int_arg("limit", services.DEFAULT_PAGE_SIZE), services.MAX_PAGE_SIZE)
        after_id = _int_arg("after")
    except ValueError:
        return _api_error(400, "limit and after must be positive whole numbers.")
    after = services.listed_decision(account, board, after_id) if after_id is not None else None
    if after_id is not None and after is None:
        return _api_error(400, "after must be the id of a decision of this board's listing.")
    rows, last = services.decisions_page(account, board, limit, after)
    _api_read("api.board_decisions", account, board, board_id=board.id, count=len(rows))
    following = (url_for("exports.api_board_decisions", slug=board.slug, limit=limit, after=last.id, _external=True)
                 if last is not None else None)
    response = jsonify({"board": board.slug, "decisions": [{
        "id": d.id, "case": d.case.reference, "version": d.version,
        "validated_at": instant(d.validated_at),
        "fhir": url_for("exports.api_decision", decision_id=d.id, _external=True),
    } for d in rows], "next": following})
    if following:
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


def _int_arg(name: str, default: int | None = None) -> int | None:
    """A positive whole number from the query string, ``default`` when absent; ValueError otherwise."""
    value = request.args.get(name)
    return default if value is None else db_int(value)


# --- Administration ------------------------------------------------------------------

def _admin_page(form: IntegrationAccountForm, status: int = 200, new_token: dict | None = None):
    return render_template("exports/integrations.html", form=form, accounts=services.accounts(),
                           new_token=new_token), status


@bp.route("/admin/integrations", methods=["GET", "POST"])
@access.admin_required
@once
def integrations():
    boards = list(db.session.scalars(sa.select(Board).order_by(Board.name)))
    form = IntegrationAccountForm(boards=boards)
    if request.method == "POST":
        chosen = [b for b in boards if b.slug in (form.boards.data or [])]
        if form.validate():
            try:
                account, token = services.create_account(form.name.data, chosen, current_user)
            except InvalidInput as error:
                transaction.roll_back()
                getattr(form, error.field).errors = [error.message]
                return _admin_page(form, 422)
            # Shown once on the next page, then gone from the session; only its hash is stored.
            session[NEW_TOKEN] = {"id": account.id, "name": account.name, "token": token, "board": chosen[0].slug}
            return redirect(url_for("exports.integrations"))
        return _admin_page(form, 422)
    return _admin_page(form, new_token=session.pop(NEW_TOKEN, None))


@bp.route("/admin/integrations/<int:account_id>/revoke", methods=["POST"])
@access.admin_required
@once
def revoke_integration(account_id: int):
    account = db.session.get(IntegrationAccount, account_id)
    if account is None:
        abort(404)
    services.revoke(account, current_user)
    flash(_("The token of “%(name)s” is revoked: it no longer reads anything.", name=account.name), "success")
    return redirect(url_for("exports.integrations"))

