"""Flask extensions, created unbound and bound in create_app."""

from urllib.parse import urlsplit

from flask import current_app, jsonify, redirect, request
from flask_babel import Babel
from flask_login import LoginManager, login_url
from flask_login.signals import user_unauthorized
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from werkzeug.exceptions import HTTPException

from mtb.db import Base
from mtb.http import wants_json


class SignInManager(LoginManager):
    """Flask-Login's manager, but a page's script asking without a session is told so.

    A redirect to the sign-in page would answer it with that page, which starts a new
    session with its own form token: a sign-in sent from the tab at the same moment
    then carries another session's token and is refused as expired."""

    def unauthorized(self):
        if wants_json():
            user_unauthorized.send(current_app._get_current_object())
            return jsonify(signed_in=False, error="Not signed in"), 401
        response = super().unauthorized()
        if request.method not in ("GET", "HEAD") and not _shows_a_page(request.path):
            # A form sent after the session ended to an address that answers POST only: after
            # signing in the person comes back to the page the form was on (405 otherwise).
            return redirect(login_url(self.login_view, next_url=_page_sent_from()))
        return response


def _shows_a_page(path: str) -> bool:
    """The address also answers GET (a form's own page, such as the case form)."""
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return False
    return True


def _page_sent_from() -> str | None:
    """The path of this site's page a form was sent from (its Referer), or None."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = SignInManager()
csrf = CSRFProtect()
babel = Babel()
