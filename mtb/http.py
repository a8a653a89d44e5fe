"""Reading numbers from URLs and query strings without ever sending the database a
number it cannot hold (PostgreSQL integers stop at 2**31 - 1)."""

from __future__ import annotations

import re
from datetime import datetime

from flask import request
from werkzeug.routing import IntegerConverter

MAX_DB_INT = 2**31 - 1
MAX_PAGE = 1_000_000


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` that does not match ids the database cannot hold: they are 404s."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(url_map, *args, **kwargs)


def db_int(value: str) -> int:
    """``type=`` for request.args/form: a positive id the database can hold, else ValueError
    (Werkzeug then returns the default)."""
    number = int(value)
    if not 0 < number <= MAX_DB_INT:
        raise ValueError(value)
    return number


def page_number() -> int:
    """The ``page`` query argument, 1 when missing or absurd."""
    page = request.args.get("page", 1, type=db_int)
    return min(page, MAX_PAGE)


#: Secrets that travel in a URL path (the private calendar feed): never written to a log,
#: also when the URL is mistyped (no ".ics", a trailing slash, another case, a doubled slash).
_SECRET_IN_PATH = re.compile(r"^(/+calendar/).*?((?:\.ics)?)$", re.IGNORECASE | re.DOTALL)


def wants_json() -> bool:
    """The request comes from a page's script asking for data (it accepts JSON first), not
    from a browser showing a page: it is answered with data, never with a page or a redirect."""
    return request.accept_mimetypes.best == "application/json"


def loggable_path(path: str) -> str:
    """The path as logs may show it: secrets masked, no query string (searches may carry a
    patient's name)."""
    return _SECRET_IN_PATH.sub(r"\1…\2", path.split("?", 1)[0])


def init_app(app) -> None:
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def refuse_nul_bytes():
        # A NUL byte is never typed by a person, and PostgreSQL refuses it in text: in the
        # path (a board's slug), in every value of a repeated field (``values()`` gives only
        # the first) and in the names.
        from flask import abort

        if "\x00" in request.path or _has_nul(request.args):
            abort(400)
        form_post = request.method == "POST" and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data")
        if form_post and _has_nul(request.form):
            abort(400)


def _has_nul(values) -> bool:
    return any("\x00" in name or any("\x00" in value for value in items) for name, items in values.lists())


# --- Keys of a list paged by key ------------------------------------------------

def page_key(when: datetime, ident: int) -> str:
    """Where a list's page starts or ends: ``2026-11-30T10:00:00~42`` (the sort time and id)."""
    return f"{when.isoformat()}~{ident}"


def parse_page_key(key: str | None) -> tuple[datetime, int] | None:
    """``2026-11-30T10:00:00~42`` → (datetime, 42); None for anything else."""
    if not key or "~" not in key or len(key) > 60:
        return None
    when, _, ident = key.partition("~")
    try:
        return datetime.fromisoformat(when).replace(tzinfo=None), db_int(ident)
    except (TypeError, ValueError, OverflowError):
        return None
