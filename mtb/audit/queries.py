"""Reading the audit trail: the administrators' page.

The audit part sits below every other part (they all record into it), so it reads the
people and cases it names through their tables, by name, instead of importing the
models of the parts above it.
"""

from __future__ import annotations

import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.db import escape_like
from mtb.extensions import db


def _table(name: str) -> sa.Table:
    return db.metadata.tables[name]


def recent_events(page: int, per_page: int, action: str | None = None, who: str | None = None,
                  text: str | None = None):
    """One page of the trail, newest first (filters as ``filtered_events``)."""
    return db.paginate(filtered_events(action, who, text), page=page, per_page=per_page, error_out=False)


def filtered_events(action: str | None = None, who: str | None = None, text: str | None = None) -> sa.Select:
    """The trail, newest first. ``action`` is a prefix ("case."); ``who`` matches a name or
    e-mail; ``text`` a case reference or any word in the details."""
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action.like(f"{escape_like(action)}%", escape="\\"))
    if who:
        users = _table("users")
        pattern = f"%{escape_like(who.lower())}%"
        query = query.where(AuditEvent.user_id.in_(sa.select(users.c.id).where(sa.or_(
            sa.func.lower(users.c.email).like(pattern, escape="\\"),
            sa.func.lower(users.c.full_name).like(pattern, escape="\\")))))
    if text:
        query = query.where(_mentions(text))
    return query


def _mentions(text: str):
    """Events on the case with this reference, or whose details contain the text."""
    cases = _table("cases")
    case_ids = sa.select(cases.c.id).where(cases.c.reference == text.strip().upper())
    return sa.or_(
        sa.and_(AuditEvent.object_type == "Case", AuditEvent.object_id.in_(case_ids)),
        sa.cast(AuditEvent.details, sa.Text).like(f"%{escape_like(text.strip())}%", escape="\\"),
    )


#: Object types named on the trail: (table, the column that names a row).
_LABEL_COLUMNS = {"Case": ("cases", "reference"), "User": ("users", "email")}


def object_labels(events) -> dict[tuple[str, int], str]:
    """Readable names for the objects of a page of events (case references, e-mails),
    in one query per kind of object."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.object_type in _LABEL_COLUMNS and event.object_id:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    labels: dict[tuple[str, int], str] = {}
    for object_type, ids in wanted.items():
        table_name, column = _LABEL_COLUMNS[object_type]
        table = _table(table_name)
        for id_, label in db.session.execute(sa.select(table.c.id, table.c[column]).where(table.c.id.in_(ids))):
            labels[(object_type, id_)] = label
    return labels


#: The actions that show a case to someone, with the object each names: the case's page,
#: one of its files, its decision letter.
CASE_READS = (("case.view", "Case", None), ("attachment.download", "Attachment", "attachments"),
              ("letter.download", "DecisionLetter", "decision_letters"))


def readers_of_case(case_id: int, limit: int = 50, *, besides: int | None = None) -> list[dict]:
    """Who opened the case (its page, its files or its letter), with how often and when
    last: the submitter's view of the trail of their own patient's file (``besides``: a
    user left out, the submitter themselves)."""
    return [row._asdict() for row in db.session.execute(case_readers_query(case_id, limit, besides=besides))]


def case_readers_query(case_id: int, limit: int = 50, *, besides: int | None = None) -> sa.Select:
    """``readers_of_case``'s statement: found by the events' object (``ix_audit_events_object``),
    not by a scan of the trail."""
    users = _table("users")
    opened = []
    for action, object_type, table_name in CASE_READS:
        if table_name is None:
            ids = [case_id]
        else:
            table = _table(table_name)
            ids = sa.select(table.c.id).where(table.c.case_id == case_id).scalar_subquery()
        opened.append(sa.and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_(ids),
                              AuditEvent.action == action))
    return (
        sa.select(users.c.full_name, users.c.email, sa.func.count().label("times"),
                  sa.func.max(AuditEvent.at).label("last_at"))
        .join(users, users.c.id == AuditEvent.user_id)
        .where(sa.or_(*opened), *([AuditEvent.user_id != besides] if besides is not None else []))
        .group_by(users.c.id, users.c.full_name, users.c.email)
        .order_by(sa.func.max(AuditEvent.at).desc())
        .limit(limit)
    )
