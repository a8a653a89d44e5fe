"""Writing the audit trail. Every read and change of patient data calls record()."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_login import current_user

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
) -> AuditEvent:
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
    event = AuditEvent(**values)
    db.session.add(event)
    if kept and has_request_context():
        g.setdefault("kept_audit_events", []).append(values)
    return event


def record_read(action: str, obj: Any = None, **kwargs) -> AuditEvent:
    """Record that patient data was shown: kept even when the page refuses the request."""
    return record(action, obj, kept=True, **kwargs)


def restore_kept_events() -> None:
    """After a rollback, add the request's kept events again (they commit with the request)."""
    if has_request_context():
        for values in g.get("kept_audit_events", []):
            db.session.add(AuditEvent(**values))


def recent_events(page: int, per_page: int, action: str | None = None, who: str | None = None,
                  text: str | None = None):
    """One page of the trail, newest first. ``who`` matches a name or e-mail; ``text`` a
    case reference or any word in the details."""
    from mtb.accounts.models import User

    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action.like(f"{_escape_like(action)}%", escape="\\"))
    if who:
        pattern = f"%{_escape_like(who.lower())}%"
        query = query.where(AuditEvent.user_id.in_(sa.select(User.id).where(sa.or_(
            sa.func.lower(User.email).like(pattern, escape="\\"),
            sa.func.lower(User.full_name).like(pattern, escape="\\")))))
    if text:
        query = query.where(_mentions(text))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def _mentions(text: str):
    """Events on the case with this reference, or whose details contain the text."""
    from mtb.cases.models import Case

    case_ids = sa.select(Case.id).where(Case.reference == text.strip().upper())
    return sa.or_(
        sa.and_(AuditEvent.object_type == "Case", AuditEvent.object_id.in_(case_ids)),
        sa.cast(AuditEvent.details, sa.Text).like(f"%{_escape_like(text.strip())}%", escape="\\"),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def object_labels(events) -> dict[tuple[str, int], str]:
    """Readable names for the objects of a page of events (case references, e-mails),
    in one query per kind of object."""
    from mtb.accounts.models import User
    from mtb.cases.models import Case

    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.object_type and event.object_id:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    labels: dict[tuple[str, int], str] = {}
    if wanted.get("Case"):
        for id_, reference in db.session.execute(sa.select(Case.id, Case.reference).where(Case.id.in_(wanted["Case"]))):
            labels[("Case", id_)] = reference
    if wanted.get("User"):
        for id_, email in db.session.execute(sa.select(User.id, User.email).where(User.id.in_(wanted["User"]))):
            labels[("User", id_)] = email
    return labels
