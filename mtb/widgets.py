"""Form fields shared by the parts' forms."""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import SelectField as _SelectField
from wtforms.widgets import Select


class QuickSelect(Select):
    """WTForms' ``<select>``, each plain option written at once. WTForms formats every
    attribute through ``Markup.format`` (several µs an option), and a decision form or a
    case's findings render hundreds of options. The HTML is the same, attributes in
    WTForms' (sorted) order; an option with attributes of its own goes through WTForms."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(value)}">{escape(choice.label or choice.value)}</option>')


class SelectField(_SelectField):
    widget = QuickSelect()
