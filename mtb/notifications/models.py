"""E-mails waiting to be sent (the outbox) and who wants which notifications."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from mtb.db import enum_column, utcnow
from mtb.extensions import db
from mtb.i18n import lazy_gettext as _l


class NotificationKind(enum.StrEnum):
    """What an e-mail is about; each user may opt out of each kind."""

    AGENDA_PUBLISHED = "agenda_published"
    AGENDA_CHANGED = "agenda_changed"
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_MOVED = "meeting_moved"
    CASE_CARRIED_OVER = "case_carried_over"
    CASE_RETURNED_TO_POOL = "case_returned_to_pool"
    CUTOFF_REMINDER = "cutoff_reminder"
    MEETING_REMINDER = "meeting_reminder"
    DECISION_PUBLISHED = "decision_published"
    #: Secretaries: the cut-off passed and cases proposed for the meeting wait in the pool.
    AGENDA_TO_BUILD = "agenda_to_build"
    #: Referring clinicians: a recommendation's follow-up (3, 6, 12 months) is due.
    FOLLOW_UP_DUE = "follow_up_due"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])

    @property
    def short_label(self) -> str:
        """The kind in a few words, for the outbox's column (the label is the preference's sentence)."""
        return str(SHORT_KIND_LABELS[self])


KIND_LABELS = {
    NotificationKind.AGENDA_PUBLISHED: _l("An agenda of my boards is published"),
    NotificationKind.AGENDA_CHANGED: _l("A published agenda changes"),
    NotificationKind.MEETING_CANCELLED: _l("A meeting is cancelled"),
    NotificationKind.MEETING_MOVED: _l("A meeting is moved"),
    NotificationKind.CASE_CARRIED_OVER: _l("My case is carried over to the next meeting"),
    NotificationKind.CASE_RETURNED_TO_POOL: _l("My case goes back to the pool (meeting cancelled, removed from agenda)"),
    NotificationKind.CUTOFF_REMINDER: _l("Reminder: my draft cases, 48 hours before a submission cut-off"),
    NotificationKind.MEETING_REMINDER: _l("Reminder: a meeting of my boards, 24 hours before"),
    NotificationKind.DECISION_PUBLISHED: _l("The decision on my case is published"),
    NotificationKind.AGENDA_TO_BUILD: _l("Secretaries: a cut-off passed and proposed cases wait in the pool for the agenda"),
    NotificationKind.FOLLOW_UP_DUE: _l("What became of the board's recommendation on my case is due (3, 6, 12 months)"),
}


SHORT_KIND_LABELS = {
    NotificationKind.AGENDA_PUBLISHED: _l("Agenda published"),
    NotificationKind.AGENDA_CHANGED: _l("Agenda changed"),
    NotificationKind.MEETING_CANCELLED: _l("Meeting cancelled"),
    NotificationKind.MEETING_MOVED: _l("Meeting moved"),
    NotificationKind.CASE_CARRIED_OVER: _l("Case carried over"),
    NotificationKind.CASE_RETURNED_TO_POOL: _l("Case back in the pool"),
    NotificationKind.CUTOFF_REMINDER: _l("Cut-off reminder"),
    NotificationKind.MEETING_REMINDER: _l("Meeting reminder"),
    NotificationKind.DECISION_PUBLISHED: _l("Decision published"),
    NotificationKind.AGENDA_TO_BUILD: _l("Agenda to build"),
    NotificationKind.FOLLOW_UP_DUE: _l("Follow-up due"),
}


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    #: Taken by a sender; if the sender dies, the claim expires and another retries.
    SENDING = "sending"
    SENT = "sent"
    #: Gave up after the last retry; shown to admins.
    FAILED = "failed"

    @property
    def label(self) -> str:
        return str(_STATUS_LABELS[self])

    @property
    def badge(self) -> str:
        """The badge style the outbox page shows the status in."""
        return {"failed": "bad", "sent": "ok", "sending": "warn"}.get(self.value, "submitted")


_STATUS_LABELS = {
    OutboxStatus.PENDING: _l("waiting"),
    OutboxStatus.SENDING: _l("sending"),
    OutboxStatus.SENT: _l("sent"),
    OutboxStatus.FAILED: _l("failed"),
}


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

    @property
    def kind_label(self) -> str:
        """The kind in the reader's language (a kind this version does not know, as stored)."""
        try:
            return NotificationKind(self.kind).short_label
        except ValueError:
            return self.kind.replace("_", " ")


class NotificationPreference(db.Model):
    """A user's choice for one kind; no row means the default: on."""

    __tablename__ = "notification_preferences"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: A NotificationKind value.
    kind: Mapped[str] = mapped_column(sa.String(40))
    enabled: Mapped[bool] = mapped_column(default=True)
