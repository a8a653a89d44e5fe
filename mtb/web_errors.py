"""Error pages, and turning domain errors that escape a view into the right status.

Every handler rolls the request back first: the page it shows must not be rendered
from half-made changes."""

from __future__ import annotations

import logging
import traceback

import sqlalchemy as sa
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from mtb import transaction
from mtb.audit import services as audit
from mtb.errors import ConflictError, NotAllowed, NotFound, ServiceUnavailable
from mtb.extensions import login_manager
from mtb.formatting import filesize
from mtb.http import loggable_path, wants_json

log = logging.getLogger(__name__)


#: What the ids of a URL name, for the audit row of a refusal.
_OBJECTS = {
    "case_id": "Case", "attachment_id": "Attachment", "meeting_id": "Meeting", "item_id": "AgendaItem",
    "decision_id": "Decision", "version_id": "MinutesVersion", "letter_id": "DecisionLetter",
    "attendance_id": "Attendance", "recusal_id": "Recusal", "message_id": "OutboxMessage", "user_id": "User",
}


def audit_refusal(status: int) -> None:
    """A refusal raised by a service (NotAllowed, NotFound) is in the trail like those of
    ``mtb.access.refuse``: who, what (the most specific id of the URL), when, from where,
    never patient data nor a secret of the URL. Kept: the request rolls back."""
    ids = [(name, value) for name, value in (request.view_args or {}).items() if name in _OBJECTS]
    name, value = ids[-1] if ids else (None, None)
    audit.record("access.refused", None, kept=True, details={
        "status": status, "object": _OBJECTS.get(name), "id": value, "need": request.endpoint,
    })


def describe_error(error: BaseException) -> str:
    """An error as the log may show it: the frames and the type of the error and of each
    error it came from, without their messages. A message may quote what was typed or
    stored (a database's DETAIL names the values that broke a constraint; ``int()``
    quotes its input), and the log must hold no patient data. SQL errors add their
    statement, whose values are placeholders (the engine hides parameters)."""
    chain: list[BaseException] = []
    while error is not None and all(error is not seen for seen in chain):
        chain.append(error)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    parts = []
    for err in reversed(chain):
        text = "Traceback (most recent call last):\n" + "".join(traceback.format_tb(err.__traceback__))
        text += f"{type(err).__module__}.{type(err).__qualname__} (message not logged)"
        if isinstance(err, sa.exc.StatementError) and err.statement:
            text += f"\nSQL: {err.statement}"
        parts.append(text)
    return "\n\nwhich led to:\n\n".join(parts)


def _log_exception(exc_info) -> None:
    """Replaces ``Flask.log_exception``, which writes the raw path (a calendar feed's
    secret) and the error's message: path as ``loggable_path`` shows it, message left out."""
    log.error("server error on %s %s\n%s", request.method, loggable_path(request.path), describe_error(exc_info[1]))


def _page(status: int, title: str, message: str):
    if wants_json():
        return jsonify(error=title, message=message), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_app(app) -> None:
    from mtb.i18n import gettext as _

    app.log_exception = _log_exception

    @app.errorhandler(400)
    def bad_request(error):
        return _page(400, _("Bad request"), _("The request could not be understood (it contained characters or values a form never sends). Go back and try again."))

    @app.errorhandler(403)
    @app.errorhandler(NotAllowed)
    def forbidden(error):
        transaction.roll_back()
        if isinstance(error, NotAllowed):
            audit_refusal(403)  # mtb.access.refuse audited its own before aborting
        message = str(error) if isinstance(error, NotAllowed) and str(error) else _(
            "You do not have access to this page. If you think you should, ask a board secretary or an administrator."
        )
        return _page(403, _("Access denied"), message)

    @app.errorhandler(404)
    @app.errorhandler(NotFound)
    def not_found(error):
        transaction.roll_back()
        if isinstance(error, NotFound):
            audit_refusal(404)  # an unknown URL is not a refusal; access.refuse audited its own
        return _page(404, _("Not found"), _("There is nothing here, or nothing you may see."))

    @app.errorhandler(ConflictError)
    def conflict(error):
        transaction.roll_back()
        return _page(409, _("Changed by someone else"), str(error))

    @app.errorhandler(ServiceUnavailable)
    def service_unavailable(error):
        # A view that knows where the user was says it there; any other says it here.
        transaction.roll_back()
        return _page(503, _("Something went wrong"), str(error))

    @app.errorhandler(413)
    def too_large(error):
        return _page(
            413,
            _("Upload too large"),
            _("The files sent together are larger than %(total)s, the most one upload may carry "
              "(each file may be up to %(each)s). Go back and attach large files one at a time; "
              "your other entries are still in the form if your browser kept them.",
              total=filesize(app.config["MAX_CONTENT_LENGTH"]), each=filesize(app.config["MAX_UPLOAD_BYTES"])),
        )

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if request.endpoint == login_manager.login_view:
            # A sign-in page left open past its token's life, or one whose session was
            # replaced in another tab: a fresh form, not an error page.
            flash(_("The sign-in form had expired (it was open a long time, or you signed in or out in another tab). Please sign in again."), "warning")
            return redirect(url_for(login_manager.login_view, next=request.args.get("next")))
        if not current_user.is_authenticated and not wants_json():
            # The session ended (idle time, signed out elsewhere) and its form secret with it:
            # the form is answered as any page is then, with the sign-in (and back to the form).
            return login_manager.unauthorized()
        return _page(400, _("Form expired"), _("The form could not be verified (it may have been open in another session), so nothing was saved. Open the form again (go back and reload the page): it offers to restore what you typed in this browser tab. Then submit again."))

    @app.errorhandler(500)
    def server_error(error):
        # An exception was logged by _log_exception (Flask calls it before this handler).
        transaction.roll_back()
        if getattr(error, "original_exception", None) is None:
            log.error("server error (abort 500) on %s %s", request.method, loggable_path(request.path))
        return _page(500, _("Something went wrong"), _("The error was logged. Nothing was saved by the last action; please try again."))
