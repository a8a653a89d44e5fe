"""Signing in: the password check behind the slow-down of ``throttle``."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from mtb.accounts import throttle
from mtb.accounts.models import User
from mtb.accounts.passwords import dummy_verify, hash_password, needs_rehash, verify_password
from mtb.accounts.services import get_user_by_email, normalise_email
from mtb.audit import services as audit
from mtb.db import utcnow
from mtb.extensions import db


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None
    #: Seconds to wait before the next try, when slowed down.
    retry_after: int = 0
    #: The device cookie to set (a successful sign-in trusts this browser for the account).
    device_cookie: str | None = None


def authenticate(email: str, password: str, *, device_cookie: str | None = None,
                 address: str | None = None) -> LoginResult:
    """Check a login, counting failures (see ``throttle``); committed here, whatever the
    page then answers, because the counts must hold across workers at once.

    Known and unknown e-mails get the same answers after the same work (a password hash
    is checked either way), so the page does not tell who has an account.
    """
    email = normalise_email(email)
    account = throttle.account_key(email)
    devices = throttle.read_devices(device_cookie)
    gate = throttle.open_gate(account, devices.get(account), address)
    user = get_user_by_email(email)
    if gate.wait:
        count = throttle.refused(gate)
        if throttle.worth_auditing(count):
            _audit("login.throttled", user, account, count=count)
        db.session.commit()
        return LoginResult(None, ngettext(
            "Too many failed attempts for this account. Try again in %(num)d second.",
            "Too many failed attempts for this account. Try again in %(num)d seconds.", gate.wait), gate.wait)
    if user is None:
        dummy_verify(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    if not ok:
        throttle.failed(gate)
        _audit("login.failed", user, account)
        db.session.commit()
        return LoginResult(None, _("Wrong e-mail or password."))
    throttle.succeeded(gate, account)
    if not user.active:
        _audit("login.inactive", user, account)
        db.session.commit()
        return LoginResult(None, _("This account is disabled. Ask an administrator."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.previous_login_at = user.last_login_at
    user.last_login_at = utcnow()
    audit.record("login.success", user, user=user)
    cookie, _device = throttle.device_cookie_for(devices, account)
    db.session.commit()
    return LoginResult(user, device_cookie=cookie)


def _audit(action: str, user: User | None, account: str, **details) -> None:
    """Security events are kept even when the page answers 429. An unknown login name is
    recorded as its keyed hash, never as typed (people type passwords into it)."""
    if user is None:
        audit.record(action, details={"login": account, **details}, kept=True)
    else:
        audit.record(action, user, user=user, details=details or None, kept=True)
