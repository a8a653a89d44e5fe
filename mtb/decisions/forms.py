"""Forms of the session page. Rules live in mtb.decisions.validation and the services;
these forms only carry what was typed (so nothing is lost when the page comes back with errors)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    FormField,
    HiddenField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from mtb.cases.models import Urgency
from mtb.decisions.evidence import MODIFIER_LABELS, level_groups
from mtb.decisions.models import ACCESS_ROUTE_LABELS, KIND_FIELDS, RECOMMENDATION_LABELS
from mtb.formatting import local_datetime
from mtb.i18n import gettext as _
from mtb.i18n import lazy_gettext as _l
from mtb.meetings import services as agendas
from mtb.meetings.models import DEFER_NOTE_MAX, Meeting
from mtb.trials.registrations import TRIAL_PHASES
from mtb.vocab import ONCOKB_LEVELS, SPECIALTY_LABELS
from mtb.widgets import FieldList, SelectField

#: The kind that uses each kind-specific field (the page's script hides the others).
FIELD_KINDS = {name: kind.value for kind, names in KIND_FIELDS.items() for name in names}


def options(pairs) -> list[SelectChoice]:
    """WTForms 3.3 wants SelectChoice objects rather than (value, label) tuples."""
    return [SelectChoice(value, label) for value, label in pairs]


class RecommendationForm(Form):
    kind = SelectField(
        _l("Recommendation"),
        choices=options([("", _l("Choose…"))] + [(k.value, label) for k, label in RECOMMENDATION_LABELS.items()]),
        validate_choice=False,
    )
    drug = StringField(_l("Drug"), description=_l("Targeted therapy: the drug or combination."))
    biomarker_id = SelectField(_l("Targets biomarker"), choices=[], validate_choice=False,
                               description=_l("One of this case's biomarkers."))
    #: "scheme:level" (mtb.decisions.evidence); the choices are set per request (translated headings).
    evidence = SelectField(_l("Evidence level"), choices=[], validate_choice=False,
                           description=_l("Required for a targeted therapy: ESCAT, OncoKB, NCT/DKTK or AMP/ASCO/CAP."))
    evidence_modifiers = SelectMultipleField(
        _l("Modifiers of an m-level"), choices=options([(code, label) for code, label in MODIFIER_LABELS.items()]),
        validate_choice=False, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
    )
    oncokb_level = SelectField(
        _l("OncoKB level (optional)"), choices=options([("", "—")] + [(t, t) for t in ONCOKB_LEVELS]), validate_choice=False,
        description=_l("A second grading, when the evidence above is on another scale."),
    )
    access_route = SelectField(
        _l("Access route"), choices=options([("", "—")] + [(k.value, label) for k, label in ACCESS_ROUTE_LABELS.items()]),
        description=_l("Required for a targeted therapy."), validate_choice=False,
    )
    trial_id = StringField(
        _l("Trial registry ids"),
        description=_l("One or more, separated by commas: NCT04613596, EU CT 2023-503456-39-00, EudraCT "
                       "2015-001234-56, ID-RCB 2019-A01234-56; or the hospital's trial code."))
    trial_title = StringField(_l("Trial title (optional)"))
    trial_phase = SelectField(
        _l("Phase (optional)"), choices=options([("", "—")] + [(code, label) for code, label in TRIAL_PHASES.items()]),
        validate_choice=False,
    )
    trial_site = StringField(_l("Site"))
    test_name = StringField(_l("Test"), description=_l("e.g. RNA fusion panel, germline BRCA1/2."))
    test_sample = StringField(_l("On which sample"), description=_l("e.g. new biopsy, archived block 2021-B-1234, blood."))
    rationale = TextAreaField(_l("Rationale"), render_kw={"rows": 2})


class DecisionForm(FlaskForm):
    #: The draft's row_version when the form was loaded (a later save by someone else is a conflict).
    row_version = HiddenField()
    summary = TextAreaField(_l("Discussion summary"), render_kw={"rows": 4})
    correction_reason = TextAreaField(
        _l("Reason for the correction"), render_kw={"rows": 2},
        description=_l("Kept with the new version; the earlier version stays readable."),
    )
    recommendations = FieldList(FormField(RecommendationForm), min_entries=1)

    def __init__(self, *args, biomarkers=(), correction: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # A drug targets what was found: a "tested, not detected" row is not offered.
        choices = options([("", _l("Choose…"))] + [(str(b.id), b.label) for b in biomarkers if not b.is_negative])
        levels = evidence_choices()
        for entry in self.recommendations.entries:
            entry.form.biomarker_id.choices = choices
            entry.form.evidence.choices = levels
            entry.form.evidence.render_kw = {"data-crosswalk-prefix": _l("Corresponds to:")}
        self.summary.flags.required = True
        if correction:
            self.correction_reason.flags.required = True

    def recommendation_data(self) -> list[dict]:
        return [
            {key: value for key, value in entry.form.data.items()}
            for entry in self.recommendations.entries
        ]

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Put service errors (keyed by form field name) next to their fields."""
        for name, message in errors.items():
            if name.startswith("recommendations-"):
                _, index, field = name.split("-", 2)
                index = int(index)
                if index < len(self.recommendations.entries):
                    getattr(self.recommendations.entries[index].form, field).errors.append(message)
                    continue
            if name == "recommendations":
                self.recommendations.errors = [message]
                continue
            target = getattr(self, name, None)
            if target is not None:
                target.errors = list(target.errors) + [message]


