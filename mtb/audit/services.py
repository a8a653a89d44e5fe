"""Writing the audit trail. Every read and change of patient data calls record().

The trail page's reads are in ``queries``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from mtb.audit.models import AuditEvent
from mtb.db import utcnow
from mtb.extensions import db


def record(
    action: str,
    obj: Any = None,
    *,
    board_id: int | None = None,
    user=None,
    details: dict | None = None,
    kept: bool = False,
) -> None:
    """Add an audit event to the current transaction (it commits with the change).

    ``obj`` is any model with an ``id``; its class name becomes object_type and its
    ``board_id`` (if it has one) is recorded unless given. ``kept`` events (reads of
    patient data, security events) are written even when the request is refused and
    its changes rolled back (see ``mtb.transaction``).
    """
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    values = dict(
        at=utcnow(),
        action=action,
        user_id=getattr(user, "id", None),
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        board_id=board_id if board_id is not None else getattr(obj, "board_id", None),
        ip_address=request.remote_addr if has_request_context() else None,
        details=details,
    )
    _add(values)
    if kept and has_request_context():
        g.setdefault("kept_audit_events", []).append(values)


def _add(values: dict) -> None:
    if _written_at_commit():
        g.setdefault("deferred_audit_events", []).append(values)
    else:
        db.session.add(AuditEvent(**values))


def record_read(action: str, obj: Any = None, **kwargs) -> None:
    """Record that patient data was shown: kept even when the page refuses the request."""
    record(action, obj, kept=True, **kwargs)


def _written_at_commit() -> bool:
    """A page that only reads adds its audit rows as its request commits, not as it starts:
    on SQLite a transaction's first write takes the database's write lock until it ends,
    and a page that wrote its audit row first would hold every other worker's writes for
    the whole of its rendering (benchmarks/README.md)."""
    return has_request_context() and g.get("audit_at_commit", False)


def write_at_commit() -> None:
    """Called as a reading request starts (``mtb.transaction``): only a request whose end
    commits through ``transaction.end`` may defer its rows. A bare request context (the
    demo seed, a service test) has no such end: its rows go into the session at once."""
    g.audit_at_commit = request.method in ("GET", "HEAD")


def has_deferred_events() -> bool:
    """A reading page recorded what it showed, to be written as its request commits."""
    return has_request_context() and bool(g.get("deferred_audit_events"))


def write_deferred_events() -> None:
    """Write the audit rows a reading page recorded, in one statement (called as its
    request commits)."""
    rows = g.pop("deferred_audit_events", []) if has_request_context() else []
    if rows:
        db.session.execute(sa.insert(AuditEvent), rows)


def restore_kept_events() -> None:
    """After a rollback, add the request's kept events again (they commit with the request);
    the other events it recorded went with the rollback."""
    if has_request_context():
        g.pop("deferred_audit_events", None)
        for values in g.get("kept_audit_events", []):
            _add(values)  # a reading page defers them again: no write lock while it renders


@event.listens_for(Session, "after_commit")
def _forget_committed_kept_events(session: Session) -> None:
    """Kept events the request's session has committed stand whatever the page then answers
    (a sign-in commits its counts and events itself, then answers 429): a rollback after
    them must not add them again. A reading page's deferred events are not written yet:
    they stay kept."""
    if has_request_context() and session is db.session() and g.get("kept_audit_events"):
        unwritten = {id(values) for values in g.get("deferred_audit_events", [])}
        g.kept_audit_events = [values for values in g.kept_audit_events if id(values) in unwritten]
