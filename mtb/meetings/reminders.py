"""Reminders, sent by the scheduler: drafts before a cut-off, the agenda to build once it
passed, the meeting the day before.

Each reminder is queued once (a dedupe key per meeting, time and person), even when two
schedulers run the job at the same moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mtb.accounts.models import Role
from mtb.accounts.queries import board_people
from mtb.boards.models import MAX_CUTOFF_HOURS
from mtb.db import utcnow
from mtb.meetings import notifications
from mtb.meetings.models import Meeting
from mtb.meetings.pool import due_count
from mtb.meetings.queries import drafts_by_submitter, open_meetings_between
from mtb.notifications.models import NotificationKind
from mtb.notifications.services import notify_once

#: Submitters with drafts are reminded from this long before a meeting's cut-off.
CUTOFF_NOTICE = timedelta(hours=48)
#: The job looks at the open meetings whose cut-off may fall within CUTOFF_NOTICE: a
#: board's cut-off can be up to two weeks before the meeting, its drafts reminder 48 h more.
LOOKAHEAD = timedelta(hours=MAX_CUTOFF_HOURS) + CUTOFF_NOTICE
#: The board is reminded of a meeting from this long before it starts.
MEETING_NOTICE = timedelta(hours=24)


def send_reminders(now: datetime | None = None) -> int:
    """Scheduler job: every reminder due at ``now``; returns how many were queued."""
    now = now or utcnow()
    queued = 0
    for meeting in open_meetings_between(now, now + LOOKAHEAD):
        if now < meeting.cutoff_at <= now + CUTOFF_NOTICE:
            queued += remind_drafts(meeting)
        waiting = None
        if meeting.cutoff_at <= now and not meeting.has_published_agenda:
            waiting = due_count(meeting, now)
            queued += remind_agenda_to_build(meeting, waiting)
        if meeting.starts_at <= now + MEETING_NOTICE:
            queued += remind_meeting(meeting, now, waiting)
    return queued


def remind_drafts(meeting: Meeting) -> int:
    """Submitters with drafts for the board: submit them before the cut-off."""
    queued = 0
    for cases in drafts_by_submitter(meeting.board_id).values():
        subject, body, key = notifications.cutoff_reminder(meeting, cases)
        queued += int(notify_once(cases[0].submitter, NotificationKind.CUTOFF_REMINDER, subject, body, key))
    return queued


def remind_agenda_to_build(meeting: Meeting, waiting: int) -> int:
    """The cut-off passed with ``waiting`` cases proposed: the secretaries build the agenda."""
    if not waiting:
        return 0
    queued = 0
    for secretary in board_people(meeting.board_id, Role.SECRETARY):
        subject, body, key = notifications.agenda_to_build(meeting, waiting, secretary)
        queued += int(notify_once(secretary, NotificationKind.AGENDA_TO_BUILD, subject, body, key))
    return queued


def remind_meeting(meeting: Meeting, now: datetime, waiting: int | None = None) -> int:
    """The board's people, the day before. While the agenda is not published, the
    secretaries' reminder also says how many proposed cases wait (``waiting``, counted
    here when not given)."""
    secretaries = {u.id for u in board_people(meeting.board_id, Role.SECRETARY)}
    if secretaries and not meeting.has_published_agenda and waiting is None:
        waiting = due_count(meeting, now)
    queued = 0
    for person in board_people(meeting.board_id, *notifications.BOARD_ROLES):
        still_to_do = waiting if person.id in secretaries and not meeting.has_published_agenda else None
        subject, body, key = notifications.meeting_reminder(meeting, person, still_to_do, now)
        queued += int(notify_once(person, NotificationKind.MEETING_REMINDER, subject, body, key))
    return queued
