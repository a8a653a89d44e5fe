"""Sentences the system adds to a case's timeline, kept as codes and times, not as text.

A note typed by a person (a withdrawal reason, a file name) is stored as typed. A note the
system writes ("Agenda of Mon 1 Dec 2026, 14:00") is stored as a code with UTC times and
the board's zone, and put into words when read: in the reader's language, with dates in
the reader's format. Stored English would read as English to a French secretary forever.
"""

from __future__ import annotations

from datetime import datetime

from mtb.formatting import local_datetime
from mtb.i18n import lazy_gettext as _l

#: code → sentence; placeholders are datetimes stored in the details.
SENTENCES = {
    "agenda": _l("Agenda of %(when)s"),
    "removed": _l("Removed from the agenda of %(when)s"),
    "meeting_cancelled": _l("Meeting of %(when)s cancelled"),
    "carried_over": _l("From the meeting of %(old)s to %(new)s"),
    "not_discussed": _l("Not discussed; no later meeting yet"),
    "deferral_undone": _l("Deferral undone"),
    "rediscuss": _l("Re-discuss at a later meeting"),
}


def say(code: str, tz: str | None = None, **times: datetime) -> dict:
    """What to store in ``CaseEvent.details`` for a system sentence."""
    if code not in SENTENCES:
        raise KeyError(code)
    details: dict = {"say": code}
    if tz:
        details["tz"] = tz
    for name, value in times.items():
        details[name] = value.replace(tzinfo=None).isoformat(timespec="seconds")
    return details


def words(details: dict | None) -> str | None:
    """The sentence in the reader's language; None when the details hold none we know."""
    if not details or details.get("say") not in SENTENCES:
        return None
    tz = details.get("tz")
    values = {}
    for name, raw in details.items():
        if name in ("say", "tz"):
            continue
        try:
            values[name] = local_datetime(datetime.fromisoformat(raw), tz)
        except (TypeError, ValueError):
            values[name] = str(raw)
    sentence = SENTENCES[details["say"]]
    try:
        return str(sentence) % values if values else str(sentence)
    except (KeyError, TypeError, ValueError):
        return str(sentence)
