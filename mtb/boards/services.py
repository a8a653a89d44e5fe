"""Boards: the three default boards, their settings, and who may see them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from mtb.audit import services as audit
from mtb.boards.cadence import utc_to_local
from mtb.boards.models import MAX_CUTOFF_HOURS, MAX_MINUTES, Board
from mtb.boards.validation import validate_follow_up_months, validate_quorum, validate_requirements, validate_rrule
from mtb.db import utcnow
from mtb.errors import InvalidInput, NotAllowed, NotFound
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.signals import board_settings_changed

#: The hospital's three boards, created by `seed-demo` or `flask --app mtb boards init`.
DEFAULT_BOARDS = (
    dict(
        slug="thoracic", code="THO", name="Thoracic oncology",
        cadence_rrule="FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0", cadence_anchor=date(2026, 1, 6),
        meeting_length_minutes=120, minutes_per_case=10, cutoff_hours=48,
        location="Pavilion B, room 2.14",
        quorum_specialties=["medical_oncology", "pathology", "molecular_biology|genetics"],
    ),
    dict(
        slug="paediatric", code="PED", name="Paediatric oncology",
        cadence_rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=13;BYMINUTE=0", cadence_anchor=date(2026, 1, 8),
        meeting_length_minutes=90, minutes_per_case=15, cutoff_hours=72,
        location="Children's hospital, meeting room 1",
        quorum_specialties=["paediatric_oncology", "pathology", "genetics"],
    ),
    dict(
        slug="dermatology", code="DER", name="Dermatology (melanoma)",
        cadence_rrule="FREQ=WEEKLY;BYDAY=MO;BYHOUR=17;BYMINUTE=0", cadence_anchor=date(2026, 1, 5),
        meeting_length_minutes=60, minutes_per_case=10, cutoff_hours=24,
        video_link="https://visio.example.org/mtb-dermatology",
        quorum_specialties=["dermatology|medical_oncology", "pathology", "molecular_biology|genetics"],
    ),
)


#: The earliest day a cadence may count from. Every expansion of the rule walks from it:
#: a daily cadence counted from year 1 took over a second each time meetings were generated.
EARLIEST_CADENCE_ANCHOR = date(2000, 1, 1)
#: How far ahead a cadence may start, in days (five years, as for a meeting set by hand).
MAX_CADENCE_ANCHOR_DAYS_AHEAD = 5 * 366


def ensure_default_boards() -> list[Board]:
    """Create any missing default board; existing boards keep their edited settings."""
    existing = {b.slug: b for b in db.session.scalars(sa.select(Board))}
    for spec in DEFAULT_BOARDS:
        if spec["slug"] not in existing:
            board = Board(**spec)
            db.session.add(board)
            existing[spec["slug"]] = board
    db.session.flush()
    return list_boards()


def list_boards() -> list[Board]:
    return list(db.session.scalars(sa.select(Board).order_by(Board.name)))


def get_board(slug: str) -> Board:
    board = db.session.scalar(sa.select(Board).where(Board.slug == slug))
    if board is None:
        raise NotFound(slug)
    return board


def boards_of(user) -> list[Board]:
    """The boards where the user holds any role, by name."""
    # The roles come with their boards (joined when the account is loaded): no query.
    boards = {role.board_id: role.board for role in user.roles}
    return sorted(boards.values(), key=lambda board: (board.name, board.id))


def update_settings(board: Board, user, *, now: datetime | None = None, **values) -> dict[str, int]:
    """Apply edited settings; raises InvalidInput(field, message), or NotAllowed when
    ``user`` may not change them (``user=None``: the system, e.g. a CLI command).

    Future meetings then follow the new settings (``board_settings_changed``): returns what
    happened to them, counted by kind (updated, cancelled, flagged, restored, created, kept).
    """
    if user is not None and not board.can_edit_settings(user, values):
        raise NotAllowed(_("You do not have access to this page. If you think you should, ask a board secretary "
                           "or an administrator."))
    if values.get("cadence_anchor") not in (None, board.cadence_anchor):
        # Only a new anchor: a board whose stored one is older keeps saving its settings.
        _check_anchor(values["cadence_anchor"], values.get("timezone") or board.timezone, now or utcnow())
    anchor = values.get("cadence_anchor") or board.cadence_anchor
    if "cadence_rrule" in values:
        values["cadence_rrule"] = validate_rrule(values["cadence_rrule"], anchor, values.get("timezone") or board.timezone)
    if "quorum_specialties" in values:
        values["quorum_specialties"] = validate_quorum(values["quorum_specialties"])
    for field in ("meeting_length_minutes", "minutes_per_case"):
        if field in values and not (1 <= int(values[field]) <= MAX_MINUTES):
            raise InvalidInput(field, _("Enter a number of minutes between 1 and 600."))
    if "cutoff_hours" in values and not (0 <= int(values["cutoff_hours"]) <= MAX_CUTOFF_HOURS):
        raise InvalidInput("cutoff_hours", _("Enter a number of hours between 0 and 336 (two weeks)."))
    if "follow_up_months" in values:
        values["follow_up_months"] = validate_follow_up_months(values["follow_up_months"])
    if "turnaround_target_days" in values and not (1 <= int(values["turnaround_target_days"]) <= 365):
        raise InvalidInput("turnaround_target_days", _("Enter a number of days between 1 and 365."))
    if "completeness_requirements" in values:
        values["completeness_requirements"] = validate_requirements(values["completeness_requirements"])
    changed, previous = {}, {}
    for key, value in values.items():
        if getattr(board, key) != value:
            changed[key] = str(value)
            previous[key] = getattr(board, key)
            setattr(board, key, value)
    if changed:
        audit.record("board.settings", board, board_id=board.id, user=user, details=changed)
    db.session.flush()
    # Sent after every save, as the settings page always did (missing meetings are created
    # even when a save changed nothing). ``previous`` lets a meeting take only what this
    # save changed, and only where it still held the old value: a secretary's move stays.
    summary: dict[str, int] = {}
    for _receiver, counts in board_settings_changed.send(board, user=user, now=now or utcnow(),
                                                         changed=sorted(changed), previous=previous):
        for kind, n in (counts or {}).items():
            summary[kind] = summary.get(kind, 0) + n
    return summary


def _check_anchor(anchor: date, tz: str, now: datetime) -> None:
    """Refuse a first meeting day no board could mean: before 2000, or over five years ahead."""
    today = utc_to_local(now, tz).date()
    if not EARLIEST_CADENCE_ANCHOR <= anchor <= today + timedelta(days=MAX_CADENCE_ANCHOR_DAYS_AHEAD):
        raise InvalidInput("cadence_anchor", _("Give a first meeting day between 1 January 2000 and five years "
                                               "from today: check the year."))
