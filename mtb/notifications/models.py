"""E-mails waiting to be sent (the outbox) and who wants which notifications."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from mtb.db import enum_column, utcnow
from mtb.extensions import db


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    #: Taken by a sender; if the sender dies, the claim expires and another retries.
    SENDING = "sending"
    SENT = "sent"
    #: Gave up after the last retry; shown to admins.
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Makes queueing idempotent: the same reminder is queued once ("reminder:meeting:12:user:3").
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    #: A NotificationKind value; lets users opt out per kind.
    kind: Mapped[str] = mapped_column(sa.String(40))
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    #: Plain text; never patient names, record numbers or birth dates.
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[OutboxStatus] = enum_column(OutboxStatus, default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
