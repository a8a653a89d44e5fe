"""Signed records: the meeting's minutes (versioned) and one decision letter per decision version.

Both are rendered once and stored in the database (bytes and SHA-256), so every app
instance serves the same file and anyone can check a copy against the shown hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from mtb.db import utcnow
from mtb.extensions import db
from mtb.i18n import gettext as _

if TYPE_CHECKING:
    from mtb.accounts.models import User
    from mtb.cases.models import Case
    from mtb.decisions.models import Decision
    from mtb.meetings.models import Meeting


class MinutesVersion(db.Model):
    """One rendering of a meeting's minutes: version 1 at signing, one more per correction."""

    __tablename__ = "minutes_versions"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    #: Why this version exists ("Signed", "Correction of THO-2026-0042: ...").
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    #: Canonical JSON of the plain context the PDF shows (what the fingerprint covers).
    content_json: Mapped[str] = deferred(mapped_column(sa.Text, nullable=False))
    #: SHA-256 of content_json, printed in the PDF footer.
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    pdf: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))
    #: SHA-256 of the PDF file itself, shown where it is downloaded.
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64))
    pdf_size: Mapped[int]
    #: The document date: PDF metadata and footer use it, so a re-render gives the same bytes.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    signed_at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]
    #: The decision version whose correction made this minutes version (None: the signature).
    correction_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decisions.id", ondelete="SET NULL"), index=True)

    meeting: Mapped[Meeting] = relationship()
    signed_by: Mapped[User | None] = relationship(lazy="joined")
    correction_of: Mapped[Decision | None] = relationship()

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def reason_label(self) -> str:
        """Why this version exists, in the reader's language (``reason`` is printed in the
        PDF, in the documents' language)."""
        decision = self.correction_of
        if decision is not None:
            return _("Correction of %(ref)s (decision version %(n)d): %(reason)s", ref=decision.case.reference,
                     n=decision.version, reason=decision.correction_reason or "")
        if self.number == 1:
            return _("Signed by the chair")
        return self.reason or ""

    @property
    def filename(self) -> str:
        return f"minutes-{self.meeting.board.code}-{self.meeting.local_day:%Y%m%d}-v{self.number}.pdf"


class DecisionLetter(db.Model):
    """The one-page letter for one decision version, for the referring clinician."""

    __tablename__ = "decision_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("decisions.id", ondelete="CASCADE"), unique=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"), index=True)
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    pdf: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64))
    pdf_size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    decision: Mapped[Decision] = relationship(back_populates="letter")
    case: Mapped[Case] = relationship()

    @property
    def is_current(self) -> bool:
        return not self.decision.is_superseded

    @property
    def filename(self) -> str:
        return f"decision-{self.case.reference}-v{self.decision.version}.pdf"
