"""The pages `make bench` measures, built from what the data set generator reports (``meta``).

Every page is fetched by a secretary of the three boards (the agenda builder and the
session page need one), but the case page is also fetched by its submitter, who sees who
opened it. Change a path here if a route changes. The deep page of the case
list is the one its "Older" links reach in the middle of the list (it pages by key).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import quote_plus

#: Issue 11's targets.
P95_TARGET_MS = 50.0
#: Every page serves at least this share of the baseline route's requests per second.
THROUGHPUT_SHARE = 0.10
#: Statements per request (the issue's budget for list pages).
STATEMENT_BUDGET = 15
RSS_TARGET_MB = 250.0
MINUTES_RATIO_TARGET = 1.3


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    path: str
    #: Start of the Content-Type a correct answer has.
    content_type: str = "text/html"
    #: The baseline route (no database); the other pages are compared with it.
    baseline: bool = False
    #: Held to the issue's targets (the health check is measured for information only).
    targeted: bool = True
    #: Whose session fetches it (an e-mail; None: the benchmark's secretary, as for most pages).
    login: str | None = None


def deep_page_number(meta: dict, page_size: int) -> int:
    """The middle of the thoracic board's case list (cases its secretary sees, withdrawn hidden)."""
    pages = max(1, math.ceil(meta["thoracic_listed_cases"] / page_size))
    return max(2, pages // 2)


def pages_for(meta: dict, page_size: int = 25) -> list[Page]:
    board = meta.get("board", "thoracic")
    cases = f"/boards/{board}/cases"
    deep = deep_page_number(meta, page_size)
    return [
        Page("baseline", "static file (baseline, no database)", "/static/css/mtb.css", "text/css", baseline=True),
        Page("healthz", "health check (SELECT 1)", "/healthz", "application/json", targeted=False),
        Page("home", "home page", "/"),
        Page("list_first", "case list, page 1", cases),
        Page("list_deep", f"case list, page {deep} (deep, by key)",
             f"{cases}?after={quote_plus(meta['thoracic_middle_key'])}"),
        Page("search_gene", "search by gene (KRAS)", f"{cases}?q=KRAS"),
        Page("search_reference", "search by reference", f"{cases}?q={quote_plus(meta['case_reference'])}"),
        Page("search_name", "search by patient name", f"{cases}?q={quote_plus(meta['patient_surname'])}"),
        Page("search_variant", "search by variant (V600E)", f"{cases}?q=V600E"),
        Page("case", "case page", f"/cases/{meta['case_id']}"),
        # The same page as its submitter sees it: with who opened it, read from the audit trail.
        Page("case_submitter", "case page, as its submitter", f"/cases/{meta['case_id']}",
             login=meta["case_submitter_email"]),
        Page("agenda", "agenda builder, 40 items", f"/meetings/{meta['next_meeting_id']}/agenda"),
        Page("session", "session page, 40 items", f"/meetings/{meta['live_meeting_id']}/session"),
        Page("decisions", "decisions page", "/decisions"),
        Page("outcomes", "outcomes dashboard (board, last 12 months)", f"/outcomes/boards/{board}"),
        Page("trials", "trial registry", "/trials"),
        Page("minutes_pdf", "stored minutes PDF", f"/minutes/{meta['minutes_version_id']}.pdf", "application/pdf"),
    ]
