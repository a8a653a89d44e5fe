"""The three boards and their settings."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from mtb.db import TimestampMixin
from mtb.extensions import db


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

    def __repr__(self) -> str:
        return f"<Board {self.slug}>"
