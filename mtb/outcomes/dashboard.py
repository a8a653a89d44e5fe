"""What a board's (or the site's) dashboard shows, built from ``stats`` for one period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from mtb.errors import InvalidInput
from mtb.i18n import gettext as _
from mtb.outcomes import cache, stats

#: The longest period a dashboard covers (its statements stay bounded by it).
MAX_PERIOD = relativedelta(years=5)
#: The years a period may name (beyond them date arithmetic overflows).
FIRST_YEAR, LAST_YEAR = 1900, 2100


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """The period's first and last days from midnight to midnight in the board's zone,
        as the naive UTC times the database holds: [start, end)."""
        zone = ZoneInfo(tz)

        def utc_midnight(day: date) -> datetime:
            return datetime.combine(day, time.min, zone).astimezone(timezone.utc).replace(tzinfo=None)

        return utc_midnight(self.first), utc_midnight(self.last + timedelta(days=1))


def parse_period(first: str | None, last: str | None, today: date) -> Period:
    """The period asked for (ISO dates), by default the twelve months up to today; raises InvalidInput."""
    try:
        last_day = date.fromisoformat(last) if last else today
    except ValueError:
        raise InvalidInput("to", _("Give the end of the period as a date.")) from None
    if not FIRST_YEAR <= last_day.year <= LAST_YEAR:
        raise InvalidInput("to", _("Give a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))
    try:
        first_day = date.fromisoformat(first) if first else last_day - relativedelta(years=1) + timedelta(days=1)
    except ValueError:
        raise InvalidInput("from", _("Give the start of the period as a date.")) from None
    if not FIRST_YEAR <= first_day.year <= LAST_YEAR:
        raise InvalidInput("from", _("Give a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))
    if first_day > last_day:
        raise InvalidInput("from", _("The period starts after it ends."))
    if first_day < last_day - MAX_PERIOD:
        raise InvalidInput("from", _("A dashboard covers at most five years."))
    return Period(first_day, last_day)


@dataclass
class _Rows:
    """What one period's figures are computed from, for a set of boards (one statement each)."""

    recommended: dict
    follow_ups: list
    cases: list
    meetings: list


def _fetch(board_ids: list[int], period: Period, tz: str) -> _Rows:
    start, end = period.bounds(tz)
    return _Rows(
        recommended=stats.recommended_counts(board_ids, start, end),
        follow_ups=stats.follow_up_rows(board_ids, start, end),
        cases=stats.case_times(board_ids, start, end, tz),
        meetings=stats.meeting_rows(board_ids, start, end),
    )


def _summarize(rows: _Rows, boards) -> dict:
    """The figures of ``boards`` (all of ``rows``' boards, or one of them)."""
    ids = {board.id for board in boards}
    cases = [case for case in rows.cases if case.board_id in ids]
    implementation = stats.implementation(sum(count for board_id, count in rows.recommended.items() if board_id in ids),
                                          [row for row in rows.follow_ups if row.board_id in ids])
    return {
        "implementation": implementation,
        "reason_rows": [(str(reason.label), count) for reason, count in implementation.reasons.items()],
        "response_rows": [(str(response.label), count) for response, count in implementation.responses.items()],
        "steps": stats.turnaround(cases),
        "slow": stats.slow_cases(cases, {board.id: board.turnaround_target_days for board in boards}),
        "decided": len(cases),
        "meetings": stats.meetings([row for row in rows.meetings if row.board_id in ids]),
        "benchmark_rate": stats.BENCHMARK_IMPLEMENTATION,
        "benchmark_days": stats.BENCHMARK_DAYS,
    }


def _targets(boards) -> tuple:
    return tuple((board.id, board.turnaround_target_days) for board in boards)


def figures(boards, period: Period, tz: str) -> dict:
    """Every figure of one dashboard: ``boards`` (one board, or all of the site's) together."""
    boards = list(boards)
    return cache.get_or_compute(
        ("board", _targets(boards)), boards, period, tz,
        lambda: _summarize(_fetch([board.id for board in boards], period, tz), boards))


def site(boards, period: Period, tz: str) -> tuple[dict, list[tuple]]:
    """The site's figures and each board's, from one reading of the rows."""
    boards = list(boards)

    def compute():
        rows = _fetch([board.id for board in boards], period, tz)
        return _summarize(rows, boards), [(board.id, _summarize(rows, [board])) for board in boards]

    whole, per_board = cache.get_or_compute(("site", _targets(boards)), boards, period, tz, compute)
    by_id = dict(per_board)
    return whole, [(board, by_id[board.id]) for board in boards]
