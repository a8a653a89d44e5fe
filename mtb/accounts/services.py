"""Accounts: create users, change passwords, grant roles. Signing in is in ``login``."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from mtb.accounts import sessions, throttle
from mtb.accounts.models import AccountState, BoardRole, Role, User
from mtb.accounts.passwords import hash_password, verify_password
from mtb.audit import services as audit
from mtb.boards.models import Board
from mtb.errors import ConflictError, InvalidInput
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.transaction import lock_row
from mtb.vocab import Specialty

MIN_PASSWORD_LENGTH = 12


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(field, _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise InvalidInput("current_password", _("This is not your current password."))
    check_password_strength(new, "new_password")
    user.password_hash = hash_password(new)
    sessions.end_all(user)  # the caller's own session begins again in the view
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
    if "active" in changed and not active:
        sessions.end_all(user)
    for key, value in values.items():
        setattr(user, key, value)
    if changed:
        audit.record("user.update", user, details=changed)
    db.session.flush()


def set_password(user: User, password: str) -> None:
    """An administrator resets a password (also lifts a login slow-down). Raises
    InvalidInput for a directory account: the directory checks its password
    (``external.local_password_allowed``)."""
    if user.from_directory:
        raise InvalidInput("password", _("This account signs in through the hospital's directory, which checks its "
                                         "password: MTB keeps none for it."))
    check_password_strength(password)
    user.password_hash = hash_password(password)
    sessions.end_all(user)
    throttle.clear_account(user.email)
    audit.record("user.password_reset", user)
    db.session.flush()


def grant_role(user: User, board: Board, role: Role, *, by: User | None = None,
               source: dict | None = None) -> BoardRole:
    """``by``: who grants it (the signed-in user when None); ``source``: what else the audit
    trail should say of where it came from (the directory's role map)."""
    existing = next((r for r in user.roles if r.board_id == board.id and r.role == role), None)
    if existing:
        return existing
    grant = BoardRole(user=user, board=board, role=role)
    db.session.add(grant)
    db.session.flush()
    audit.record("role.grant", user, board_id=board.id, user=by, details={"role": role.value, **(source or {})})
    return grant


def revoke_role(user: User, board: Board, role: Role, *, by: User | None = None, source: dict | None = None) -> None:
    """As ``grant_role``."""
    for grant in list(user.roles):
        if grant.board_id == board.id and grant.role == role:
            user.roles.remove(grant)
            audit.record("role.revoke", user, board_id=board.id, user=by,
                         details={"role": role.value, **(source or {})})
    db.session.flush()


def set_roles(user: User, wanted: set[tuple[int, Role]], *,
              fixed: frozenset[tuple[int, Role]] | set[tuple[int, Role]] = frozenset()) -> None:
    """Make the user's board roles exactly ``wanted`` (pairs of board id and role), but for
    the pairs in ``fixed``, held or not as stored: the roles a directory's groups give at
    each sign-in (``external.directory_roles``), which only the directory changes."""
    boards = {b.id: b for b in db.session.scalars(sa.select(Board))}
    held = {(r.board_id, r.role) for r in user.roles}
    for board_id, role in wanted - held - set(fixed):
        grant_role(user, boards[board_id], role)
    for board_id, role in held - wanted - set(fixed):
        revoke_role(user, boards[board_id], role)


class AccountClash(ConflictError):
    """Someone else changed ``fields`` of the account, differently, while an administrator
    changed them too. ``merged``: the account as it is now with this administrator's
    changes (theirs where both changed a field), for the page shown again; ``current``:
    the account as it is now."""

    def __init__(self, fields: tuple[str, ...], merged: AccountState, current: AccountState):
        super().__init__(", ".join(fields))
        self.fields, self.merged, self.current = fields, merged, current


def merge_account_edit(current: AccountState, shown: AccountState,
                       typed: AccountState) -> tuple[AccountState, tuple[str, ...]]:
    """``current`` with what the administrator changed on a page that showed ``shown``
    (``typed`` where it differs from ``shown``): what someone else saved meanwhile stays.
    Also returns the fields both changed to different values: only a name or a specialty
    can (a yes/no field or a role changed by both was changed the same way)."""
    values, clashes = {}, []
    for name in ("full_name", "specialty", "active", "is_admin"):
        was, now, wants = getattr(shown, name), getattr(current, name), getattr(typed, name)
        values[name] = now if wants == was else wants
        if wants != was and now not in (was, wants):
            clashes.append(name)
    roles = (current.roles - (shown.roles - typed.roles)) | (typed.roles - shown.roles)
    return AccountState(roles=frozenset(roles), **values), tuple(clashes)


def save_user_edit(user: User, shown: AccountState | None, typed: AccountState, *, by: User,
                   fixed: frozenset[tuple[int, Role]] | set[tuple[int, Role]] = frozenset()) -> bool:
    """Save an administrator's account page: only what they changed from ``shown``, what
    the page showed when they opened it (None: a form without it, ``typed`` is the whole
    new state). ``fixed``: as for ``set_roles``. Returns whether someone else had changed
    the account meanwhile (their changes are kept).

    Raises AccountClash when someone else changed a field the administrator changed too,
    InvalidInput when administrators would remove their own access.
    """
    # Two administrators saving at once: the second waits, then merges onto the first's save.
    lock_row(User, user)
    db.session.refresh(user)
    current = AccountState.of(user)
    shown = shown or current
    wanted, clashes = merge_account_edit(current, shown, typed)
    if clashes:
        raise AccountClash(clashes, wanted, current)
    if user.id == by.id and not (wanted.is_admin and wanted.active):
        raise InvalidInput("is_admin", _("You cannot remove your own administrator access or disable yourself."))
    update_user(user, full_name=wanted.full_name, active=wanted.active, is_admin=wanted.is_admin,
                specialty=wanted.specialty or None)
    set_roles(user, set(wanted.roles), fixed=fixed)
    return shown != current


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
