"""What the meetings part shows on other parts' pages: the next meetings on the home
page, and on a case's page the meetings it is or was on."""

from __future__ import annotations

from mtb.accounts.models import Role
from mtb.cases.models import POOL_STATUSES
from mtb.db import utcnow
from mtb.meetings.pool import proposed_counts, proposed_meetings
from mtb.meetings.queries import item_counts, next_meetings_of
from mtb.panels import Panel, panel


@panel("home", priority=20)
def next_meetings(user) -> Panel | None:
    """Next meetings of the user's boards (date, board, agenda status, number of cases);
    secretaries also see how many pool cases are proposed for each (still to add)."""
    board_ids = user.board_ids()
    if not board_ids:
        return None
    now = utcnow()
    meetings = next_meetings_of(board_ids, now)
    managed = set(user.board_ids(Role.SECRETARY))
    proposed = proposed_counts(managed, now) if managed & {m.board_id for m in meetings} else {}
    return Panel("meetings/_home.html", {
        "meetings": meetings, "counts": item_counts(m.id for m in meetings), "proposed": proposed, "managed": managed,
    })


@panel("case", priority=20)
def case_meetings(case, user) -> Panel | None:
    """Which meeting(s) the case is or was on, with its position; while it waits in the
    pool, the meeting it is proposed for."""
    if not case.can_view(user):
        return None
    # The case page loaded its agenda items with their meetings (access.case_or_404(full=True)).
    items = sorted(case.agenda_items, key=lambda item: (item.meeting.starts_at, item.id), reverse=True)
    in_pool = case.status in POOL_STATUSES and not any(item.meeting.is_open for item in items)
    proposed = proposed_meetings([case])[case.id] if in_pool else None
    return Panel("meetings/_case_panel.html", {
        "agenda_items": items, "case": case, "in_pool": in_pool, "proposed": proposed,
        # "number 3 of 12": counted, not by loading every other case of each agenda.
        "counts": item_counts(item.meeting_id for item in items),
    })
