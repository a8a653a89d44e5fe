"""Claims that make each scheduled job run once per time slot, whatever runs it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from mtb.db import utcnow
from mtb.extensions import db


class JobRun(db.Model):
    __tablename__ = "job_runs"
    __table_args__ = (sa.UniqueConstraint("job_name", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(sa.String(80))
    #: The time slot this run is for, e.g. "2026-11-27T14:00" or a reminder key.
    slot: Mapped[str] = mapped_column(sa.String(120))
    #: Which scheduler process claimed it (host:pid), for the admin's eyes.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(120))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
