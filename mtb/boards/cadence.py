"""A board's cadence: its RFC 5545 rule expanded in local wall time, then placed in UTC.

Expanding in wall time and localising each occurrence is what keeps "Tuesday 14:00"
at 14:00 in Paris across daylight-saving changes (13:00Z in winter, 12:00Z in summer).
The meetings part creates its meetings from these occurrences.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from mtb.boards.models import Board

log = logging.getLogger(__name__)


def rule_parts(rule: str) -> dict[str, str]:
    rule = (rule or "").strip().upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:"):]
    return dict(p.split("=", 1) for p in rule.split(";") if "=" in p)


def rule_time(rule: str) -> time:
    """The meeting time of day the rule gives (BYHOUR, BYMINUTE); 00:00 if missing."""
    parts = rule_parts(rule)
    return time(int(parts.get("BYHOUR", "0").split(",")[0]), int(parts.get("BYMINUTE", "0").split(",")[0]))


def local_to_utc(local: datetime, tz: str) -> datetime:
    """Naive wall time in ``tz`` to naive UTC."""
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(timezone.utc).replace(tzinfo=None)


def utc_to_local(value: datetime, tz: str) -> datetime:
    """Naive UTC to naive wall time in ``tz``."""
    return value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def wall_time_exists(local: datetime, tz: str) -> bool:
    """False for wall times skipped when clocks go forward (e.g. 02:30 on the last Sunday of March)."""
    return utc_to_local(local_to_utc(local, tz), tz) == local


def until_local(value: str, tz: str) -> datetime:
    """An RRULE UNTIL as naive wall time in ``tz``: UTC (``20300101T000000Z``, RFC 5545
    for a zoned start), a date (``20301231``: that whole day) or a floating local time."""
    value = value.strip().upper()
    if len(value) == 8:
        return datetime.combine(datetime.strptime(value, "%Y%m%d").date(), time(23, 59, 59))
    if value.endswith("Z"):
        return utc_to_local(datetime.strptime(value, "%Y%m%dT%H%M%SZ"), tz)
    return datetime.strptime(value, "%Y%m%dT%H%M%S")


def build_rule(rule: str, anchor: date, tz: str) -> rrule:
    """The cadence as a dateutil rule in naive local wall time, starting on ``anchor`` at
    the rule's time of day. UNTIL is turned into local wall time (dateutil refuses a
    UTC UNTIL with a naive start). Raises ValueError (or TypeError) on a bad rule."""
    parts = rule_parts(rule)
    until = parts.pop("UNTIL", None)
    clean = ";".join(f"{k}={v}" for k, v in parts.items())
    dtstart = datetime.combine(anchor, rule_time(rule))
    recurrence = rrulestr(clean, dtstart=dtstart)
    if until is not None:
        recurrence = recurrence.replace(until=until_local(until, tz))
    return recurrence


def occurrences(rule: str, anchor: date, tz: str, start: datetime, end: datetime) -> list[datetime]:
    """Naive UTC starts of the cadence between ``start`` and ``end`` (naive UTC, inclusive)."""
    try:
        recurrence = build_rule(rule, anchor, tz)
    except (ValueError, TypeError, OverflowError):
        log.warning("cadence rule %r cannot be read; no meetings generated", rule)
        return []
    # A day either side covers any UTC offset; the exact bounds are applied in UTC.
    local_start = utc_to_local(start, tz) - timedelta(days=1)
    local_end = utc_to_local(end, tz) + timedelta(days=1)
    result = []
    for local in recurrence.between(local_start, local_end, inc=True):
        utc = local_to_utc(local, tz)
        if start <= utc <= end:
            result.append(utc)
    return result


def board_occurrences(board: Board, start: datetime, end: datetime) -> list[datetime]:
    """The board's meeting starts (naive UTC) between ``start`` and ``end``."""
    return occurrences(board.cadence_rrule, board.cadence_anchor, board.timezone, start, end)
