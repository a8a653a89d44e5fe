"""gettext for Python code: Flask-Babel's functions, same results, asking the app's domain
directly (``formatting.RequestDomain``, which keeps the request's catalogue).

Flask-Babel's own look the domain up again through the app context on every call (about
2.3 µs a string against 0.7): forms, enum labels and findings translate hundreds of
strings a page. Outside an app context they answer in English, as Flask-Babel's do.
"""

from __future__ import annotations

from babel.support import NullTranslations
from flask_babel.speaklater import LazyString

from mtb.extensions import babel

_ENGLISH = NullTranslations()


def _translations():
    domain = babel.__dict__.get("domain_instance")  # set by create_app (formatting.init_app)
    return domain.get_translations() if domain is not None else _ENGLISH


def gettext(string: str, **variables) -> str:
    text = _translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def N_(string: str) -> str:  # noqa: N802 (the name gettext's tools look for)
    """Marks a string for the catalogue; whoever shows it translates it (``gettext``)."""
    return string


def lazy_gettext(string: str, **variables) -> LazyString:
    """Translated when used (labels defined at import time, in the reader's language)."""
    return LazyString(gettext, string, **variables)
