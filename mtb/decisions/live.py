"""What the board follows while the session runs: the case the session page shows now.

The secretary's (or chair's) Previous/Next on the session page move the meeting's
``current_item_id``; the members' live view and the presentation on the room's screen
ask every few seconds for a small fingerprint of the session and reload when it changes.
"""

from __future__ import annotations

import hashlib

from flask import has_request_context, request

from mtb.decisions import queries
from mtb.decisions.models import Decision
from mtb.extensions import db
from mtb.meetings.models import AgendaItem, Meeting


def current_item(meeting: Meeting, states: dict | None = None) -> AgendaItem | None:
    """The case being discussed: the one the session page showed last, else the first
    still to discuss (else the first of the agenda). ``states``: ``queries.latest_states``,
    when the caller has them."""
    items = list(meeting.items)
    for item in items:
        if item.id == meeting.current_item_id:
            return item
    states = queries.latest_states(meeting) if states is None else states
    return next((i for i in items if queries.item_state(i, states.get(i.id)) == "pending"), items[0] if items else None)


def follow(meeting: Meeting, item: AgendaItem | None) -> None:
    """The session page shows ``item`` now: the live view and the presentation move to it.
    Not when another site sent the browser here: moving the room is a link followed on
    MTB's own pages (the session page and the presentation are GETs, with no form token)."""
    if item is not None and meeting.is_in_session and meeting.current_item_id != item.id and _from_mtb():
        meeting.current_item_id = item.id
        db.session.flush()


def _from_mtb() -> bool:
    """The request comes from MTB's pages or was typed (the browser's Sec-Fetch-Site: absent
    in old browsers and outside a request)."""
    if not has_request_context():
        return True
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


def neighbours(meeting: Meeting, item: AgendaItem | None) -> tuple[AgendaItem | None, AgendaItem | None]:
    items = list(meeting.items)
    if item is None or item not in items:
        return None, None
    index = items.index(item)
    return (items[index - 1] if index else None), (items[index + 1] if index + 1 < len(items) else None)


def stamp(meeting: Meeting) -> str:
    """A fingerprint of what the live view shows: it changes when the session moves to
    another case, a decision is saved or validated, a case is deferred, attendance or a
    recusal changes, or the meeting opens or closes. No patient data in it."""
    latest = queries.latest_versions(meeting, Decision.id, Decision.version, Decision.row_version, Decision.status)
    parts = [meeting.status.value, str(meeting.current_item_id or "")]
    parts += [f"{i.id}:{i.outcome.value}" for i in meeting.items]
    parts += [f"{d.id}:{d.version}:{d.row_version}:{d.status.value}" for d in latest.values()]
    parts += [f"a{a.id}:{a.user_id}:{a.specialty}" for a in queries.attendances(meeting)]
    parts += [f"r{r.id}" for rows in queries.recusals_by_item(meeting).values() for r in rows]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