def evidence_choices() -> list[SelectChoice]:
    """Every level of the four scales, grouped by scale; each option carries the nearest
    levels of the other scales (the page's script shows them beside the list), an m-level
    also those of its grading with the modifier R (resistance corresponds to resistance)."""
    choices = [SelectChoice("", _l("Choose…"))]
    for heading, levels in level_groups():
        for value, label, text, resistance in levels:
            attributes = {"data-crosswalk": text}
            if resistance is not None:
                attributes["data-crosswalk-resistance"] = resistance
            choices.append(SelectChoice(value, label, render_kw=attributes, optgroup=heading))
    return choices


def specialty_choices():
    return [("", _l("— not given —"))] + [(s.value, label) for s, label in SPECIALTY_LABELS.items()]


# The session page holds several small forms: each has its own prefix, so every field
# (and its CSRF token) gets a unique id and name ("conflict-note", "defer-note", ...).

class StartForm(FlaskForm):
    confirm_early = BooleanField(_l("Start now anyway"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="start", **kwargs)


class GuestForm(FlaskForm):
    guest_name = StringField(_l("Guest's name"))
    guest_role = StringField(_l("Role or specialty"), description=_l("e.g. research nurse, external pathologist."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="guest", **kwargs)


class ConflictForm(FlaskForm):
    member_id = SelectField(_l("Member"), choices=[], validate_choice=False)
    note = StringField(_l("Conflict (optional)"), description=_l("e.g. investigator of the proposed trial."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="conflict", **kwargs)


class DeferForm(FlaskForm):
    note = StringField(_l("Why (optional)"), description=_l("e.g. out of time, waiting for the biopsy result."),
                       validators=[Length(max=DEFER_NOTE_MAX, message=_l("At most 300 characters."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="defer", **kwargs)


class LateCaseForm(FlaskForm):
    """An urgent case brought to the meeting in session (the choices: the board's pool and
    its later agendas, set by the view; the service checks the choice)."""
    case_id = SelectField(_l("Case"), choices=[], validate_choice=False,
                          validators=[InputRequired(message=_l("Choose the case to add."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="late", **kwargs)


def late_case_form(meeting: Meeting, form: LateCaseForm | None = None) -> LateCaseForm | None:
    """While the meeting sits: the cases that can still be brought to it (None otherwise)."""
    if not meeting.is_in_session:
        return None
    form = form or LateCaseForm(formdata=None)
    choices = [("", _("Choose…"))]
    urgent, on_agenda, zone = _("urgent"), {}, meeting.board.timezone
    referred = _("referred by %(name)s", name="{name}")
    for case, later in agendas.session_candidates(meeting):
        words = [case.reference]
        if case.urgency is Urgency.URGENT:
            words.append(urgent)
        words += [case.diagnosis, referred.format(name=case.submitter)]
        if later is not None:
            if later not in on_agenda:  # worded once per meeting
                on_agenda[later] = _("on the agenda of %(when)s", when=local_datetime(later, zone))
            words.append(on_agenda[later])
        choices.append((str(case.id), " · ".join(words)))
    form.case_id.choices = options(choices)
    return form
