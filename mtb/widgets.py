"""Form fields shared by the parts' forms."""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import FieldList as _FieldList
from wtforms import SelectField as _SelectField
from wtforms.widgets import Select
from wtforms.widgets.core import clean_key


def _attributes(values: dict) -> str:
    """WTForms' ``html_params`` (sorted names, ``True`` bare, ``False`` left out, values
    escaped), joined as plain text: WTForms formats each attribute through ``Markup.format``."""
    parts = []
    for name, value in sorted(values.items()):
        if value is True:
            parts.append(clean_key(name))
        elif value is not False:
            parts.append(f'{clean_key(name)}="{escape(value)}"')
    return " ".join(parts)


class QuickSelect(Select):
    """WTForms' ``<select>``, each option written at once. WTForms formats every attribute
    through ``Markup.format`` (several µs an option), and a decision form or a case's
    findings render hundreds of options. The HTML is the same, attributes in WTForms'
    (sorted) order."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        options = {"value": value, **(choice.render_kw or {}), **kwargs}
        if choice.selected:
            options["selected"] = True
        return Markup(f"<option {_attributes(options)}>{escape(choice.label or choice.value)}</option>")


class SelectField(_SelectField):
    widget = QuickSelect()


class FieldList(_FieldList):
    """WTForms' ``FieldList`` that reads a row's index only when it is written in ASCII
    digits ("rows-0-name"); any other posted key ("rows-²-name", "rows-x-name") is
    ignored, as WTForms ignores keys without a number.

    WTForms tests the index with ``str.isdigit``, which is also true of "²" or "①", and
    then ``int()`` fails on them: a hand-made post was a 500. Use it for every list of
    rows a form posts."""

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = key[offset:].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdigit():
                    yield int(index)
