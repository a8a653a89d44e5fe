"""The audit trail, for administrators."""

from __future__ import annotations

from flask import current_app, render_template, request

from mtb.accounts.views import admin_required
from mtb.audit import bp, services


@bp.route("/admin/audit")
@admin_required
def index():
    page = services.recent_events(
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"] * 2,
        action=request.args.get("action") or None,
        user_id=request.args.get("user", type=int),
    )
    return render_template("audit/index.html", page=page)
