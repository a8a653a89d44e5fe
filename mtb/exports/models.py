"""Integration accounts: another system (the hospital's data warehouse, a DNPM/MII node)
reading validated decisions of some boards through the API, with a bearer token.

Only the token's SHA-256 is stored: the administrator sees the token once, when the account
is created. A revoked account's token answers 401.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mtb.db import utcnow
from mtb.extensions import db

if TYPE_CHECKING:
    from mtb.accounts.models import User
    from mtb.boards.models import Board

integration_account_boards = sa.Table(
    "integration_account_boards", db.metadata,
    sa.Column("account_id", sa.ForeignKey("integration_accounts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("board_id", sa.ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class IntegrationAccount(db.Model):
    """A system that reads the validated decisions of its boards through the API."""

    __tablename__ = "integration_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    #: SHA-256 (hex) of the bearer token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The token's first characters, to tell tokens apart in the list (not enough to use one).
    token_hint: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    last_used_at: Mapped[datetime | None]

    boards: Mapped[list[Board]] = relationship(secondary=integration_account_boards, order_by="Board.name")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def board_names(self) -> str:
        return ", ".join(board.name for board in self.boards)

    def __repr__(self) -> str:
        return f"<IntegrationAccount {self.name}{'' if self.is_active else ' revoked'}>"


class PublishedBundle(db.Model):
    """A decision's FHIR Bundle as it was published with the minutes. The export of a
    locked decision reads it: the case may be edited afterwards (sent back for another
    discussion), and the decision was taken on the findings of that day."""

    __tablename__ = "published_bundles"

    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True)
    #: The Bundle's JSON, as the export serves it.
    bundle: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
