"""The audit trail on other parts' pages: who opened a case, shown to its submitter."""

from __future__ import annotations

from mtb.audit import queries
from mtb.panels import Panel, panel


@panel("case", priority=90)
def case_readers(case, user) -> Panel | None:
    """The clinician who submitted a case sees who opened it (administrators too)."""
    if case.submitter_id != user.id and not user.is_admin:
        return None
    # The submitter's own visits are no news to them.
    return Panel("audit/_case_readers.html", {"readers": queries.readers_of_case(case.id, besides=case.submitter_id)})
