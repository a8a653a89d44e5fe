"""Flask extensions, created unbound and bound in create_app."""

from flask import current_app, jsonify
from flask_babel import Babel
from flask_login import LoginManager
from flask_login.signals import user_unauthorized
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

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
        return super().unauthorized()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = SignInManager()
csrf = CSRFProtect()
babel = Babel()
