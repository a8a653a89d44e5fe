"""A board's cases and my cases: filtered, searched, paginated, with where each case stands."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from mtb import access
from mtb.boards import services as boards
from mtb.cases import bp, queries, services
from mtb.cases.models import Case, CaseStatus
from mtb.cases.rows import list_rows
from mtb.db import utcnow
from mtb.http import page_number


def _filters() -> queries.CaseFilters:
    return queries.CaseFilters(status=request.args.get("status", ""), q=request.args.get("q", "")[:100])


def _render_list(*, board=None, mine: bool = False, can_create: bool, endpoint: str):
    filters, number = _filters(), page_number()
    after, before = request.args.get("after"), request.args.get("before")
    page = queries.list_cases(current_user, filters, after=after, before=before, page=number, board=board, mine=mine)
    services.record_list(current_user, filters, after or before or number, board, page.items)
    rows = list_rows(page.items, page.findings, queries.next_meetings(page.items, utcnow()), on_board=board is not None)
    return render_template(
        "cases/list.html", board=board, page=page, rows=rows,
        filters=filters, statuses=list(CaseStatus), endpoint=endpoint, can_create=can_create,
    )


@bp.route("/boards/<slug>/cases")
@login_required
def board_cases(slug: str):
    board = boards.get_board(slug)
    if not current_user.has_role(board.id):
        access.refuse(403, "Board", board.id, "view")
    return _render_list(board=board, can_create=Case.can_create(current_user, board), endpoint="cases.board_cases")


@bp.route("/cases/mine")
@login_required
def mine():
    return _render_list(mine=True, can_create=Case.can_create(current_user), endpoint="cases.mine")
