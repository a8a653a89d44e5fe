"""Form fields shared by the parts' forms."""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import FieldList as _FieldList
from wtforms import SelectField as _SelectField
from wtforms.widgets import Input, Select
from wtforms.widgets.core import clean_key


def _attributes(values: dict) -> str:
    """WTForms' ``html_params`` (sorted names, ``True`` bare, ``False`` left out, names and
    values escaped), joined as plain text: WTForms formats each attribute through
    ``Markup.format``, about 100 µs an input."""
    parts = []
    for name, value in sorted(values.items()):
        if value is True:
            parts.append(escape(clean_key(name)))
        elif value is not False:
            # escape() keeps a Markup value as it is, quotes too: WTForms writes them &quot;.
            text = str.replace(value, '"', "&quot;") if isinstance(value, Markup) else escape(value)
            parts.append(f'{escape(clean_key(name))}="{text}"')
    return " ".join(parts)


def html_params(**values) -> Markup:
    """``wtforms.widgets.html_params``, the same text written at once."""
    return Markup(_attributes(values))


# Every <input> WTForms writes (text, hidden, check box, the form token...) formats its
# attributes through the class's ``html_params``, there to be replaced: a form of twenty
# fields printed 2 ms sooner. tests/test_widgets.py holds it to WTForms' output.
Input.html_params = staticmethod(html_params)


class QuickSelect(Select):
    """WTForms' ``<select>``, each option written at once. WTForms formats every attribute
    through ``Markup.format`` (several µs an option), reads a field's choices twice and
    makes an object of each option on the way, and a decision form or a case's findings
    render hundreds of options. The HTML is the same, attributes in WTForms' (sorted) order."""

    def __call__(self, field, **kwargs):
        if (self.multiple or not isinstance(field, _SelectField) or type(field).iter_groups is not _SelectField.iter_groups
                or type(field).iter_choices is not _SelectField.iter_choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in dir(flags):
            if name in self.validation_attrs and name not in kwargs:
                kwargs[name] = getattr(flags, name)
        html = [f"<select {_attributes({'name': field.name, **kwargs})}>"]
        choices = field._choices_from_input(field.choices) or []
        group = None
        for choice in choices:  # consecutive options of one group share its <optgroup>
            if choice.optgroup != group:
                if group is not None:
                    html.append("</optgroup>")
                if choice.optgroup is not None:
                    html.append(f"<optgroup {_attributes({'label': choice.optgroup})}>")
                group = choice.optgroup
            html.append(_option(choice.value, choice.label, field.coerce(choice.value) == field.data, choice.render_kw))
        if group is not None:
            html.append("</optgroup>")
        html.append("</select>")
        return Markup("".join(html))

    @classmethod
    def render_option(cls, choice, **kwargs):
        return Markup(_option(choice.value, choice.label, choice.selected, choice.render_kw, kwargs))


def _option(value, label, selected: bool, render_kw: dict | None, extra: dict | None = None) -> str:
    options = {"value": str(value) if isinstance(value, bool) else value, **(render_kw or {}), **(extra or {})}
    if selected:
        options["selected"] = True
    return f"<option {_attributes(options)}>{escape(label or value)}</option>"


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
