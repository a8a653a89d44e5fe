"""A short-lived, per-process memory of a dashboard's figures.

A year of a busy board is a few thousand rows to read and convert; a coordinator opening the
dashboard again, or a colleague opening it a minute later, reuses them. The key holds what
moves when the figures change — the newest follow-up (a recording or a correction is a new
row), the newest validation and publication of a decision, the newest meeting closed of those
boards — so a follow-up just recorded shows at once; anything else is at most ``TTL_SECONDS`` old.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import get_locale

from mtb.decisions.models import Decision
from mtb.extensions import db
from mtb.meetings.models import Meeting
from mtb.outcomes.models import FollowUp

TTL_SECONDS = 300
MAX_ENTRIES = 32

_lock = threading.Lock()
_entries: OrderedDict = OrderedDict()


def _version(board_ids: list[int]) -> tuple:
    """One statement, on indexed columns only."""
    return tuple(db.session.execute(sa.select(
        sa.select(sa.func.max(FollowUp.id)).scalar_subquery(),
        sa.select(sa.func.max(Decision.validated_at)).where(Decision.board_id.in_(board_ids)).scalar_subquery(),
        sa.select(sa.func.max(Decision.published_at)).scalar_subquery(),
        sa.select(sa.func.max(Meeting.closed_at)).where(Meeting.board_id.in_(board_ids)).scalar_subquery(),
    )).one())


def get_or_compute(kind, boards, period, tz: str, compute: Callable):
    """``compute()``'s answer for these boards and period, reused while nothing it reads moved.
    ``kind``: what is computed (with the settings it depends on, e.g. the boards' targets)."""
    board_ids = sorted(board.id for board in boards)
    # The figures hold words (reasons, responses, steps) in the reader's language.
    key = (kind, db.engine.url.render_as_string(hide_password=True), tuple(board_ids), period.first, period.last, tz,
           str(get_locale()), _version(board_ids))
    now = time.monotonic()
    with _lock:
        entry = _entries.get(key)
        if entry is not None and now - entry[0] < TTL_SECONDS:
            _entries.move_to_end(key)
            return entry[1]
    value = compute()
    with _lock:
        _entries[key] = (now, value)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
