"""Append-only trail of who read or changed what."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mtb.db import utcnow
from mtb.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    #: Who opened a case is asked by its object (the submitter's panel on the case page).
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: None for the scheduler or the CLI.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: Verb: "case.view", "case.update", "attachment.download", "login.failed", ...
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    board_id: Mapped[int | None] = mapped_column(sa.ForeignKey("boards.id", ondelete="SET NULL"), index=True)
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict | None] = mapped_column(sa.JSON)

    user = relationship("User", lazy="joined")
    board = relationship("Board", lazy="joined")
