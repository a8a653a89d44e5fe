"""Case references: board code, year, number within board and year (THO-2026-0042)."""

from __future__ import annotations

import sqlalchemy as sa

from mtb.boards.models import Board
from mtb.cases.models import CaseCounter
from mtb.db import utcnow
from mtb.extensions import db


def next_reference(board: Board, year: int | None = None) -> str:
    """Reserve the next number; the counter row is locked until the transaction ends."""
    year = year or utcnow().year
    counter = db.session.scalar(
        sa.select(CaseCounter)
        .where(CaseCounter.board_id == board.id, CaseCounter.year == year)
        .with_for_update()
    )
    if counter is None:
        counter = CaseCounter(board_id=board.id, year=year, last_number=0)
        db.session.add(counter)
    counter.last_number += 1
    db.session.flush()
    return f"{board.code}-{year}-{counter.last_number:04d}"
