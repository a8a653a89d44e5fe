"""The audit trail, for administrators: the page and its CSV export."""

from __future__ import annotations

import csv
import io
import json

from flask import Response, current_app, render_template, request, stream_with_context

from mtb.access import admin_required
from mtb.audit import bp, queries, services
from mtb.extensions import db
from mtb.http import page_number
from mtb.i18n import gettext as _


def _filters() -> dict:
    return {
        "action": (request.args.get("action") or "").strip()[:64] or None,
        "who": (request.args.get("who") or "").strip()[:100] or None,
        "text": (request.args.get("text") or "").strip()[:100] or None,
    }


@bp.route("/admin/audit")
@admin_required
def index():
    filters = _filters()
    page = queries.recent_events(page=page_number(), per_page=current_app.config["PAGE_SIZE"] * 2, **filters)
    # The page shows who read which patient's case: reading it is in the trail too.
    services.record_read("audit.view", details={**{k: v for k, v in filters.items() if v}, "page": page.page})
    return render_template("audit/index.html", page=page, labels=queries.object_labels(page.items))


#: A list in an event's details is shown up to this many values (a list page names dozens of cases).
SHOWN_VALUES = 8


@bp.app_template_filter("audit_value")
def audit_value(value) -> str:
    """One value of an event's details as a reader wants it: no Python spellings ("None",
    "False", "{'id': 1}"), long lists cut with how many more."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict) and value.keys() == {"from", "to"}:
        # A changed field's values (trial.update, trial.import).
        return f"{audit_value(value['from'])} → {audit_value(value['to'])}"
    if isinstance(value, dict):
        return ", ".join(f"{key} {audit_value(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        shown = ", ".join(audit_value(item) for item in value[:SHOWN_VALUES])
        more = len(value) - SHOWN_VALUES
        return shown + (" " + _("(+%(n)d more)", n=more) if more > 0 else "")
    return str(value)


#: Rows read at a time while streaming the export.
EXPORT_BATCH = 1000


@bp.route("/admin/audit.csv")
@admin_required
def export():
    """The filtered trail as CSV, streamed; the export itself is in the trail."""
    filters = _filters()
    services.record("audit.export", details={k: v for k, v in filters.items() if v})
    query = queries.filtered_events(**filters).execution_options(yield_per=EXPORT_BATCH)

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # The UTF-8 byte-order mark: without it Excel reads the file as Windows-1252 ("ChloÃ©").
        buffer.write("\ufeff")
        writer.writerow(["at_utc", "user_email", "action", "object_type", "object_id", "object", "board", "ip_address", "details"])
        yield _drain(buffer)
        for batch in db.session.scalars(query).partitions():
            labels = queries.object_labels(batch)
            for e in batch:
                writer.writerow([
                    e.at.isoformat(timespec="seconds"), e.user.email if e.user else "", e.action,
                    e.object_type or "", e.object_id or "", labels.get((e.object_type, e.object_id), ""),
                    e.board.slug if e.board else "", e.ip_address or "",
                    "" if e.details is None else json.dumps(e.details, ensure_ascii=False, sort_keys=True),
                ])
            yield _drain(buffer)

    # The request's transaction (with the export's audit row) commits before the body streams.
    return Response(stream_with_context(rows()), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="mtb-audit.csv"', "Cache-Control": "no-store"})


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
