"""Error pages, and turning domain errors that escape a view into the right status.

Every handler rolls the request back first: the page it shows must not be rendered
from half-made changes."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from mtb.errors import ConflictError, NotAllowed, NotFound
from mtb import transaction
from mtb.formatting import filesize
from mtb.http import loggable_path

log = logging.getLogger(__name__)


def _page(status: int, title: str, message: str):
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=title, message=message), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_app(app) -> None:
    from flask_babel import gettext as _

    @app.errorhandler(400)
    def bad_request(error):
        return _page(400, _("Bad request"), _("The request could not be understood (it contained characters or values a form never sends). Go back and try again."))

    @app.errorhandler(403)
    @app.errorhandler(NotAllowed)
    def forbidden(error):
        transaction.roll_back()
        message = str(error) if isinstance(error, NotAllowed) and str(error) else _(
            "You do not have access to this page. If you think you should, ask a board secretary or an administrator."
        )
        return _page(403, _("Access denied"), message)

    @app.errorhandler(404)
    @app.errorhandler(NotFound)
    def not_found(error):
        transaction.roll_back()
        return _page(404, _("Not found"), _("There is nothing here, or nothing you may see."))

    @app.errorhandler(ConflictError)
    def conflict(error):
        transaction.roll_back()
        return _page(409, _("Changed by someone else"), str(error))

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
        return _page(400, _("Form expired"), _("The form could not be verified (it may have been open in another session). Go back, reload the page and submit again."))

    @app.errorhandler(500)
    def server_error(error):
        transaction.roll_back()
        log.exception("server error on %s", loggable_path(request.path))
        return _page(500, _("Something went wrong"), _("The error was logged. Nothing was saved by the last action; please try again."))
