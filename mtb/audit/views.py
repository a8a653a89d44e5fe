"""The audit trail, for administrators."""

from __future__ import annotations

from flask import current_app, render_template, request

from mtb.access import admin_required
from mtb.audit import bp, queries
from mtb.http import page_number


@bp.route("/admin/audit")
@admin_required
def index():
    page = queries.recent_events(
        page=page_number(),
        per_page=current_app.config["PAGE_SIZE"] * 2,
        action=(request.args.get("action") or "").strip()[:64] or None,
        who=(request.args.get("who") or "").strip()[:100] or None,
        text=(request.args.get("text") or "").strip()[:100] or None,
    )
    return render_template("audit/index.html", page=page, labels=queries.object_labels(page.items))
