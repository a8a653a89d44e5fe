"""The administrator's form for a new integration account."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

from mtb.i18n import lazy_gettext as _l


class IntegrationAccountForm(FlaskForm):
    name = StringField(_l("System's name"), description=_l("e.g. Data warehouse, DNPM node. Shown in the audit trail."))
    boards = SelectMultipleField(_l("Boards it reads"), choices=[], validate_choice=False,
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def __init__(self, *args, boards=(), **kwargs):
        super().__init__(*args, prefix="integration", **kwargs)
        self.boards.choices = [(board.slug, board.name) for board in boards]
        self.name.flags.required = True
