"""iCalendar (RFC 5545) for meetings: one event per meeting, stable UID, SEQUENCE and
STATUS:CANCELLED so calendar clients follow moves and cancellations.

No patient data: only the board's name, the number of cases and a link.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar, Event, vUri

from mtb.accounts.models import User
from mtb.db import utcnow
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.i18n import ngettext
from mtb.meetings.models import Meeting
from mtb.meetings.queries import item_counts
from mtb.notifications.services import absolute_url, in_language_of

#: The feed shows meetings from this long ago, and everything ahead.
FEED_PAST = timedelta(weeks=8)
#: Shorter tokens are not looked up (they were never issued).
MIN_TOKEN_LENGTH = 20


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc)


#: The domain part of event UIDs when CALENDAR_UID_DOMAIN is not configured. UIDs must
#: never change (calendar apps would duplicate the events), so they do not follow BASE_URL.
DEFAULT_UID_DOMAIN = "mtb.calendar"


def uid_domain() -> str:
    return (current_app.config.get("CALENDAR_UID_DOMAIN") or DEFAULT_UID_DOMAIN).strip()


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.id}@{uid_domain()}"


def meeting_event(meeting: Meeting, case_count: int) -> Event:
    board = meeting.board
    url = absolute_url("meetings.view", meeting_id=meeting.id)
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", _aware(meeting.updated_at or utcnow()))
    event.add("dtstart", _aware(meeting.starts_at))
    event.add("dtend", _aware(meeting.ends_at))
    event.add("sequence", meeting.ical_sequence)
    cancelled = meeting.is_cancelled
    summary = _("MTB %(board)s", board=board.name)
    event.add("summary", (_("Cancelled: %(summary)s", summary=summary) if cancelled else summary))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    place = " · ".join(p for p in (meeting.location, meeting.video_link) if p)
    if place:
        event.add("location", place)
    if meeting.agenda_publications or cancelled:
        lines = [ngettext("%(num)d case on the agenda.", "%(num)d cases on the agenda.", case_count)]
    else:
        lines = [_("Agenda not yet published.")]
    if cancelled and meeting.cancelled_reason:
        lines.append(_("Cancelled: %(reason)s", reason=meeting.cancelled_reason))
    if meeting.video_link and not cancelled:
        lines.append(_("Video call: %(link)s", link=meeting.video_link))
        # RFC 7986: calendar apps show a "join" button for it.
        event.add("conference", vUri(meeting.video_link),
                  parameters={"VALUE": "URI", "FEATURE": "VIDEO", "LABEL": _("Video call")})
    lines.append(url)
    event.add("description", "\n".join(lines))
    event.add("url", url)
    return event


def calendar_for(meetings: list[Meeting], name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//MTB molecular tumour board//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    counts = item_counts(m.id for m in meetings)
    for meeting in meetings:
        cal.add_component(meeting_event(meeting, counts.get(meeting.id, 0)))
    return cal.to_ical()


def meeting_ics(meeting: Meeting) -> bytes:
    return calendar_for([meeting], _("MTB %(board)s", board=meeting.board.name))


def feed_for(user, now: datetime | None = None) -> bytes:
    """The user's private feed: meetings of their boards (recent and ahead, cancelled
    included), in the language of their account: a calendar app asks without a login, in
    whatever language its device says."""
    with in_language_of(user):
        return _feed(user, now)


def _feed(user, now: datetime | None) -> bytes:
    now = now or utcnow()
    board_ids = user.board_ids()
    meetings = []
    if board_ids:
        meetings = list(db.session.scalars(
            sa.select(Meeting).where(Meeting.board_id.in_(board_ids), Meeting.starts_at >= now - FEED_PAST)
            .order_by(Meeting.starts_at)
        ))
    return calendar_for(meetings, _("MTB meetings"))


def feed_owner(token: str) -> User | None:
    """The active user whose private feed this secret token opens, or None."""
    if len(token) < MIN_TOKEN_LENGTH:
        return None
    user = db.session.scalar(sa.select(User).where(User.calendar_token == token))
    return user if user is not None and user.active else None
