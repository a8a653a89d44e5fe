"""The follow-up form and the export form (types only: the rules are in ``validation``)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from mtb.cases.vocab import RESEARCH_COHORTS
from mtb.i18n import lazy_gettext as _l
from mtb.outcomes.models import NotImplementedReason, Response, TreatmentAccess
from mtb.widgets import SelectField

#: The empty first option of every select.
CHOOSE = _l("— choose —")


def _choices(enum_cls):
    return [SelectChoice("", CHOOSE)] + [SelectChoice(member.value, member.label) for member in enum_cls]


class FollowUpForm(FlaskForm):
    implemented = RadioField(
        _l("Was the recommendation implemented?"), validate_choice=False,
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
    )
    drug = StringField(_l("Drug or regimen given"), validators=[Optional(), Length(max=200)])
    started_on = DateField(_l("Start date"), validators=[Optional()])
    line = IntegerField(_l("Line of therapy"), validators=[Optional()])
    access = SelectField(_l("Access obtained"), choices=_choices(TreatmentAccess), validate_choice=False)
    best_response = SelectField(_l("Best response (RECIST 1.1)"), choices=_choices(Response), validate_choice=False)
    response_on = DateField(_l("Response assessed on"), validators=[Optional()])
    stopped_on = DateField(_l("Stop date"), validators=[Optional()])
    stop_reason = StringField(_l("Why it stopped"), validators=[Optional(), Length(max=300)])
    serious_toxicity = BooleanField(_l("Serious toxicity (grade 3 or more)"))
    toxicity_note = StringField(_l("Which toxicity"), validators=[Optional(), Length(max=300)])
    reason = SelectField(_l("Why not"), choices=_choices(NotImplementedReason), validate_choice=False)
    reason_other = StringField(_l("Other reason"), validators=[Optional(), Length(max=300)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    change_reason = StringField(_l("Why the follow-up changes"), validators=[Optional(), Length(max=300)],
                                description=_l("Required when correcting a follow-up already recorded."))

    def values(self) -> dict:
        """The typed values the service checks."""
        answer = self.implemented.data
        return {
            "implemented": True if answer == "yes" else False if answer == "no" else None,
            "drug": self.drug.data, "started_on": self.started_on.data, "line": self.line.data,
            "access": self.access.data, "best_response": self.best_response.data,
            "response_on": self.response_on.data, "stopped_on": self.stopped_on.data,
            "stop_reason": self.stop_reason.data, "serious_toxicity": self.serious_toxicity.data,
            "toxicity_note": self.toxicity_note.data, "reason": self.reason.data,
            "reason_other": self.reason_other.data, "note": self.note.data,
        }

    def fill(self, follow_up) -> None:
        """Start from the current version (a correction changes what is there)."""
        self.implemented.data = "yes" if follow_up.implemented else "no"
        for name in ("drug", "started_on", "line", "response_on", "stopped_on", "stop_reason", "serious_toxicity",
                     "toxicity_note", "reason_other", "note"):
            getattr(self, name).data = getattr(follow_up, name)
        for name in ("access", "best_response", "reason"):
            value = getattr(follow_up, name)
            getattr(self, name).data = value.value if value is not None else ""


class ExportForm(FlaskForm):
    start = DateField(_l("Decisions from"), validators=[Optional()])
    end = DateField(_l("Decisions up to"), validators=[Optional()])
    cohort = SelectField(_l("Research cohort"), choices=[SelectChoice("", CHOOSE)] + [
                             SelectChoice(name, name) for name in RESEARCH_COHORTS],
                         validators=[InputRequired(message=_l("Choose the research cohort to export."))],
                         description=_l("Only the patients who consented to it are exported."))
    identity = BooleanField(_l("Include the patient's identity (record number, name, sex, birth date) and the free-text answers"),
                            description=_l("Only for a cohort whose protocol allows it; your choice is in the audit trail."))
    #: Excel splits a CSV by the list separator of the computer's region: a comma in
    #: English, a semicolon in French and most of Europe (else one column of text).
    separator = RadioField(_l("Columns separated by"), choices=[
        SelectChoice(",", _l("Commas (R, Python, Excel in English)")),
        SelectChoice(";", _l("Semicolons (Excel in French and most European languages)")),
    ], validators=[InputRequired(message=_l("Choose how the columns are separated."))])
