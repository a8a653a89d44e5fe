"""The agenda builder's one form: every row's minutes and presenter as typed, and the
button that was pressed (save, up, down, remove, add a pool case, add the proposed
ones, a new order dragged, publish).

Whatever button is pressed, what was typed in the other rows is saved first: a secretary
who types 20 minutes on one case and then moves another one up expects the 20 minutes
to stay. Each step goes through the agenda services (their checks, their version bump);
the caller commits once, or rolls everything back when a step is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mtb.db import utcnow
from mtb.errors import InvalidInput
from mtb.i18n import gettext as _
from mtb.meetings import services
from mtb.meetings.models import Meeting


class ItemInvalid(InvalidInput):
    """A row's typed minutes or presenter were refused; ``item_id`` names the row."""

    def __init__(self, item_id: int, error: InvalidInput):
        super().__init__(error.field, error.message)
        self.item_id = item_id


@dataclass(frozen=True)
class Action:
    """The pressed button: ``verb`` and its target (an item id or a case id, as posted)."""

    verb: str
    target: str = ""

    @classmethod
    def parse(cls, value: str | None) -> Action:
        """"up:12" -> Action("up", "12"); a missing or unknown button is a plain save."""
        verb, _sep, target = (value or "save").partition(":")
        return cls(verb, target) if verb in VERBS else cls("save")


VERBS = ("save", "up", "down", "remove", "add", "add-proposed", "reorder", "publish")


def typed_rows(form, meeting: Meeting) -> dict[int, tuple[str | None, str | None]]:
    """{item id: (minutes, presenter id)} for each row of the agenda the form carries."""
    rows = {}
    for item in meeting.items:
        minutes = form.get(f"minutes-{item.id}")
        presenter = form.get(f"presenter-{item.id}")
        if minutes is not None or presenter is not None:
            rows[item.id] = (minutes, presenter)
    return rows


def _save_rows(meeting: Meeting, user, rows: dict, now: datetime) -> int:
    """Save the rows whose typed values differ from the agenda; returns how many changed."""
    changed = 0
    for item in list(meeting.items):
        if item.id not in rows:
            continue
        minutes, presenter = rows[item.id]
        minutes = item.minutes if minutes is None else minutes
        presenter = (str(item.presenter_id or "")) if presenter is None else presenter
        if str(minutes).strip() == str(item.minutes) and (presenter or "") == str(item.presenter_id or ""):
            continue
        try:
            services.update_item(meeting, item.id, user, meeting.agenda_version, minutes=minutes,
                                 presenter_id=presenter, now=now)
        except InvalidInput as error:
            raise ItemInvalid(item.id, error) from error
        changed += 1
    return changed


def apply(meeting: Meeting, user, version, rows: dict, action: Action, *, order: list[str] | None = None,
          now: datetime | None = None) -> str | None:
    """Save the typed rows, then do ``action``. Returns the message for the page (None: none).

    Raises what the services raise: InvalidInput (ItemInvalid for a row), ConflictError
    when someone changed the agenda since ``version``, NotAllowed.
    """
    now = now or utcnow()
    services.check_editable(meeting, user, version, now)
    if action.verb == "remove":  # the row taken off is not saved first (its minutes may be half typed)
        rows = {item_id: row for item_id, row in rows.items() if str(item_id) != action.target.strip()}
    changed = _save_rows(meeting, user, rows, now)
    current = meeting.agenda_version
    verb, target = action.verb, action.target
    if verb == "up" or verb == "down":
        services.move_item(meeting, target, verb, user, current, now=now)
        return _("Saved.") if changed else None
    if verb == "remove":
        services.remove_item(meeting, target, user, current, now=now)
        return _("Case removed from the agenda; it is back in the pool.")
    if verb == "add":
        services.add_case(meeting, target, user, current, now=now)
        return _("Case added to the agenda.")
    if verb == "add-proposed":
        services.add_all_proposed(meeting, user, current, now=now)
        return _("The cases proposed for this meeting are on the agenda.")
    if verb == "reorder":
        services.reorder(meeting, order or [], user, current, now=now)
        return _("New order saved.")
    if verb == "publish":
        services.publish_agenda(meeting, user, current, now=now)
        return _("Agenda published; the board's members and the submitters are told by e-mail.")
    return _("Saved.") if changed else _("Nothing to save: the agenda is as typed.")
