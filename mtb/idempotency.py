"""Forms that act once: a repeated submission returns the first result.

A double click on "Validate", or a "Submit" sent again after the connection dropped
while the first one was being saved, must neither create a second case nor fail. Each
such form carries a one-time key (``{{ submission_key() }}`` in the template); the view,
decorated with ``@once``, stores the key in the request's transaction before it acts.
A second request with the same key waits for the first one's transaction (the key is
unique), then gets the first one's answer: a redirect to where the first one went.

A submission that was refused (a form shown again with errors) rolls back, key
included, so the corrected form is sent with the same key and acts.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from functools import wraps

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import Mapped, mapped_column

from mtb import transaction
from mtb.db import utcnow
from mtb.extensions import db
from mtb.i18n import gettext as _

FIELD = "submission_key"
_KEY = re.compile(r"^[0-9a-f]{32}$")


class SubmissionKey(db.Model):
    """A form submission that acted; ``location`` is where its answer sent the browser."""

    __tablename__ = "submission_keys"

    key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int | None]
    endpoint: Mapped[str] = mapped_column(sa.String(100))
    location: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def submission_key() -> Markup:
    """The hidden field of a form that must act once; a form shown again keeps its key."""
    key = request.form.get(FIELD, "") if request.method == "POST" else ""
    if not _KEY.match(key):
        key = uuid.uuid4().hex
    return Markup(f'<input type="hidden" name="{FIELD}" value="{key}">')


def _first_answer(key: str):
    """The redirect the first submission with this key answered, or None if none acted."""
    first = db.session.get(SubmissionKey, key)
    if first is None:
        return None
    if first.user_id != current_user.id:
        abort(409)
    flash(_("This was already saved: the first submission is shown."), "info")
    return redirect(first.location or request.path, 303)


def once(view):
    """Run a POST view at most once per submission key (see the module's docstring)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.form.get(FIELD) if request.method == "POST" else None
        if not key:
            return view(*args, **kwargs)
        if not _KEY.match(key):
            abort(400)
        answer = _first_answer(key)
        if answer is not None:
            return answer
        row = SubmissionKey(key=key, user_id=current_user.id, endpoint=request.endpoint or "")
        db.session.add(row)
        try:
            db.session.flush()  # a concurrent twin waits here until the first one commits
        except sa.exc.IntegrityError:
            transaction.roll_back()
            return _first_answer(key) or abort(409)
        response = make_response(view(*args, **kwargs))
        if 300 <= response.status_code < 400 and row in db.session:
            row.location = response.headers.get("Location", "")[:500]
        elif row in db.session:
            # Not acted on (the form is shown again): the same key may be sent again.
            db.session.delete(row)
        return response

    return wrapped


def init_app(app) -> None:
    app.jinja_env.globals["submission_key"] = submission_key
