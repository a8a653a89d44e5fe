from __future__ import annotations

import base64
import json

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from mtb.accounts.models import AccountState, Role
from mtb.i18n import lazy_gettext as _l
from mtb.vocab import SPECIALTY_LABELS
from mtb.widgets import SelectField


def specialty_choices():
    # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice.
    return [SelectChoice("", _l("— none —"))] + [SelectChoice(s.value, label) for s, label in SPECIALTY_LABELS.items()]


class AccountEmail:
    """An e-mail address, on an internal domain too: Active Directory's ``.local`` (which
    email_validator calls special-use) or ``.internal``, as directory accounts carry them."""

    message = _l("Enter an e-mail address such as j.doe@hospital.org (an internal domain such as "
                 "chu.local is accepted).")

    def __call__(self, form, field) -> None:
        address = (field.data or "").strip()
        # email_validator refuses .local whatever it is told: the rest of the address is checked.
        internal = address.lower().endswith(".local") and _valid_address(address + ".org")
        if not (internal or _valid_address(address)):
            raise ValidationError(self.message)


def _valid_address(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False, globally_deliverable=False, test_environment=True)
    except EmailNotValidError:
        return False
    return True


class LoginForm(FlaskForm):
    #: The e-mail of a local account, or the directory login (the view relabels it then).
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=12, max=200)],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), AccountEmail(), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    specialty = SelectField(_l("Specialty"), choices=specialty_choices, validators=[Optional()])
    password = PasswordField(
        _l("Password"),
        description=_l("At least 12 characters. Leave empty to keep the current password."),
        validators=[Optional(), Length(min=12, max=200)],
        # The account's password, not the administrator's: browsers must not fill theirs in.
        render_kw={"autocomplete": "new-password"},
    )
    active = BooleanField(_l("Active (may log in)"), default=True)
    is_admin = BooleanField(_l("Site administrator"))
    #: The account as the page showed it when opened (``encode_state``): a save applies
    #: only what the administrator changed from it, so that what someone else saved on the
    #: account meanwhile is kept (``services.save_user_edit``).
    shown = HiddenField()

    def typed_state(self, roles) -> AccountState:
        """The account as typed on the page; ``roles``: the ticked (board id, role) pairs."""
        return AccountState((self.full_name.data or "").strip(), self.specialty.data or "", bool(self.active.data),
                            bool(self.is_admin.data), frozenset(roles))

    def shown_state(self) -> AccountState | None:
        return decode_state(self.shown.data)

    def value_text(self, name: str, state: AccountState) -> str:
        """``state``'s value of the field ``name`` as the page shows it (a specialty's label)."""
        value = getattr(state, name)
        if name == "specialty":
            return next((str(choice.label) for choice in self.specialty.choices if choice.value == value), value)
        return str(value)

    def remember(self, state: AccountState) -> None:
        """The page shows ``state``: a save then applies what was changed from it."""
        self.shown.data = encode_state(state)

    def fill(self, state: AccountState) -> None:
        """Show ``state`` in the fields (roles are ticked by the template)."""
        self.full_name.data, self.specialty.data = state.full_name, state.specialty
        self.active.data, self.is_admin.data = state.active, state.is_admin


def ticked_roles(formdata, boards) -> set[tuple[int, Role]]:
    """The (board id, role) pairs ticked on the account page ("role-<board id>-<role>")."""
    return {(board.id, role) for board in boards for role in Role if formdata.get(f"role-{board.id}-{role.value}")}


def encode_state(state: AccountState) -> str:
    """``state`` as the text of a hidden field (URL-safe base64 of JSON: nothing to escape)."""
    data = {"full_name": state.full_name, "specialty": state.specialty, "active": state.active,
            "is_admin": state.is_admin, "roles": sorted([board_id, role.value] for board_id, role in state.roles)}
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def decode_state(text: str | None) -> AccountState | None:
    """``encode_state`` read back; None for a missing or unreadable one."""
    try:
        data = json.loads(base64.urlsafe_b64decode((text or "").encode("ascii")))
        full_name, specialty, active, is_admin = (data[k] for k in ("full_name", "specialty", "active", "is_admin"))
        if not (isinstance(full_name, str) and isinstance(specialty, str)
                and isinstance(active, bool) and isinstance(is_admin, bool)):
            return None
        roles = frozenset((int(board_id), Role(role)) for board_id, role in data["roles"])
    except (ValueError, TypeError, KeyError):  # binascii.Error and JSON errors are ValueErrors
        return None
    return AccountState(full_name, specialty, active, is_admin, roles)
