"""Jinja filters: times in the board's zone, sizes, labels."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import dates, numbers
from flask import current_app, g, has_request_context, url_for
from flask_babel import Domain, format_date, get_locale
from jinja2 import pass_eval_context
from markupsafe import Markup
from werkzeug.routing import BuildError


def to_local(value: datetime, tz: str | None = None) -> datetime:
    """Naive UTC from the database to an aware datetime in ``tz`` (default board zone)."""
    zone = ZoneInfo(tz or current_app.config["BOARD_TIMEZONE"])
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)


def local_datetime(value: datetime | None, tz: str | None = None, fmt: str = "EEE d MMM yyyy, HH:mm") -> str:
    if value is None:
        return ""
    return _formatted(value, tz or current_app.config["BOARD_TIMEZONE"], fmt, get_locale())


@lru_cache(maxsize=8192)
def _formatted(value: datetime, tz: str, fmt: str, locale) -> str:
    """Babel itself (Flask-Babel's wrapper asks the locale and the zone again on every call),
    kept: a page prints dozens of times, the same ones on every view of a list or an agenda,
    and Babel takes ~50 µs a time. The words depend on the instant alone (an aware time is
    converted too), so equal instants may share them."""
    return dates.format_datetime(to_local(value, tz), fmt, locale=locale)


def local_date(value: date | datetime | None, fmt: str = "d MMM yyyy") -> str:
    if value is None:
        return ""
    return format_date(value, fmt)


@lru_cache(maxsize=64)
def _decimal_sign(locale) -> str:
    return numbers.get_decimal_symbol(locale) if locale is not None else "."


def local_decimal(text: str) -> str:
    """A number written with a point ("12.5") as the reader writes it ("12,5" in French)."""
    if "." not in text or not has_request_context():
        return text
    sign = _decimal_sign(get_locale())
    return text if sign == "." else text.replace(".", sign)


def decimal(value: float | None, digits: int = 1) -> str:
    """``value`` to ``digits`` decimals in the reader's writing (a Jinja filter)."""
    return "" if value is None else local_decimal(f"{value:.{digits}f}")


def short_decimal(value: float | None, digits: int = 1) -> str:
    """Rounded to ``digits`` decimals, without trailing zeros: 12.0 -> "12", 12.25 -> "12.2"
    ("12,2" in French)."""
    return "" if value is None else local_decimal(f"{round(value, digits):g}")


def whole_number(value: int | None) -> str:
    """12345 -> "12,345" (English), "12 345" (French)."""
    return "" if value is None else numbers.format_decimal(value, locale=get_locale() or "en")


def age_text(born: date | None, on: date) -> str:
    """A patient's age on ``on`` as a board reads it: "1 year", "64 years"; under two years
    in months ("20 months", "1 month"), and under a month in days ("12 days")."""
    if born is None:
        return ""
    from mtb.i18n import ngettext
    from mtb.text import months_on

    months = months_on(born, on)
    if months >= 24:
        years = months // 12
        return ngettext("%(num)d year", "%(num)d years", years)
    if months >= 1:
        return ngettext("%(num)d month", "%(num)d months", months)
    days = max((on - born).days, 0)
    return ngettext("%(num)d day", "%(num)d days", days)


def filesize(num: int | None) -> str:
    if num is None:
        return ""
    from mtb.i18n import gettext as _

    # "Ko", "Mo" in French; English words outside a request (logs, jobs).
    units = (_("B"), _("KB"), _("MB"), _("GB")) if has_request_context() else ("B", "KB", "MB", "GB")
    for index, unit in enumerate(units):
        if num < 1024 or index == len(units) - 1:
            return f"{num:.0f} {unit}" if index == 0 else f"{decimal(num)} {unit}"
        num /= 1024
    return str(num)


def url_if(endpoint: str, **values) -> str | None:
    """url_for that answers None when the endpoint does not exist (optional links)."""
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
    """Templates' ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext``: Jinja's
    "newstyle" gettext (the translation is markup, its variables are escaped and always
    %-formatted) in one call that asks the request's domain directly. Jinja's own goes
    through three context calls and Flask-Babel's lookups, ~12 µs a string where a
    page translates hundreds."""

    def finish(eval_ctx, text: str, variables: dict) -> str:
        if eval_ctx.autoescape:
            text = Markup(text)
        # Formatted even without variables ("%%" is a percent sign), unless nothing would change.
        return text % variables if variables or "%" in text else text

    @pass_eval_context
    def gettext(eval_ctx, string: str, **variables) -> str:
        return finish(eval_ctx, domain.get_translations().ugettext(string), variables)

    @pass_eval_context
    def ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        return finish(eval_ctx, domain.get_translations().ungettext(singular, plural, num), variables)

    @pass_eval_context
    def pgettext(eval_ctx, context: str, string: str, **variables) -> str:
        return finish(eval_ctx, domain.get_translations().upgettext(context, string), variables)

    @pass_eval_context
    def npgettext(eval_ctx, context: str, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        return finish(eval_ctx, domain.get_translations().unpgettext(context, singular, plural, num), variables)

    app.jinja_env.newstyle_gettext = True  # {% trans %} blocks leave the formatting to these
    app.jinja_env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext)


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
    app.jinja_env.filters["decimal"] = decimal
    app.jinja_env.filters["short_decimal"] = short_decimal
    app.jinja_env.filters["whole_number"] = whole_number
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
