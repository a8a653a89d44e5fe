"""Sessions begun through the directory end when the directory says so.

At most every DIRECTORY_RECHECK_MINUTES a request of such a session asks the directory
again whether the account may still sign in: LDAP looks it up with the service account
(disabled, removed from the group, deleted?); OpenID Connect makes a refresh-token grant,
which the provider refuses for an account it disabled. A refusal of the person ends every
session of the account at that request; a refresh token the provider no longer accepts
ends only the session it belongs to (the person signs in again there, and the others
find out at their own re-check). When the directory cannot be reached the session
carries on (sign-in itself needs the directory) and it is asked again after the same
interval. One request of a session asks at a time (``_claim``).

The signed cookie carries the session's random id and when it was last checked, so the
other requests cost nothing; the provider's tokens stay in the database row.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, session

from mtb.accounts import directory, oidc, sessions
from mtb.accounts.external import Identity
from mtb.accounts.models import LDAP, OIDC, DirectorySession, User
from mtb.audit import services as audit
from mtb.db import utcnow
from mtb.extensions import db
from mtb.i18n import gettext as _

log = logging.getLogger(__name__)

SESSION_KEY = "directory"


def begin(user: User, identity: Identity, tokens: dict | None = None) -> DirectorySession:
    """Record a session the directory just opened (after ``sessions.begin``)."""
    now = utcnow()
    oldest = now - timedelta(hours=float(current_app.config["SESSION_MAX_HOURS"]))
    db.session.execute(sa.delete(DirectorySession).where(DirectorySession.began_at < oldest))
    row = DirectorySession(id=secrets.token_urlsafe(32), user_id=user.id, source=identity.source,
                           external_id=identity.external_id, began_at=now, checked_at=now, **(tokens or {}))
    db.session.add(row)
    db.session.flush()
    session[SESSION_KEY] = {"id": row.id, "checked": now.timestamp()}
    return row


def end() -> DirectorySession | None:
    """Forget this browser's directory session (signing out); returns it for its ID token."""
    info = session.pop(SESSION_KEY, None)
    row = db.session.get(DirectorySession, str(info.get("id"))) if isinstance(info, dict) else None
    if row is not None:
        db.session.delete(row)
        db.session.flush()
    return row


def recheck(user: User, now: datetime | None = None) -> str | None:
    """Why this directory session is over, or None (then it carries on)."""
    info = session.get(SESSION_KEY)
    if not isinstance(info, dict):
        return None  # signed in with a local password
    now = now or utcnow()
    every = float(current_app.config["DIRECTORY_RECHECK_MINUTES"]) * 60
    if now.timestamp() - float(info.get("checked") or 0) < every:
        return None
    row = db.session.get(DirectorySession, str(info.get("id")))
    if row is None or row.user_id != user.id:
        return _("Your hospital sign-in has ended. Please sign in again.")
    db.session.refresh(row)
    checked = row.checked_at
    if (now - checked).total_seconds() >= every:
        if _claim(row, now):
            verdict = _ask(user, row, now)
            # What the directory answered stands whatever the page then answers (a 404 would
            # roll it back): the provider has already replaced a used refresh token, and
            # sessions it ended must stay ended.
            db.session.commit()
            if verdict is not None:
                return verdict
            checked = now
        else:  # another request of this session asks, or has asked: its answer stands
            checked = db.session.scalar(sa.select(DirectorySession.checked_at).where(DirectorySession.id == row.id))
            if checked is None:
                return _("Your hospital sign-in has ended. Please sign in again.")
    session[SESSION_KEY] = {**info, "checked": checked.timestamp()}
    return None


def _claim(row: DirectorySession, now: datetime) -> bool:
    """Take this session's re-check, or False when another request of the session took it
    since ``row`` was read. Committed at once: an OpenID Connect refresh token is spent by
    the first request that uses it (the provider then refuses it to the second), and a
    lock held while the provider answers would stop every other writer on SQLite."""
    taken = db.session.execute(
        sa.update(DirectorySession).where(DirectorySession.id == row.id, DirectorySession.checked_at == row.checked_at)
        .values(checked_at=now).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return taken == 1


def _ask(user: User, row: DirectorySession, now: datetime) -> str | None:
    if row.source == OIDC and not row.refresh_token:
        # The provider gave no refresh token: the session lasts as long as the ID token.
        if row.expires_at is not None and now >= row.expires_at:
            db.session.delete(row)
            return _("Your hospital sign-in has expired. Please sign in again.")
        row.checked_at = now
        return None
    sent = row.refresh_token
    outcome, reason = _directory_verdict(user, row)
    if outcome == "expired" and _refreshed_meanwhile(row, sent):
        outcome = "ok"  # another request of this session spent the token first, and kept the new one
    if outcome == "ok" or outcome == "unavailable":
        if outcome == "unavailable":
            log.warning("directory re-check of user %s postponed: the directory is unavailable", user.id)
        row.checked_at = now
        db.session.flush()
        return None
    if outcome == "expired":
        db.session.delete(row)
        audit.record("session.directory_expired", user, user=user, details={"via": row.source, "reason": reason},
                     kept=True)
        return _("Your hospital sign-in on this browser has expired. Please sign in again.")
    sessions.end_all(user)
    db.session.delete(row)
    audit.record("session.directory_ended", user, user=user, details={"via": row.source, "reason": reason}, kept=True)
    return _("Your hospital account may no longer sign in to MTB, so you were signed out.")


def _refreshed_meanwhile(row: DirectorySession, sent: str | None) -> bool:
    """The session's stored refresh token is no longer the one this request sent."""
    stored = db.session.scalar(sa.select(DirectorySession.refresh_token).where(DirectorySession.id == row.id))
    if stored is not None and stored != sent:
        row.refresh_token = stored
        return True
    return False


def _directory_verdict(user: User, row: DirectorySession) -> tuple[str, str]:
    """("ok" | "unavailable" | "expired" | "refused", why): "expired" ends this session only."""
    if row.source == LDAP:
        if not directory.enabled():
            return "refused", "LDAP sign-in turned off"
        if not directory.can_recheck():
            return "ok", ""  # without a service account nobody may look the account up
        result = directory.lookup(row.external_id)
        if result.outcome == directory.Outcome.OK:
            return "ok", ""
        if result.outcome == directory.Outcome.UNAVAILABLE:
            return "unavailable", ""
        return "refused", result.outcome.value
    if row.source == OIDC:
        if not oidc.enabled():
            return "refused", "OpenID Connect sign-in turned off"
        result = oidc.refresh(row.refresh_token or "", row.external_id)
        if result.outcome == oidc.Outcome.OK:
            row.refresh_token = result.tokens["refresh_token"]
            row.id_token = result.tokens["id_token"] or row.id_token
            row.expires_at = result.tokens["expires_at"] or row.expires_at
            return "ok", ""
        if result.outcome == oidc.Outcome.UNAVAILABLE:
            return "unavailable", ""
        if result.outcome == oidc.Outcome.EXPIRED:
            return "expired", result.reason
        return "refused", result.reason
    return "refused", f"unknown source {row.source!r}"
