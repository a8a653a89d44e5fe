from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField, TimeField
from wtforms.validators import URL, InputRequired, Length, NumberRange, Optional

from mtb.i18n import lazy_gettext as _l
from mtb.meetings.models import MAX_CANCEL_REASON, MAX_MEETING_MINUTES, MIN_MEETING_MINUTES


class MeetingForm(FlaskForm):
    """A meeting's date, time, length and place (extra meeting, or moving one)."""

    date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter a date (YYYY-MM-DD)."))])
    time = TimeField(_l("Start time"), description=_l("Local time of the board (24 h, HH:MM)."),
                     validators=[InputRequired(message=_l("Enter a time (HH:MM)."))])
    duration_minutes = IntegerField(_l("Length (minutes)"), validators=[
        InputRequired(message=_l("Enter the length in minutes.")),
        NumberRange(MIN_MEETING_MINUTES, MAX_MEETING_MINUTES, message=_l("Enter a length between 5 and 600 minutes."))])
    location = StringField(_l("Location"), validators=[Optional(), Length(max=200)])
    video_link = StringField(_l("Video link"), validators=[
        Optional(), URL(message=_l("Enter a full link starting with https://")), Length(max=500)])


class CancelMeetingForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), description=_l("Sent to the board's members and to the submitters of its cases."),
                           validators=[InputRequired(message=_l("Say why the meeting is cancelled.")),
                                       Length(max=MAX_CANCEL_REASON)])
