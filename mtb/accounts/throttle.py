"""Slowing down password guessing without letting strangers lock anyone out.

Failures are counted in buckets stored in the database (so every worker and instance
sees them): one per account, keyed by a keyed hash of the e-mail typed (known or not,
so the answers do not tell which accounts exist), one per client address, and one per
trusted device. After LOGIN_FREE_ATTEMPTS failures each further try waits twice as long
as the last, up to LOGIN_MAX_DELAY_SECONDS.

A browser that signed in to an account before carries a signed *device cookie* for it
(OWASP's "device cookies"). Its tries count only in that device's bucket: strangers'
failures on the same account or from the same hospital address never slow it down.

The account's (or device's) bucket row is locked while its password is checked, so a
burst of simultaneous tries is checked one by one against the stored count, and
simultaneous correct logins all get in. A password the directory checks is counted as a
failure first and the lock let go before the directory is asked (``not_failed`` takes
the try back when it cannot answer): the count still holds every try in flight.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from mtb.accounts.models import LoginThrottle
from mtb.db import utcnow
from mtb.extensions import db

DEVICE_COOKIE = "mtb_device"
#: Accounts remembered by one browser's device cookie (a shared ward computer).
DEVICE_COOKIE_ACCOUNTS = 10


def account_key(login: str) -> str:
    """A keyed hash of the login name: the same for every worker, useless without the key.
    Spellings a directory takes for the same name share it (NFKC, then casefolded: "ｂdurand"
    and "BDurand" are bdurand to LDAP and Active Directory), or each would be a fresh account
    to guess against."""
    name = unicodedata.normalize("NFKC", login or "").strip().casefold()
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"login:{name}".encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


# --- Device cookies -------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="mtb-device-cookie")


def read_devices(cookie: str | None) -> dict[str, str]:
    """{account key: device id} from the browser's device cookie; {} when absent or forged."""
    if not cookie:
        return {}
    try:
        pairs = _serializer().loads(cookie)
    except BadSignature:
        return {}
    if not isinstance(pairs, list):
        return {}
    return {str(a): str(d) for a, d in pairs[:DEVICE_COOKIE_ACCOUNTS] if isinstance(a, str) and isinstance(d, str)}


def device_cookie_for(devices: dict[str, str], account: str) -> tuple[str, str]:
    """(new cookie value, device id) trusting this browser for ``account``; the account
    moves to the front, the oldest fall off past DEVICE_COOKIE_ACCOUNTS."""
    device_id = devices.get(account) or secrets.token_urlsafe(16)
    pairs = [(account, device_id)] + [(a, d) for a, d in devices.items() if a != account]
    return _serializer().dumps(pairs[:DEVICE_COOKIE_ACCOUNTS]), device_id


# --- Buckets ---------------------------------------------------------------------

def _delay(failures: int, last_failure_at: datetime | None, now: datetime, free: int) -> int:
    """Seconds still to wait: nothing for the first ``free`` failures, then 1 s, 2 s, 4 s..."""
    extra = failures - free + 1
    if extra <= 0 or last_failure_at is None:
        return 0
    wait = min(2 ** (extra - 1), int(current_app.config["LOGIN_MAX_DELAY_SECONDS"]))
    remaining = (last_failure_at + timedelta(seconds=wait) - now).total_seconds()
    return max(0, int(remaining + 0.999))


def _ensure(keys: list[str]) -> None:
    table = LoginThrottle.__table__
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(table).values([{"key": k, "failures": 0, "refused": 0} for k in keys])
                       .on_conflict_do_nothing())


@dataclass
class Gate:
    """The buckets one login try is counted in, and how long it must still wait."""

    lock_key: str
    other_keys: tuple[str, ...]
    wait: int
    refused_before: int


def open_gate(account: str, device_id: str | None, address: str | None, now: datetime | None = None) -> Gate:
    """Lock the try's own bucket (until the transaction ends) and tell how long it must wait."""
    now = now or utcnow()
    cfg = current_app.config
    if device_id:
        lock_key, others = f"device:{device_id}", ()
    else:
        lock_key, others = f"account:{account}", ((f"address:{address}",) if address else ())
    _ensure([lock_key, *others])
    rows = {row.key: row for row in db.session.scalars(
        sa.select(LoginThrottle).where(LoginThrottle.key.in_([lock_key, *others]))
        .order_by(LoginThrottle.key).with_for_update()
        .execution_options(populate_existing=True)
    )}
    own = rows[lock_key]
    wait = _delay(own.failures, own.last_failure_at, now, int(cfg["LOGIN_FREE_ATTEMPTS"]))
    for key in others:
        row = rows[key]
        wait = max(wait, _delay(row.failures, row.last_failure_at, now, int(cfg["LOGIN_ADDRESS_FREE_ATTEMPTS"])))
    return Gate(lock_key, others, wait, own.refused)


def refused(gate: Gate) -> int:
    """Count a try refused by the slow-down; returns the count of this burst."""
    db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.key == gate.lock_key)
                       .values(refused=LoginThrottle.refused + 1))
    return gate.refused_before + 1


def failed(gate: Gate, now: datetime | None = None) -> None:
    now = now or utcnow()
    db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.key.in_([gate.lock_key, *gate.other_keys]))
                       .values(failures=LoginThrottle.failures + 1, last_failure_at=now, refused=0))


def not_failed(gate: Gate) -> None:
    """Take back a try counted as failed before its answer came (``failed``), when no answer came."""
    db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.key.in_([gate.lock_key, *gate.other_keys]))
                       .values(failures=sa.case((LoginThrottle.failures > 0, LoginThrottle.failures - 1), else_=0)))


def succeeded(gate: Gate, account: str) -> None:
    """A correct password clears the account's and this device's count (not the address's:
    one person's success says nothing of the others behind it)."""
    keys = {gate.lock_key, f"account:{account}"}
    db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.key.in_(keys))
                       .values(failures=0, last_failure_at=None, refused=0))


def clear_account(email: str) -> None:
    """An administrator's password reset lifts the account's slow-down."""
    db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.key == f"account:{account_key(email)}")
                       .values(failures=0, last_failure_at=None, refused=0))


def worth_auditing(count: int) -> bool:
    """A burst of refused tries is audited at its 1st, 2nd, 4th, 8th... try, with the count:
    a record of every burst, in a bounded number of rows."""
    return count & (count - 1) == 0
