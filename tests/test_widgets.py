"""The quick select writes the same HTML as WTForms' own, whatever the values and labels."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup
from wtforms import Form
from wtforms import SelectField as WTFormsSelectField
from wtforms.fields.choices import SelectChoice as C

from mtb.widgets import SelectField

texts = st.text(max_size=12)


def _pair(choices, data, **field_args):
    class Ours(Form):
        f = SelectField(choices=choices, validate_choice=False, **field_args)

    class Theirs(Form):
        f = WTFormsSelectField(choices=choices, validate_choice=False, **field_args)

    return str(Ours(data={"f": data}).f()), str(Theirs(data={"f": data}).f())


attributes = st.dictionaries(st.sampled_from(["data_crosswalk", "data-crosswalk", "class_", "disabled", "title"]),
                             st.one_of(texts, st.booleans()), max_size=3)


@given(st.lists(st.tuples(texts, texts, attributes), max_size=5), st.one_of(st.none(), texts))
def test_options_are_written_as_wtforms_writes_them(pairs, data):
    choices = [C(value, label, render_kw=extra) for value, label, extra in pairs]
    ours, theirs = _pair(choices, data if data is not None or not pairs else pairs[0][0])
    assert ours == theirs


@given(st.lists(st.tuples(st.integers(0, 3), st.one_of(st.none(), st.sampled_from(["ESCAT", "OncoKB"]))), max_size=6),
       st.integers(0, 3), st.booleans())
def test_groups_in_any_order_numbers_and_required_lists_as_wtforms_writes_them(options, data, required):
    from wtforms.validators import InputRequired

    choices = [C(value, f"level {value}", optgroup=group) for value, group in options]
    ours, theirs = _pair(choices, data, coerce=int, validators=[InputRequired()] if required else [])
    assert ours == theirs


def test_groups_selection_markup_and_options_with_attributes():
    tier = 'ESCAT "tier" I'
    groups = [C("I-A", "I-A <targeted>", optgroup=tier), C("I-B", "I-B & more", optgroup=tier), C("x", "", optgroup="Other")]
    ours, theirs = _pair(groups, "I-B")
    assert ours == theirs and '<option selected value="I-B">I-B &amp; more</option>' in ours
    with_attributes = [C("a", "A", render_kw={"disabled": True}), C("b", "B")]
    assert _pair(with_attributes, "b")[0] == _pair(with_attributes, "b")[1]
    booleans = [C(True, "Yes"), C(False, "No")]
    assert _pair(booleans, True)[0] == _pair(booleans, True)[1]


def test_a_row_index_not_written_in_ascii_digits_is_ignored():
    from werkzeug.datastructures import MultiDict
    from wtforms import StringField

    from mtb.widgets import FieldList

    class Rows(Form):
        rows = FieldList(StringField(), min_entries=1)

    posted = MultiDict({"rows-0": "kept", "rows-²": "dropped", "rows-٣": "dropped", "rows-x": "dropped", "rows-2": "two"})
    assert Rows(formdata=posted).rows.data == ["kept", "two"]


names = st.one_of(st.sampled_from(["id", "name", "type", "value", "class_", "data_crosswalk", "aria_describedby",
                                   "required", "autofocus", "rows"]), st.text(max_size=8))
values = st.one_of(texts, st.booleans(), st.integers(), st.none(), texts.map(Markup))


@given(st.dictionaries(names, values, max_size=6))
def test_input_attributes_are_written_as_wtforms_writes_them(attributes):
    from wtforms.widgets.core import html_params as theirs

    from mtb.widgets import html_params as ours

    assert str(ours(**attributes)) == str(theirs(**attributes))


def test_every_input_uses_the_quick_attributes():
    from wtforms import StringField
    from wtforms.widgets import TextInput

    from mtb.widgets import html_params

    class Ours(Form):
        f = StringField(render_kw={"placeholder": 'a "b" <c>'})

    assert TextInput.html_params is html_params
    assert str(Ours(data={"f": "x & y"}).f()) == (
        '<input id="f" name="f" placeholder="a &#34;b&#34; &lt;c&gt;" type="text" value="x &amp; y">')
