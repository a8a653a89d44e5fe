"""Accounts: log in with per-account slow-down, create users, grant roles."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from mtb.accounts.models import BoardRole, Role, User
from mtb.accounts.passwords import dummy_verify, hash_password, needs_rehash, verify_password
from mtb.audit import services as audit
from mtb.boards.models import Board
from mtb.db import utcnow
from mtb.errors import InvalidInput
from mtb.extensions import db
from mtb.vocab import Specialty

MIN_PASSWORD_LENGTH = 12


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None
    #: Seconds to wait before the next try, when throttled.
    retry_after: int = 0


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def login_delay(user: User, now: datetime | None = None) -> int:
    """Seconds the account must still wait before a password is checked again.

    The first LOGIN_FREE_ATTEMPTS failures cost nothing; each one after doubles the
    wait (1 s, 2 s, 4 s ...) up to LOGIN_MAX_DELAY_SECONDS.
    """
    cfg = current_app.config
    extra = user.failed_logins - int(cfg["LOGIN_FREE_ATTEMPTS"]) + 1
    if extra <= 0 or user.last_failed_login_at is None:
        return 0
    wait = min(2 ** (extra - 1), int(cfg["LOGIN_MAX_DELAY_SECONDS"]))
    ready_at = user.last_failed_login_at + timedelta(seconds=wait)
    remaining = (ready_at - (now or utcnow())).total_seconds()
    return max(0, int(remaining + 0.999))


def authenticate(email: str, password: str) -> LoginResult:
    """Check a login. Failures are counted per account and audited (kept even when the
    page answers 429).

    The attempt is counted as a failure, and committed, before the password is checked,
    so a burst of parallel tries cannot each check a password against the same count:
    only the request that moves the counter on checks one. Success resets the counter.
    """
    generic = _("Wrong e-mail or password.")
    user = get_user_by_email(email)
    if user is None:
        dummy_verify(password)
        audit.record("login.failed", details={"email": normalise_email(email)[:254]}, kept=True)
        return LoginResult(None, generic)
    wait = login_delay(user)
    if wait:
        audit.record("login.throttled", user, user=user, kept=True)
        return LoginResult(None, ngettext(
            "Too many failed attempts for this account. Try again in %(num)d second.",
            "Too many failed attempts for this account. Try again in %(num)d seconds.", wait), wait)
    if not _claim_attempt(user):
        audit.record("login.throttled", user, user=user, kept=True)
        return LoginResult(None, _("Another login to this account is being checked. Try again in a moment."), 1)
    if not verify_password(user.password_hash, password):
        audit.record("login.failed", user, user=user, kept=True)
        return LoginResult(None, generic)
    if not user.active:
        audit.record("login.inactive", user, user=user, kept=True)
        return LoginResult(None, _("This account is disabled. Ask an administrator."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.last_failed_login_at = None
    user.previous_login_at = user.last_login_at
    user.last_login_at = utcnow()
    audit.record("login.success", user, user=user)
    return LoginResult(user)


def _claim_attempt(user: User) -> bool:
    """Count this attempt as failed unless another request already moved the counter
    (compare-and-set), and commit at once so parallel requests see it."""
    seen = user.failed_logins
    claimed = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, User.failed_logins == seen)
        .values(failed_logins=seen + 1, last_failed_login_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    db.session.refresh(user)
    return claimed == 1


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(field, _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise InvalidInput("current_password", _("This is not your current password."))
    check_password_strength(new, "new_password")
    user.password_hash = hash_password(new)
    audit.record("account.password_changed", user, user=user)
    db.session.flush()


def create_user(
    email: str,
    full_name: str,
    password: str,
    *,
    is_admin: bool = False,
    specialty: Specialty | str | None = None,
    check_strength: bool = True,
) -> User:
    email = normalise_email(email)
    if not email or "@" not in email:
        raise InvalidInput("email", _("Enter an e-mail address."))
    if get_user_by_email(email) is not None:
        raise InvalidInput("email", _("An account with this e-mail already exists."))
    if check_strength:
        check_password_strength(password)
    user = User(
        email=email,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        is_admin=is_admin,
        specialty=Specialty(specialty) if specialty else None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user)
    return user


def update_user(user: User, *, full_name: str, active: bool, is_admin: bool, specialty: str | None) -> None:
    values = {"full_name": full_name.strip(), "active": active, "is_admin": is_admin,
              "specialty": Specialty(specialty) if specialty else None}
    changed = {key: str(value) for key, value in values.items() if getattr(user, key) != value}
    for key, value in values.items():
        setattr(user, key, value)
    if changed:
        audit.record("user.update", user, details=changed)
    db.session.flush()


def set_password(user: User, password: str) -> None:
    """An administrator resets a password (also lifts a login slow-down)."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.last_failed_login_at = None
    audit.record("user.password_reset", user)
    db.session.flush()


def grant_role(user: User, board: Board, role: Role) -> BoardRole:
    existing = next((r for r in user.roles if r.board_id == board.id and r.role == role), None)
    if existing:
        return existing
    grant = BoardRole(user=user, board=board, role=role)
    db.session.add(grant)
    db.session.flush()
    audit.record("role.grant", user, board_id=board.id, details={"role": role.value})
    return grant


def revoke_role(user: User, board: Board, role: Role) -> None:
    for grant in list(user.roles):
        if grant.board_id == board.id and grant.role == role:
            user.roles.remove(grant)
            audit.record("role.revoke", user, board_id=board.id, details={"role": role.value})
    db.session.flush()


def set_roles(user: User, wanted: set[tuple[int, Role]]) -> None:
    """Make the user's board roles exactly ``wanted`` (pairs of board id and role)."""
    boards = {b.id: b for b in db.session.scalars(sa.select(Board))}
    held = {(r.board_id, r.role) for r in user.roles}
    for board_id, role in wanted - held:
        grant_role(user, boards[board_id], role)
    for board_id, role in held - wanted:
        revoke_role(user, boards[board_id], role)


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.flush()


def list_users():
    return db.session.scalars(sa.select(User).order_by(User.full_name)).all()


def calendar_token(user: User, rotate: bool = False) -> str:
    """The user's private calendar-feed secret; rotating it revokes the old URL."""
    if rotate or not user.calendar_token:
        user.calendar_token = secrets.token_urlsafe(32)
        audit.record("calendar.token_rotated", user, user=user)
        db.session.flush()
    return user.calendar_token
