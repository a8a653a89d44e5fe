"""Writing the audit trail. Every read and change of patient data calls record()."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user

from mtb.audit.models import AuditEvent
from mtb.extensions import db


def record(
    action: str,
    obj: Any = None,
    *,
    board_id: int | None = None,
    user=None,
    details: dict | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (it commits with the change).

    ``obj`` is any model with an ``id``; its class name becomes object_type and its
    ``board_id`` (if it has one) is recorded unless given.
    """
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    event = AuditEvent(
        action=action,
        user_id=getattr(user, "id", None),
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        board_id=board_id if board_id is not None else getattr(obj, "board_id", None),
        ip_address=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(event)
    return event


def recent_events(page: int, per_page: int, action: str | None = None, user_id: int | None = None):
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action.like(f"{action}%"))
    if user_id:
        query = query.where(AuditEvent.user_id == user_id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
