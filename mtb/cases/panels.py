"""What the cases part shows on pages other parts own."""

from __future__ import annotations

from mtb.accounts.models import is_signed_in
from mtb.cases import queries
from mtb.cases.models import Case
from mtb.panels import Panel, panel


@panel("home", priority=10)
def my_cases(user) -> Panel | None:
    """"My drafts" and the status of my latest cases; a "New case" link for clinicians."""
    if not is_signed_in(user):
        return None
    drafts = queries.my_drafts(user)
    recent = queries.my_recent_cases(user)
    can_create = Case.can_create(user)
    if not (drafts or recent or can_create):
        return None
    return Panel("cases/_home.html", {"drafts": drafts, "recent": recent, "can_create": can_create})
