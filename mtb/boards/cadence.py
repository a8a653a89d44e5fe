"""A board's cadence: its RFC 5545 rule expanded in local wall time, then placed in UTC.

Expanding in wall time and localising each occurrence is what keeps "Tuesday 14:00"
at 14:00 in Paris across daylight-saving changes (13:00Z in winter, 12:00Z in summer).
The meetings part creates its meetings from these occurrences.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from dateutil.rrule import rrule, rrulestr
from flask_babel import get_locale

from mtb.boards.models import Board
from mtb.i18n import gettext as _
from mtb.i18n import ngettext

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


@lru_cache(maxsize=4096)
def hours_before_on_clock(value: datetime, hours: int, tz: str) -> datetime:
    """Naive UTC ``hours`` before ``value`` as the zone's clocks read them: 48 h before a
    Thursday 14:00 is Tuesday 14:00, also when the clocks change in between (elapsed hours
    would say 13:00 or 15:00). Kept: the pool compares every waiting case with it."""
    return local_to_utc(utc_to_local(value, tz) - timedelta(hours=hours), tz)


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


#: RFC 5545 weekday codes, Monday first (Babel's day numbers: 0 is Monday).
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: The longest gap a "every N weeks" cadence offers in words (longer rhythms: write the rule).
MAX_EVERY_WEEKS = 8


def weekly_rule(weekday: str, at: time, every_weeks: int = 1) -> str:
    """The RRULE of "every ``every_weeks`` weeks on ``weekday`` at ``at``" (wall time)."""
    parts = ["FREQ=WEEKLY"] + ([f"INTERVAL={every_weeks}"] if every_weeks > 1 else [])
    return ";".join(parts + [f"BYDAY={weekday}", f"BYHOUR={at.hour}", f"BYMINUTE={at.minute}"])


def weekly_parts(rule: str) -> tuple[str, time, int] | None:
    """(weekday, time, every N weeks) of a plain weekly rule on one day; None for any other
    rule (monthly, several days, an end date...), which the settings page keeps as written."""
    parts = rule_parts(rule)
    if parts.get("FREQ") != "WEEKLY" or set(parts) - {"FREQ", "INTERVAL", "BYDAY", "BYHOUR", "BYMINUTE", "WKST"}:
        return None
    every = parts.get("INTERVAL", "1")
    if (parts.get("BYDAY") not in WEEKDAYS or not (every.isascii() and every.isdigit())
            or not 1 <= int(every) <= MAX_EVERY_WEEKS):
        return None
    try:
        return parts["BYDAY"], rule_time(rule), int(every)
    except (KeyError, ValueError):
        return None


def describe_rule(rule: str) -> str | None:
    """A plain weekly rule in words ("Every other Thursday at 13:00"), in the reader's
    language; None for a rule that is not plain weekly."""
    weekly = weekly_parts(rule)
    if weekly is None:
        return None
    day, at, every = weekly
    weekday = get_day_names("wide", locale=get_locale())[WEEKDAYS.index(day)]
    when = f"{at:%H:%M}"
    if every == 2:
        return _("Every other %(weekday)s at %(time)s", weekday=weekday, time=when)
    return ngettext("Every %(weekday)s at %(time)s", "Every %(num)d weeks on %(weekday)s at %(time)s", every,
                    weekday=weekday, time=when)
