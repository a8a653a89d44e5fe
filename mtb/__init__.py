"""MTB: molecular tumour board. ``create_app`` is the only place the app is assembled."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
from pathlib import Path

from flask import Flask, has_request_context, request
from flask_login import current_user

from mtb.config import Config, database_url, keep_private, secret_key
from mtb.db import read_json
from mtb.extensions import babel, csrf, db, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Blueprints in the order their routes are registered.
PARTS = (
    "home", "accounts", "boards", "cases", "trials", "meetings", "decisions",
    "minutes", "exports", "outcomes", "notifications", "scheduling", "audit",
)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("MTB_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(Config)
    app.config.from_prefixed_env("MTB")
    if config:
        app.config.update(config)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config, app.instance_path)
    keep_private(Path(app.instance_path), app.config["SQLALCHEMY_DATABASE_URI"])
    # hide_parameters: an error logged from SQL must not carry the patient data it was saving.
    # pool_pre_ping: a server restart drops pooled connections; a SQLite file cannot.
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    engine_options = {"pool_pre_ping": not uri.startswith("sqlite"), "hide_parameters": True,
                      "json_deserializer": read_json}
    if uri.startswith("postgresql"):
        # JIT compiles a search or list query for tens of milliseconds to save less:
        # MTB's queries are short and indexed (benchmarks/README.md).
        engine_options["connect_args"] = {"options": "-c jit=off"}
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(app.instance_path)
    # Uploads are spooled to temporary files by Werkzeug, so a large request is not held in memory.
    app.config["MAX_CONTENT_LENGTH"] = max(int(app.config["MAX_REQUEST_BYTES"]), int(app.config["MAX_UPLOAD_BYTES"]))
    # Werkzeug also caps in-memory form fields; uploads travel as files, so keep it generous.
    # (Flask sets both defaults itself, so a setdefault here would change nothing.)
    app.config["MAX_FORM_MEMORY_SIZE"] = max(int(app.config.get("MAX_FORM_MEMORY_SIZE") or 0), 2 * 1024 * 1024)
    # Werkzeug refuses a multipart post of more than 1,000 fields (a 413): a case form with
    # its 60 findings of some forty fields each, its reports and files, sends about 3,000.
    app.config["MAX_FORM_PARTS"] = max(int(app.config.get("MAX_FORM_PARTS") or 0), 10_000)
    app.config["SESSION_COOKIE_SECURE"] = app.config.get("SESSION_COOKIE_SECURE", False)

    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    # APScheduler logs every run of every job at INFO: keep its warnings only.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # WeasyPrint reports every rendering step at INFO.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    import mtb.models  # noqa: F401  (the whole schema, before migrate binds)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"
    from mtb.i18n import N_, gettext

    login_manager.login_message = N_("Please sign in to see this page.")
    login_manager.localize_callback = gettext
    babel.init_app(app, locale_selector=_select_locale)

    from mtb import formatting, http, idempotency, panels, security, transaction, web_errors

    transaction.init_app(app)  # first: its hook runs after every other one
    http.init_app(app)  # before the blueprints: their <int:...> rules use its converter
    formatting.init_app(app)
    security.init_app(app)
    web_errors.init_app(app)
    panels.init_app(app)
    idempotency.init_app(app)

    for part in PARTS:
        package = importlib.import_module(f"mtb.{part}")
        # A part's pages, the panels it shows on other parts' pages, and what it listens to.
        for kind in ("views", "panels", "listeners"):
            if importlib.util.find_spec(f"mtb.{part}.{kind}") is not None:
                importlib.import_module(f"mtb.{part}.{kind}")
        app.register_blueprint(package.bp)

    from mtb import cli

    cli.init_app(app)
    return app


def _select_locale() -> str | None:
    # CLI commands and scheduled jobs have no request: they use the default locale.
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    from flask import current_app

    return request.accept_languages.best_match(current_app.config["LANGUAGES"])
