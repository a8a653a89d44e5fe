from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from mtb.i18n import lazy_gettext as _l
from mtb.vocab import SPECIALTY_LABELS
from mtb.widgets import SelectField


def specialty_choices():
    # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice.
    return [SelectChoice("", _l("— none —"))] + [SelectChoice(s.value, label) for s, label in SPECIALTY_LABELS.items()]


class LoginForm(FlaskForm):
    #: The e-mail of a local account, or the directory login (the view relabels it then).
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=12, max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
    )


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    specialty = SelectField(_l("Specialty"), choices=specialty_choices, validators=[Optional()])
    password = PasswordField(
        _l("Password"),
        description=_l("At least 12 characters. Leave empty to keep the current password."),
        validators=[Optional(), Length(min=12, max=200)],
    )
    active = BooleanField(_l("Active (may log in)"), default=True)
    is_admin = BooleanField(_l("Site administrator"))
