"""Signing in with a password: kept here (local accounts) or checked by the hospital's
LDAP / Active Directory, behind the slow-down of ``throttle``."""

from __future__ import annotations

from dataclasses import dataclass

from mtb.accounts import directory, external, throttle
from mtb.accounts.external import Identity
from mtb.accounts.models import LDAP, User
from mtb.accounts.passwords import dummy_verify, hash_password, needs_rehash, verify_password
from mtb.accounts.services import get_user_by_email, normalise_email
from mtb.audit import services as audit
from mtb.db import utcnow
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.i18n import ngettext


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None
    #: Seconds to wait before the next try, when slowed down.
    retry_after: int = 0
    #: The device cookie to set (a successful sign-in trusts this browser for the account).
    device_cookie: str | None = None
    #: Who the directory says the person is, when it let them in (their session is then re-checked there).
    identity: Identity | None = None


def authenticate(email: str, password: str, *, device_cookie: str | None = None,
                 address: str | None = None) -> LoginResult:
    """Check a login, counting failures (see ``throttle``); committed here, whatever the
    page then answers, because the counts must hold across workers at once.

    Known and unknown e-mails get the same answers after the same work (a password hash
    is checked either way), so the page does not tell who has an account.
    """
    email = normalise_email(email)
    if directory.enabled():
        email = directory.login_name(email)  # "HOSPITAL\jdoe" counts as jdoe
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
    local = user is not None and external.local_password_allowed(user)
    if local:
        ok = verify_password(user.password_hash, password)
    else:
        dummy_verify(password)  # the same work whether or not the account exists
        ok = False
    if not ok and directory.enabled():
        return _with_directory(email, password, gate, account, devices, user)
    if not ok:
        throttle.failed(gate)
        _audit("login.failed", user, account)
        db.session.commit()
        return LoginResult(None, _wrong())
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


def _with_directory(login: str, password: str, gate, account: str, devices, local_user: User | None) -> LoginResult:
    """The directory checks the password (the local one did not match or may not be used).

    The try is counted as failed, and committed, before the directory is asked: a write
    transaction held while it answers (up to LDAP_TIMEOUT_SECONDS) would stop every other
    writer on SQLite, and counted first, simultaneous tries still see each other's count.
    A right password clears the count, an unreachable directory takes the try back."""
    throttle.failed(gate)
    db.session.commit()
    result = directory.authenticate(login, password)
    if local_user is None and result.external_id:
        local_user = external.find_user(LDAP, result.external_id)  # a login name, not an e-mail
    if result.outcome == directory.Outcome.WRONG:
        _audit("login.failed", local_user, account, via=LDAP)
        db.session.commit()
        return LoginResult(None, _wrong())
    if result.outcome == directory.Outcome.UNAVAILABLE:
        throttle.not_failed(gate)
        _audit("login.directory_unavailable", local_user, account, via=LDAP)
        db.session.commit()
        return LoginResult(None, _("The hospital directory cannot be reached. Try again in a few minutes."))
    # The password was right, whatever follows: the try counted beforehand is taken back
    # everywhere (the address's count too, which a success does not clear), then cleared.
    throttle.not_failed(gate)
    throttle.succeeded(gate, account)
    if result.outcome != directory.Outcome.OK:
        _audit("login.directory_refused", local_user, account, via=LDAP, reason=result.outcome.value)
        db.session.commit()
        return LoginResult(None, refused_message())
    signed_in = external.sign_in(result.identity)
    cookie = None
    if signed_in.user is not None:
        cookie, _device = throttle.device_cookie_for(devices, account)
    db.session.commit()
    return LoginResult(signed_in.user, signed_in.error, device_cookie=cookie, identity=result.identity)


def _wrong() -> str:
    if directory.enabled():
        return _("Wrong username or password.")
    return _("Wrong e-mail or password.")


def refused_message() -> str:
    return _("Your hospital account may not sign in to MTB. Ask an administrator.")


def _audit(action: str, user: User | None, account: str, **details) -> None:
    """Security events are kept even when the page answers 429. An unknown login name is
    recorded as its keyed hash, never as typed (people type passwords into it)."""
    if user is None:
        audit.record(action, details={"login": account, **details}, kept=True)
    else:
        audit.record(action, user, user=user, details=details or None, kept=True)
