"""Sessions that really end (OWASP ASVS 3.3).

The signed session cookie carries the account's session generation, when the session
began and when it was last used. A request is refused, and the person told why, when
the account's generation has moved on (logout, password change or reset, disabling),
after SESSION_IDLE_MINUTES without a request, or SESSION_MAX_HOURS after sign-in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, session

from mtb.accounts.models import User
from mtb.db import utcnow
from mtb.i18n import gettext as _

#: Refresh "last used" at most this often: the cookie is not rewritten on every request.
TOUCH_EVERY = timedelta(seconds=60)


def _stamp(moment: datetime) -> float:
    return moment.timestamp()


def begin(user: User, now: datetime | None = None) -> None:
    """Stamp a freshly signed-in session."""
    now = now or utcnow()
    session["generation"] = user.session_generation
    session["began"] = _stamp(now)
    session["seen"] = _stamp(now)


def end_all(user: User) -> None:
    """End every open session of the account (the caller's too, unless it begins again)."""
    user.session_generation = (user.session_generation or 0) + 1


def ended_reason(user: User, now: datetime | None = None) -> str | None:
    """Why this request's session is over, or None while it is valid (then it is touched)."""
    now = now or utcnow()
    cfg = current_app.config
    began, seen = session.get("began"), session.get("seen")
    if session.get("generation") != user.session_generation or began is None or seen is None:
        return _("You were signed out because your account's sessions were ended "
                 "(a sign-out, a password change or an administrator's reset). Please sign in again.")
    if now.timestamp() - float(began) > float(cfg["SESSION_MAX_HOURS"]) * 3600:
        return _("You were signed out: a session lasts at most %(hours)s hours. Please sign in again.",
                 hours=cfg["SESSION_MAX_HOURS"])
    if now.timestamp() - float(seen) > float(cfg["SESSION_IDLE_MINUTES"]) * 60:
        return _("You were signed out after %(minutes)s minutes without activity. Please sign in again.",
                 minutes=cfg["SESSION_IDLE_MINUTES"])
    if now.timestamp() - float(seen) > TOUCH_EVERY.total_seconds():
        session["seen"] = _stamp(now)
    return None
