"""Board meetings and the cases on their agendas."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mtb.accounts.models import Role, is_signed_in
from mtb.boards.cadence import hours_before_on_clock
from mtb.db import TimestampMixin, enum_column, utcnow
from mtb.extensions import db
from mtb.formatting import to_local
from mtb.i18n import gettext as _
from mtb.i18n import lazy_gettext as _l

if TYPE_CHECKING:
    from mtb.accounts.models import User
    from mtb.boards.models import Board
    from mtb.cases.models import Case


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    #: The agenda is frozen and sent to the board.
    PUBLISHED = "published"
    IN_SESSION = "in_session"
    CLOSED = "closed"
    #: The chair signed the minutes.
    SIGNED = "signed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(_STATUS_LABELS[self])


_STATUS_LABELS = {
    MeetingStatus.SCHEDULED: _l("scheduled"),
    MeetingStatus.PUBLISHED: _l("agenda published"),
    MeetingStatus.IN_SESSION: _l("in session"),
    MeetingStatus.CLOSED: _l("closed"),
    MeetingStatus.SIGNED: _l("minutes signed"),
    MeetingStatus.CANCELLED: _l("cancelled"),
}

#: Meetings whose agenda can still receive cases.
OPEN_STATUSES = (MeetingStatus.SCHEDULED, MeetingStatus.PUBLISHED)
#: The longest note on why a case was deferred (printed in the minutes).
DEFER_NOTE_MAX = 300
#: Meetings whose session began: they have a decisions and minutes page.
HELD_STATUSES = (MeetingStatus.IN_SESSION, MeetingStatus.CLOSED, MeetingStatus.SIGNED)

#: Why an agenda can no longer be changed, as a sentence.
_LOCKED_REASONS = {
    MeetingStatus.IN_SESSION: _l("The meeting is in session: its agenda is run from the session page."),
    MeetingStatus.CLOSED: _l("The meeting is closed."),
    MeetingStatus.SIGNED: _l("The meeting is over and its minutes are signed."),
    MeetingStatus.CANCELLED: _l("The meeting is cancelled."),
}

#: The scheduler keeps this many weeks of meetings ahead of each cadence.
HORIZON_WEEKS = 8
#: Stored as Meeting.cancelled_reason when a cadence change removed the occurrence;
#: such a meeting comes back if the cadence returns to it.
CADENCE_CHANGED = "cadence changed"
#: Bounds of a meeting's length, in minutes (the meeting form and the services).
MIN_MEETING_MINUTES, MAX_MEETING_MINUTES = 5, 600
#: How far ahead a meeting may be set by hand, in days (five years): boards plan months
#: ahead, so a later date is a mistyped year (and year 9999 overflows the meeting's end).
MAX_DAYS_AHEAD = 5 * 366
#: A start after this (year 9999's last days) has no end every time zone can show.
_LATEST_START_WITH_END = datetime.max - timedelta(days=2)
#: Who may present a case: the board's clinicians and members (not its secretaries or a
#: site administrator as such).
PRESENTER_ROLES = (Role.CLINICIAN, Role.MEMBER, Role.CHAIR)
#: The most minutes one case may be given on an agenda.
MAX_ITEM_MINUTES = 240
#: The longest reason for cancelling a meeting (it goes into e-mails).
MAX_CANCEL_REASON = 300


class ItemOutcome(enum.StrEnum):
    PENDING = "pending"
    DISCUSSED = "discussed"
    DEFERRED = "deferred"

    @property
    def label(self) -> str:
        return str(_OUTCOME_LABELS[self])


_OUTCOME_LABELS = {
    ItemOutcome.PENDING: _l("To discuss"),
    ItemOutcome.DISCUSSED: _l("Discussed"),
    ItemOutcome.DEFERRED: _l("Deferred"),
}


class Meeting(TimestampMixin, db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        # The scheduler makes one meeting per cadence occurrence, even after a move.
        sa.UniqueConstraint("board_id", "occurrence_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"), index=True)
    #: Naive UTC start; shown in the board's time zone.
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_minutes: Mapped[int]
    location: Mapped[str | None] = mapped_column(sa.String(200))
    video_link: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[MeetingStatus] = enum_column(MeetingStatus, default=MeetingStatus.SCHEDULED, index=True)
    #: The cadence occurrence (naive UTC) this meeting was generated for; None for extra meetings.
    occurrence_at: Mapped[datetime | None]
    #: Case submission cut-off, hours before the start (copied from the board, editable per meeting).
    cutoff_hours: Mapped[int]
    #: Bumped on every agenda change; a save carrying an older value is a conflict.
    agenda_version: Mapped[int] = mapped_column(default=1)
    agenda_published_at: Mapped[datetime | None]
    #: agenda_version at the last publication; a different current version means
    #: the agenda changed since and needs an explicit re-publication.
    published_version: Mapped[int | None]
    #: How many times the agenda was published (1 = first publication).
    agenda_publications: Mapped[int] = mapped_column(default=0)
    #: iCalendar SEQUENCE: bumped on every change attendees should see.
    ical_sequence: Mapped[int] = mapped_column(default=0)
    cancelled_reason: Mapped[str | None] = mapped_column(sa.String(300))
    started_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: Set when the board's cadence changed and this meeting's occurrence no longer
    #: exists, but cases are on it: kept for the secretary to move or cancel.
    needs_review: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The agenda item the session page shows now (its Previous/Next move it): the live
    #: view and the presentation follow it. An item id of this meeting, or None.
    current_item_id: Mapped[int | None]

    #: Not joined into every row: the signed-in user's roles load their boards, which the
    #: session then hands to each row without a statement (a join parsed the board's
    #: JSON settings again per row).
    board: Mapped[Board] = relationship()
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position",
        foreign_keys="AgendaItem.meeting_id",
    )

    @property
    def ends_at(self) -> datetime:
        if self.starts_at > _LATEST_START_WITH_END:
            # Saved before meeting dates were bounded: a later end falls off the calendar
            # in the board's zone, and its pages and everyone's feed must still open.
            return self.starts_at
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def cutoff_at(self) -> datetime:
        """``cutoff_hours`` before the start on the board's clock (naive UTC)."""
        return hours_before_on_clock(self.starts_at, self.cutoff_hours, self.board.timezone)

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def is_open(self) -> bool:
        """Its agenda can still receive cases."""
        return self.status in OPEN_STATUSES

    @property
    def is_scheduled(self) -> bool:
        return self.status is MeetingStatus.SCHEDULED

    @property
    def is_published(self) -> bool:
        """Its agenda is published and the session has not started."""
        return self.status is MeetingStatus.PUBLISHED

    @property
    def is_in_session(self) -> bool:
        return self.status is MeetingStatus.IN_SESSION

    @property
    def is_closed(self) -> bool:
        """The session ended; the minutes wait for the chair's signature."""
        return self.status is MeetingStatus.CLOSED

    @property
    def is_signed(self) -> bool:
        return self.status is MeetingStatus.SIGNED

    @property
    def is_cancelled(self) -> bool:
        return self.status is MeetingStatus.CANCELLED

    @property
    def is_held(self) -> bool:
        """In session or over: it has a decisions and minutes page."""
        return self.status in HELD_STATUSES

    @property
    def has_published_agenda(self) -> bool:
        """Its agenda was published at least once (members have seen it)."""
        return self.agenda_publications > 0

    @property
    def cancelled_by_cadence(self) -> bool:
        """Cancelled because the board's cadence no longer has this date."""
        return self.is_cancelled and self.cancelled_reason == CADENCE_CHANGED

    def locked_reason(self, now: datetime | None = None) -> str | None:
        """Why the agenda can no longer be changed, as a sentence; None if it can."""
        if self.status in _LOCKED_REASONS:
            return str(_LOCKED_REASONS[self.status])
        if self.starts_at <= (now or utcnow()):
            return _("The meeting has started: its agenda is now run from the session page.")
        return None

    @property
    def local_day(self) -> date:
        """The day it is scheduled on, in its board's time zone."""
        return to_local(self.starts_at, self.board.timezone).date()

    def day_has_come(self, now: datetime | None = None) -> bool:
        """Its scheduled day has begun in the board's time zone. Before that it can be neither
        closed nor signed, nor its decisions validated: no letter may say a decision of the
        meeting of 1 December was validated on 30 November."""
        return to_local(now or utcnow(), self.board.timezone).date() >= self.local_day

    @property
    def is_extra(self) -> bool:
        """Added by hand, not generated from the cadence."""
        return self.occurrence_at is None

    @property
    def moved_by_hand(self) -> bool:
        """Generated from the cadence, then set to another time by a secretary: the slot is
        theirs, and a change of cadence leaves it there."""
        return self.occurrence_at is not None and self.starts_at != self.occurrence_at

    @property
    def has_unpublished_changes(self) -> bool:
        """Published once, changed since: a re-publication is due."""
        return self.agenda_publications > 0 and self.published_version != self.agenda_version

    @property
    def total_minutes(self) -> int:
        return sum(item.minutes for item in self.items)

    def can_view(self, user) -> bool:
        """Anyone holding a role on the board. Fails closed."""
        return is_signed_in(user) and user.has_role(self.board_id)

    def can_manage(self, user) -> bool:
        """Secretaries of the board build agendas, move and cancel meetings."""
        return self.can_view(user) and user.is_secretary(self.board_id)

    @classmethod
    def can_create(cls, user, board: Board) -> bool:
        """Secretaries of the board add meetings outside its cadence."""
        return is_signed_in(user) and user.is_secretary(board.id)

    def can_run(self, user) -> bool:
        """The session page: the board's secretaries, and its chairs."""
        return self.can_view(user) and (user.is_secretary(self.board_id) or user.is_chair(self.board_id))

    def __repr__(self) -> str:
        return f"<Meeting {self.board_id} {self.starts_at:%Y-%m-%d %H:%M}>"


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    minutes: Mapped[int]
    presenter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[ItemOutcome] = enum_column(ItemOutcome, default=ItemOutcome.PENDING)
    #: Added past the cut-off by a secretary (urgent case).
    late_addition: Mapped[bool] = mapped_column(default=False)
    #: Marked as changed in the latest re-publication of the agenda (new, moved in
    #: place or time, other length or presenter); set only when publishing.
    changed_after_publication: Mapped[bool] = mapped_column(default=False)
    #: The item as members last saw it (set at each publication, None if it was not on
    #: that agenda): a re-publication marks the items whose place, time or length changed.
    published_position: Mapped[int | None]
    published_starts_at: Mapped[datetime | None]
    published_minutes: Mapped[int | None]
    published_presenter_id: Mapped[int | None]
    #: Why the board deferred the case (typed by the secretary in session; in the minutes).
    deferral_note: Mapped[str | None] = mapped_column(sa.String(DEFER_NOTE_MAX))
    #: Carried over from an earlier meeting where it was not discussed.
    carried_over_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    #: An urgent case moved here, while this meeting sat, from a later meeting's agenda:
    #: taken off again, it goes back to that agenda.
    moved_from_meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id", ondelete="SET NULL"),
                                                              index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="items", foreign_keys=[meeting_id])
    case: Mapped[Case] = relationship(lazy="joined", back_populates="agenda_items")
    presenter: Mapped[User | None] = relationship(lazy="joined")

    @property
    def is_pending(self) -> bool:
        """Not discussed yet (nor deferred)."""
        return self.outcome is ItemOutcome.PENDING

    @property
    def is_deferred(self) -> bool:
        return self.outcome is ItemOutcome.DEFERRED

    @property
    def added_in_session(self) -> bool:
        """An urgent case brought to the meeting once its session began: a late addition
        put on the agenda after the start. Both, so an item stamped late for another reason
        (an import, a seeded past meeting) is never called urgent."""
        started = self.meeting.started_at
        return self.late_addition and started is not None and self.added_at is not None and self.added_at > started

    @property
    def is_carried_over(self) -> bool:
        return self.carried_over_from_id is not None
