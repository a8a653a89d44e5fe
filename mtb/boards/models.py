"""The three boards and their settings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from mtb.db import TimestampMixin
from mtb.extensions import db

#: Settings only a site administrator changes (they shape the record, not the week).
ADMIN_SETTINGS = ("name", "quorum_specialties", "identity_in_minutes", "follow_up_months",
                  "turnaround_target_days", "completeness_requirements")
#: When each recommendation is followed up, in months after the validated decision.
DEFAULT_FOLLOW_UP_MONTHS = [3, 6, 12]
#: Days from the molecular report to the board's discussion beyond which a case is flagged
#: (a US community board took a median of 12 days).
DEFAULT_TURNAROUND_TARGET_DAYS = 14
#: Completeness requirements other than a gene: the finding of that kind must be reported.
COMPLETENESS_ITEMS = ("PD-L1", "TMB", "MSI", "HRD", "germline")
#: Upper bounds of a board's meeting and case lengths (minutes) and of its cut-off (hours).
MAX_MINUTES = 600
MAX_CUTOFF_HOURS = 24 * 14


class Board(TimestampMixin, db.Model):
    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: Three letters that start every case reference (THO-2026-0042).
    code: Mapped[str] = mapped_column(sa.String(3), unique=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Paris")
    #: RFC 5545 recurrence rule, read in the board's time zone, e.g.
    #: "FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0".
    cadence_rrule: Mapped[str] = mapped_column(sa.String(255))
    #: First day the cadence counts from (DTSTART), so "every other Thursday" is stable.
    cadence_anchor: Mapped[date] = mapped_column(default=date(2026, 1, 1))
    meeting_length_minutes: Mapped[int] = mapped_column(default=120)
    minutes_per_case: Mapped[int] = mapped_column(default=10)
    #: Cases must be submitted this many hours before the meeting to be on its agenda.
    cutoff_hours: Mapped[int] = mapped_column(default=48)
    location: Mapped[str | None] = mapped_column(sa.String(200))
    video_link: Mapped[str | None] = mapped_column(sa.String(500))
    #: Specialties that must be present for quorum: each entry is a Specialty value,
    #: or alternatives joined by "|" ("molecular_biology|genetics": either will do).
    quorum_specialties: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: Whether the minutes show the patient's name, record number and birth date
    #: (decision letters always do: they go into the patient's record).
    identity_in_minutes: Mapped[bool] = mapped_column(default=False)
    #: Months after the validated decision at which each recommendation is followed up.
    follow_up_months: Mapped[list[int]] = mapped_column(
        sa.JSON, default=lambda: list(DEFAULT_FOLLOW_UP_MONTHS), server_default=sa.text("'[3, 6, 12]'"))
    #: Target days from the molecular report to the discussion; slower cases are highlighted.
    turnaround_target_days: Mapped[int] = mapped_column(default=DEFAULT_TURNAROUND_TARGET_DAYS,
                                                        server_default=sa.text("14"))
    #: What a submission to this board must carry (mtb.cases.completeness): gene symbols
    #: (a result or a "not detected"), or "PD-L1", "TMB", "MSI", "HRD", "germline".
    completeness_requirements: Mapped[list[str]] = mapped_column(sa.JSON, default=list,
                                                                 server_default=sa.text("'[]'"))

    def can_edit_settings(self, user, names: Iterable[str] = ()) -> bool:
        """Its secretaries set the board's week (cadence, lengths, place); administrators
        also its name, quorum and minutes (``names``: the settings being changed). Fails closed."""
        # Asked of the user object: accounts sits above boards.
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if user.is_admin:
            return True
        return user.is_secretary(self.id) and not any(name in ADMIN_SETTINGS for name in names)

    def __repr__(self) -> str:
        return f"<Board {self.slug}>"
