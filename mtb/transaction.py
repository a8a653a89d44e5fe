"""One transaction per request, owned here (as Indico's ``RH.process`` owns it).

Views and services never commit: services flush, and once the view has built its
response this hook commits it, or rolls it back when the response refuses the request
(a 4xx/5xx: a form shown again with errors, a conflict, a refusal). Read-audit and
security events recorded during a refused request are written again after the
rollback, so a refused page that showed patient data, or a failed login, stays in
the trail. A page that changed nothing commits its read-audit rows without waiting for
the disk's flush (``mtb.db.commit_reads_without_disk_wait``); every change waits for it.

CLI commands and scheduled jobs own their transactions and commit themselves.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response

from mtb.audit import services as audit
from mtb.db import commit_reads_without_disk_wait
from mtb.extensions import db


def commits(response: Response) -> bool:
    """A response below 400 means the request did what it was asked: keep its changes."""
    return response.status_code < 400


def end(response: Response) -> Response:
    if not commits(response):
        roll_back()
    if audit.has_deferred_events():
        commit_reads_without_disk_wait(db.session)
    audit.write_deferred_events()
    db.session.commit()
    return response


def roll_back() -> None:
    """Undo the request's changes, keeping the audit events that must survive them.

    Views call it when they catch a domain error and answer anyway (a redirect with a
    message): the request's end then commits only the kept events.
    """
    db.session.rollback()
    audit.restore_kept_events()


def lock_row(model, obj) -> None:
    """SELECT ... FOR UPDATE on the object's row, held until the request's transaction ends
    (a double click's second request waits, then sees the first one's work); a no-op on
    SQLite, whose writers queue for the whole database anyway."""
    db.session.execute(sa.select(model.id).where(model.id == obj.id).with_for_update())


def init_app(app) -> None:
    # Registered first, so it runs after every other after_request hook (Flask runs them
    # in reverse): the response is final when the transaction ends.
    app.after_request(end)
    app.before_request(audit.write_at_commit)
