"""The home page (what needs me now) and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify, render_template
from flask_login import current_user, login_required

from mtb.audit import services as audit
from mtb.extensions import db
from mtb.home import bp, services


@bp.route("/")
@login_required
def index():
    # The panels list cases and decisions: the read is in the audit trail.
    audit.record_read("home.view")
    return render_template("home/index.html", **services.dashboard(current_user))


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # any failure to reach the database is "down"
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
