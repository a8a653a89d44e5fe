"""Jinja filters: times in the board's zone, sizes, labels."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from babel import dates
from flask import current_app, g
from flask_babel import Domain, format_date, get_locale


def to_local(value: datetime, tz: str | None = None) -> datetime:
    """Naive UTC from the database to an aware datetime in ``tz`` (default board zone)."""
    zone = ZoneInfo(tz or current_app.config["BOARD_TIMEZONE"])
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(zone)


def local_datetime(value: datetime | None, tz: str | None = None, fmt: str = "EEE d MMM yyyy, HH:mm") -> str:
    if value is None:
        return ""
    # Babel itself (Flask-Babel's wrapper asks the locale and the zone again on every call,
    # dozens a page); an aware time is printed in its own zone.
    return dates.format_datetime(to_local(value, tz), fmt, locale=get_locale())


def local_date(value: date | datetime | None, fmt: str = "d MMM yyyy") -> str:
    if value is None:
        return ""
    return format_date(value, fmt)


def filesize(num: int | None) -> str:
    if num is None:
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if num < 1024 or unit == "GB":
            return f"{num:.0f} {unit}" if unit == "B" else f"{num:.1f} {unit}"
        num /= 1024
    return str(num)


def url_if(endpoint: str, **values) -> str | None:
    """url_for that answers None when the endpoint does not exist (optional links)."""
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


class RequestDomain(Domain):
    """Flask-Babel's domain, keeping the catalogue for the request: Flask-Babel looks it up
    again (context, locale, its name as a string) for every one of the hundreds of strings
    a page translates. Kept as long as the request's locale object is the same
    (``force_locale`` swaps it, for e-mails in their recipient's language)."""

    def get_translations(self):
        # One context lookup: each use of the ``g`` proxy costs as much as the catalogue's.
        try:
            kept_here = g._get_current_object().__dict__
        except RuntimeError:  # no app context
            return super().get_translations()
        context = kept_here.get("_flask_babel")
        locale = getattr(context, "babel_locale", None)
        kept = kept_here.get("_mtb_translations")
        if kept is not None and locale is not None and kept[0] is locale:
            return kept[1]
        translations = super().get_translations()
        kept_here["_mtb_translations"] = (get_locale(), translations)
        return translations


def _install_template_gettext(app, domain: RequestDomain) -> None:
    """Templates' ``_``/``ngettext`` ask the request's domain directly (Flask-Babel's go
    through its context and domain lookups first, once per string)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def init_app(app) -> None:
    from flask_login import current_user

    from mtb.boards import services as boards
    from mtb.extensions import babel

    babel.domain_instance = RequestDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    _install_template_gettext(app, babel.domain_instance)

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        url_if=url_if,
        language_names={"en": "English", "fr": "Français"},
        get_locale=get_locale,
        all_boards=boards.list_boards,
        nav_boards=lambda: boards.boards_of(current_user) if current_user.is_authenticated else [],
    )
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
