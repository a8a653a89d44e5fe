"""People and what they may do on each board."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mtb.db import TimestampMixin, enum_column, utcnow
from mtb.extensions import db
from mtb.i18n import lazy_gettext as _l
from mtb.vocab import Specialty

if TYPE_CHECKING:
    from mtb.boards.models import Board


def is_signed_in(user) -> bool:
    """An authenticated, active account: every permission question starts here (fails closed)."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


class Role(enum.StrEnum):
    """A role is held per board; a chair is a member who signs."""

    CLINICIAN = "clinician"
    SECRETARY = "secretary"
    MEMBER = "member"
    CHAIR = "chair"


ROLE_LABELS = {
    Role.CLINICIAN: _l("Clinician"),
    Role.SECRETARY: _l("Secretary"),
    Role.MEMBER: _l("Member"),
    Role.CHAIR: _l("Chair"),
}


#: ``User.auth_source`` values.
LOCAL, LDAP, OIDC = "local", "ldap", "oidc"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (sa.UniqueConstraint("auth_source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; the login name.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: Inactive accounts cannot log in; kept so their history stays attributed.
    active: Mapped[bool] = mapped_column(default=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: The specialty recorded when the person attends a meeting (quorum).
    specialty: Mapped[Specialty | None] = enum_column(Specialty, nullable=True)
    #: Bumped to end every session of the account at once (logout, password change or
    #: reset, disabling): a session carries the generation it was opened in.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    last_login_at: Mapped[datetime | None]
    #: The previous login: the home page shows decisions published since then.
    previous_login_at: Mapped[datetime | None]
    #: Secret in the private calendar feed URL; rotating it revokes old links.
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    #: Where the person signs in: "local" (a password kept here), "ldap" or "oidc" (the
    #: hospital's directory, which alone decides whether they still may).
    auth_source: Mapped[str] = mapped_column(sa.String(10), default=LOCAL, server_default=LOCAL)
    #: The directory's stable id of the person (entryUUID/objectGUID, or the OIDC "sub").
    external_id: Mapped[str | None] = mapped_column(sa.String(255))

    #: Loaded when first read (the signed-in user's, once per request): a page listing
    #: people (timeline, uploads, presenters) does not read each person's roles.
    roles: Mapped[list[BoardRole]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login asks this before logging in
        return self.active

    @property
    def from_directory(self) -> bool:
        return self.auth_source != LOCAL

    def roles_on(self, board_id: int) -> set[Role]:
        return {r.role for r in self.roles if r.board_id == board_id}

    def has_role(self, board_id: int, *roles: Role) -> bool:
        held = self.roles_on(board_id)
        return bool(held & set(roles)) if roles else bool(held)

    def is_chair(self, board_id: int) -> bool:
        """A chair of the board validates decisions and signs its minutes."""
        return self.is_active and self.has_role(board_id, Role.CHAIR)

    def is_secretary(self, board_id: int) -> bool:
        return self.is_active and self.has_role(board_id, Role.SECRETARY)

    def board_ids(self, *roles: Role) -> set[int]:
        """Boards where the user holds any of ``roles`` (any role if none given)."""
        return {r.board_id for r in self.roles if not roles or r.role in roles}

    def __repr__(self) -> str:
        return f"<User {self.email}>"


@dataclass(frozen=True)
class AccountState:
    """What the administrator's account page shows and changes of an account: compared
    field by field, so that a save applies only what the administrator changed there
    (``services.save_user_edit``)."""

    full_name: str
    #: A ``Specialty`` value, "" for none.
    specialty: str
    active: bool
    is_admin: bool
    #: (board id, role) pairs.
    roles: frozenset[tuple[int, Role]]

    @classmethod
    def of(cls, user: User) -> AccountState:
        return cls(user.full_name, user.specialty.value if user.specialty else "", user.active, user.is_admin,
                   frozenset((r.board_id, r.role) for r in user.roles))


class BoardRole(db.Model):
    __tablename__ = "board_roles"
    __table_args__ = (sa.UniqueConstraint("user_id", "board_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = enum_column(Role)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")
    board: Mapped[Board] = relationship(lazy="joined")


class LoginThrottle(db.Model):
    """Failed logins counted per bucket, shared by every worker (see ``accounts.throttle``)."""

    __tablename__ = "login_throttles"

    #: "account:<keyed hash of the e-mail>", "address:<client address>" or "device:<id>".
    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    #: Tries refused by the slow-down since the last failure or success (one burst).
    refused: Mapped[int] = mapped_column(default=0)


class DirectorySession(db.Model):
    """A session begun through the directory, re-checked there every few minutes
    (``accounts.external``); the signed session cookie carries only its random id."""

    __tablename__ = "directory_sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(sa.String(10))
    #: The directory's id of the person for this session (an account reached through both
    #: LDAP and OpenID Connect is known to each by its own id).
    external_id: Mapped[str] = mapped_column(sa.String(255))
    began_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: When the directory last confirmed the account may still sign in.
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: OpenID Connect: the refresh token that re-checks the account, the ID token offered
    #: back at sign-out (id_token_hint), and its expiry (the session's end without a refresh token).
    refresh_token: Mapped[str | None] = mapped_column(sa.Text)
    id_token: Mapped[str | None] = mapped_column(sa.Text)
    expires_at: Mapped[datetime | None]
