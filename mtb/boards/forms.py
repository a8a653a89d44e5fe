from babel.dates import get_day_names
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional

from mtb.boards.cadence import MAX_EVERY_WEEKS, WEEKDAYS
from mtb.boards.models import MAX_CUTOFF_HOURS, MAX_MINUTES
from mtb.i18n import lazy_gettext as _l
from mtb.widgets import SelectField


class BoardSettingsForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    #: "weekly": the rule is built from the day, time and interval below; "rule": as written.
    cadence_mode = RadioField(
        _l("How the cadence is given"), default="weekly", validate_choice=False,
        choices=[SelectChoice("weekly", _l("Every week or every few weeks, on one day")),
                 SelectChoice("rule", _l("Another rhythm: write the rule (RFC 5545)"))],
    )
    cadence_weekday = SelectField(_l("Day"), validate_choice=False)
    cadence_time = TimeField(_l("Time"), validators=[Optional()])
    cadence_every_weeks = IntegerField(
        _l("Every … weeks"), default=1, validators=[Optional(), NumberRange(1, MAX_EVERY_WEEKS)],
        description=_l("1: every week; 2: every other week."),
    )
    cadence_rrule = StringField(
        _l("Meeting cadence (RFC 5545 rule)"),
        description=_l("In the board's time zone. Example: FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0; every other week: add INTERVAL=2."),
        validators=[Optional(), Length(max=255)],
    )
    cadence_anchor = DateField(
        _l("Cadence counts from"),
        description=_l("The first meeting day of the series; fixes which weeks an every-other-week board meets."),
        validators=[DataRequired()],
    )
    meeting_length_minutes = IntegerField(_l("Meeting length (minutes)"), validators=[DataRequired(), NumberRange(1, MAX_MINUTES)])
    minutes_per_case = IntegerField(_l("Minutes per case"), validators=[DataRequired(), NumberRange(1, MAX_MINUTES)])
    cutoff_hours = IntegerField(
        _l("Submission cut-off (hours before the meeting)"),
        # InputRequired: 0 (cases taken until the meeting starts) is a value, which DataRequired refuses.
        validators=[InputRequired(), NumberRange(0, MAX_CUTOFF_HOURS)]
    )
    location = StringField(_l("Location"), validators=[Optional(), Length(max=200)])
    video_link = StringField(_l("Video link"), validators=[Optional(), URL(message=_l("Enter a full link starting with https://")), Length(max=500)])
    quorum_specialties = TextAreaField(
        _l("Quorum: specialties that must be present"),
        description=_l("One per line. Alternatives on one line separated by | (molecular_biology|genetics)."),
        validators=[Optional()],
    )
    identity_in_minutes = BooleanField(
        _l("Show patient identity (name, record number, birth date) in the minutes"),
        description=_l("Decision letters always carry it: they go into the patient's record."),
    )

    follow_up_months = StringField(
        _l("Follow-up of recommendations (months after the decision)"),
        description=_l("Months separated by commas, e.g. 3, 6, 12."), validators=[Optional(), Length(max=60)],
    )
    turnaround_target_days = IntegerField(
        _l("Turnaround target (days from the molecular report to the discussion)"),
        description=_l("Cases slower than this are highlighted on the outcomes dashboard."),
        validators=[Optional(), NumberRange(1, 365)],
    )
    completeness_requirements = StringField(
        _l("What a submission must carry"),
        description=_l("Separated by commas: gene symbols (a result or \"not detected\"), or PD-L1, TMB, MSI, HRD, germline."),
        validators=[Optional(), Length(max=2000)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = get_day_names("wide", locale=get_locale())
        self.cadence_weekday.choices = [SelectChoice(code, names[index].capitalize()) for index, code in enumerate(WEEKDAYS)]
