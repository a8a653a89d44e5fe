"""argon2id password hashing (argon2-cffi), with the cost taken from the config."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=int(cfg["ARGON2_TIME_COST"]),
        memory_cost=int(cfg["ARGON2_MEMORY_COST"]),
        parallelism=int(cfg["ARGON2_PARALLELISM"]),
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


#: Compared against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH: dict[str, str] = {}


def dummy_verify(password: str) -> None:
    key = f"{current_app.config['ARGON2_TIME_COST']}:{current_app.config['ARGON2_MEMORY_COST']}"
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hash_password("not-a-real-password")
    verify_password(_DUMMY_HASH[key], password)
