"""Reading the outbox: the administrators' page."""

from __future__ import annotations

import sqlalchemy as sa

from mtb.extensions import db
from mtb.notifications.models import OutboxMessage, OutboxStatus


def outbox_page(page: int, per_page: int, status: str | None = None):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if status in {s.value for s in OutboxStatus}:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def outbox_counts() -> dict[str, int]:
    rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status))
    counts = {s.value: 0 for s in OutboxStatus}
    counts.update({status.value if hasattr(status, "value") else status: n for status, n in rows})
    return counts
