"""Boards: the three default boards, their settings, and who may see them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from dateutil.rrule import rrulestr
from flask_babel import gettext as _

from mtb.audit import services as audit
from mtb.boards.models import Board
from mtb.errors import InvalidInput, NotFound
from mtb.extensions import db
from mtb.vocab import Specialty

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
    ids = user.board_ids()
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Board).where(Board.id.in_(ids)).order_by(Board.name)))


def validate_rrule(rule: str, anchor: date) -> str:
    """Check an RFC 5545 RRULE (without DTSTART) and return it normalised.

    It must give a time of day (BYHOUR, BYMINUTE) and at least one future date.
    """
    rule = (rule or "").strip().upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:"):]
    if not rule:
        raise InvalidInput("cadence_rrule", _("Enter a recurrence rule, e.g. FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0."))
    try:
        parsed = rrulestr(rule, dtstart=datetime.combine(anchor, datetime.min.time()))
    except (ValueError, TypeError) as error:
        raise InvalidInput("cadence_rrule", _("This is not a valid recurrence rule: %(error)s", error=str(error)))
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    if "FREQ" not in parts:
        raise InvalidInput("cadence_rrule", _("The rule needs a FREQ (e.g. FREQ=WEEKLY)."))
    if parts["FREQ"] not in ("DAILY", "WEEKLY", "MONTHLY"):
        raise InvalidInput("cadence_rrule", _("Boards meet daily, weekly or monthly: use FREQ=WEEKLY or FREQ=MONTHLY."))
    if "BYHOUR" not in parts or "BYMINUTE" not in parts:
        raise InvalidInput("cadence_rrule", _("Give the meeting time with BYHOUR and BYMINUTE (e.g. BYHOUR=14;BYMINUTE=0)."))
    if "," in parts["BYHOUR"] or "," in parts["BYMINUTE"]:
        raise InvalidInput("cadence_rrule", _("Give one meeting time a day (one BYHOUR and one BYMINUTE)."))
    if parsed.after(datetime.now()) is None:
        raise InvalidInput("cadence_rrule", _("This rule has no future meetings (check UNTIL or COUNT)."))
    return rule


def validate_quorum(entries: list[str]) -> list[str]:
    valid = {s.value for s in Specialty}
    cleaned = []
    for entry in entries:
        options = [o.strip() for o in entry.split("|") if o.strip()]
        unknown = [o for o in options if o not in valid]
        if unknown:
            raise InvalidInput("quorum_specialties", _("Unknown specialty: %(name)s", name=", ".join(unknown)))
        if options:
            cleaned.append("|".join(options))
    return cleaned


def update_settings(board: Board, **values) -> Board:
    """Apply edited settings (admin or secretary); raises InvalidInput(field, message)."""
    anchor = values.get("cadence_anchor") or board.cadence_anchor
    if "cadence_rrule" in values:
        values["cadence_rrule"] = validate_rrule(values["cadence_rrule"], anchor)
    if "quorum_specialties" in values:
        values["quorum_specialties"] = validate_quorum(values["quorum_specialties"])
    for field in ("meeting_length_minutes", "minutes_per_case"):
        if field in values and not (1 <= int(values[field]) <= 600):
            raise InvalidInput(field, _("Enter a number of minutes between 1 and 600."))
    if "cutoff_hours" in values and not (0 <= int(values["cutoff_hours"]) <= 24 * 14):
        raise InvalidInput("cutoff_hours", _("Enter a number of hours between 0 and 336 (two weeks)."))
    changed = {}
    for key, value in values.items():
        if getattr(board, key) != value:
            changed[key] = str(value)
            setattr(board, key, value)
    if changed:
        audit.record("board.settings", board, board_id=board.id, details=changed)
    db.session.flush()
    return board
