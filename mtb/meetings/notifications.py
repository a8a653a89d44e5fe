"""The e-mails of the meetings part: who is told, with which subject; the bodies are
text templates in ``templates/meetings/emails/``.

Messages are queued in the outbox in the caller's transaction (``notify``); a dedupe
key keeps a message from being queued twice. Each is written in its recipient's language
(``in_language_of``): subjects, bodies and dates are composed per person.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template

from mtb.accounts.models import Role, User
from mtb.accounts.queries import board_people
from mtb.cases.models import Case
from mtb.db import utcnow
from mtb.formatting import local_datetime, to_local
from mtb.i18n import gettext as _
from mtb.meetings.display import item_start_times, when_label
from mtb.meetings.models import AgendaItem, Meeting
from mtb.notifications.models import NotificationKind
from mtb.notifications.services import absolute_url, in_language_of, notify, worded_once

#: Everyone who sits on a board's meetings (clinicians come for their own cases).
BOARD_ROLES = (Role.MEMBER, Role.CHAIR, Role.SECRETARY)


def _body(name: str, **context) -> str:
    return render_template(f"meetings/emails/{name}.txt", **context)


def place_line(meeting: Meeting) -> str:
    """Where the meeting is: the room, and the video-conference link on a line of its own
    (mail clients make a bare link clickable)."""
    lines = []
    if meeting.location:
        lines.append(_("Place: %(place)s", place=meeting.location))
    if meeting.video_link:
        lines.append(_("Video call: %(link)s", link=meeting.video_link))
    return "\n".join(lines)


def board_members(meeting: Meeting) -> dict[int, User]:
    return {u.id: u for u in board_people(meeting.board_id, *BOARD_ROLES)}


def attendees(meeting: Meeting) -> dict[int, User]:
    """The board's people and the submitters of the cases on the agenda."""
    people = board_members(meeting)
    for item in meeting.items:
        people.setdefault(item.case.submitter_id, item.case.submitter)
    return people


def _case_url(case: Case) -> str:
    # The cases pages are optional in a trimmed-down app: fall back to the board's meetings.
    if "cases.view" in current_app.view_functions:
        return absolute_url("cases.view", case_id=case.id)
    return absolute_url("meetings.board_meetings", slug=case.board.slug)


# --- Agenda -------------------------------------------------------------------------

def agenda_published(meeting: Meeting, first: bool) -> int:
    """Tell the board's people and each case's submitter that the agenda is published
    (``first``) or changed; returns the number of e-mails queued."""
    board = meeting.board
    kind = NotificationKind.AGENDA_PUBLISHED if first else NotificationKind.AGENDA_CHANGED
    members = board_members(meeting)
    own: dict[int, list[AgendaItem]] = {}
    for item in meeting.items:
        own.setdefault(item.case.submitter_id, []).append(item)
    recipients = dict(members)
    for items in own.values():
        recipients.setdefault(items[0].case.submitter_id, items[0].case.submitter)
    context = dict(meeting=meeting, board=board, first=first, starts=item_start_times(meeting),
                   url=absolute_url("meetings.view", meeting_id=meeting.id))
    queued = 0
    for person in recipients.values():
        with in_language_of(person):
            when = when_label(meeting)
            subject = (_("Agenda of the %(board)s meeting, %(when)s", board=board.name, when=when) if first
                       else _("Agenda changed: %(board)s meeting, %(when)s", board=board.name, when=when))
            body = _body("agenda", for_board=person.id in members, own_items=own.get(person.id, []), when=when,
                         place=place_line(meeting), **context)
        if notify(person, kind, subject, body,
                  dedupe_key=f"agenda:{meeting.id}:{meeting.agenda_publications}:user:{person.id}"):
            queued += 1
    return queued


def case_taken_off(case: Case, meeting: Meeting) -> None:
    """The submitter of a case taken off a published agenda."""
    with in_language_of(case.submitter):
        when = when_label(meeting)
        subject = _("%(ref)s: taken off the agenda of %(when)s", ref=case.reference, when=when)
        body = _body("case_taken_off", case=case, board=meeting.board, when=when)
    notify(case.submitter, NotificationKind.CASE_RETURNED_TO_POOL, subject, body)


def case_carried_over(case: Case, meeting: Meeting, target: Meeting) -> None:
    """The submitter of a case not discussed at ``meeting``, now on ``target``'s agenda."""
    with in_language_of(case.submitter):
        when = when_label(target)
        subject = _("%(ref)s carried over to %(when)s", ref=case.reference, when=when)
        body = _body("case_carried_over", case=case, board=meeting.board, old=when_label(meeting), when=when,
                     url=absolute_url("meetings.view", meeting_id=target.id))
    notify(case.submitter, NotificationKind.CASE_CARRIED_OVER, subject, body,
           dedupe_key=f"carried:{meeting.id}:case:{case.id}")


def case_moved_back(case: Case, meeting: Meeting, later: Meeting) -> None:
    """The submitter of an urgent case moved to a meeting in session, then taken off it
    again: it is back on ``later``'s agenda, where it was."""
    with in_language_of(case.submitter):
        when = when_label(later)
        subject = _("%(ref)s: back on the agenda of %(when)s", ref=case.reference, when=when)
        body = _body("case_moved_back", case=case, board=meeting.board, old=when_label(meeting), when=when,
                     url=absolute_url("meetings.view", meeting_id=later.id))
    notify(case.submitter, NotificationKind.AGENDA_CHANGED, subject, body)


def case_added_in_session(case: Case, meeting: Meeting) -> None:
    """The submitter of an urgent case added to a meeting already in session: now is the
    time to join it."""
    with in_language_of(case.submitter):
        when = when_label(meeting)
        subject = _("%(ref)s: added to the %(board)s meeting in session now", ref=case.reference,
                    board=meeting.board.name)
        body = _body("case_added_in_session", case=case, board=meeting.board, when=when,
                     place=place_line(meeting), url=_case_url(case))
    notify(case.submitter, NotificationKind.AGENDA_CHANGED, subject, body,
           dedupe_key=f"in-session:{meeting.id}:case:{case.id}")


# --- Meetings by hand ---------------------------------------------------------------

def meeting_moved(meeting: Meeting, before) -> None:
    """Everyone who comes to the meeting: its new date, length or place."""
    board = meeting.board

    def compose() -> tuple[str, str]:
        when = when_label(meeting)
        return (_("%(board)s meeting moved to %(when)s", board=board.name, when=when),
                _body("meeting_moved", meeting=meeting, board=board, when=when,
                      old=local_datetime(before, board.timezone), place=place_line(meeting),
                      url=absolute_url("meetings.view", meeting_id=meeting.id)))

    worded = worded_once(compose)
    for person in attendees(meeting).values():
        subject, body = worded(person)
        notify(person, NotificationKind.MEETING_MOVED, subject, body,
               dedupe_key=f"moved:{meeting.id}:{meeting.ical_sequence}:user:{person.id}")


def case_back_in_pool(case: Case, meeting: Meeting, reason: str) -> None:
    """The submitter of a case whose meeting is cancelled."""
    with in_language_of(case.submitter):
        subject = _("%(ref)s: meeting cancelled, case back in the pool", ref=case.reference)
        body = _body("case_back_in_pool", case=case, board=meeting.board, when=when_label(meeting), reason=reason,
                     url=_case_url(case))
    notify(case.submitter, NotificationKind.CASE_RETURNED_TO_POOL, subject, body,
           dedupe_key=f"cancelled:{meeting.id}:case:{case.id}")


def meeting_cancelled(meeting: Meeting, people: dict[int, User], reason: str) -> None:
    """``people`` (taken before the cases left the agenda): the meeting will not take place."""
    board = meeting.board

    def compose() -> tuple[str, str]:
        when = when_label(meeting)
        return (_("%(board)s meeting of %(when)s cancelled", board=board.name, when=when),
                _body("meeting_cancelled", board=board, when=when, reason=reason,
                      url=absolute_url("meetings.board_meetings", slug=board.slug)))

    worded = worded_once(compose)
    for person in people.values():
        subject, body = worded(person)
        notify(person, NotificationKind.MEETING_CANCELLED, subject, body,
               dedupe_key=f"cancelled:{meeting.id}:user:{person.id}")


# --- Reminders (the subject, the body, the dedupe key) ----------------------------------

def cutoff_reminder(meeting: Meeting, cases: list[Case]) -> tuple[str, str, str]:
    """To a submitter with drafts for the board, before the meeting's cut-off."""
    with in_language_of(cases[0].submitter):
        board = meeting.board
        cutoff = local_datetime(meeting.cutoff_at, board.timezone)
        subject = _("Cut-off %(cutoff)s: your drafts for %(board)s", cutoff=cutoff, board=board.name)
        body = _body("cutoff_reminder", board=board, when=when_label(meeting), cutoff=cutoff, cases=cases)
        return subject, body, f"cutoff:{meeting.id}:{meeting.cutoff_at:%Y%m%d%H%M}:user:{cases[0].submitter_id}"


def agenda_to_build(meeting: Meeting, waiting: int, secretary: User) -> tuple[str, str, str]:
    """To a secretary, once the cut-off passed with cases proposed for the meeting."""
    with in_language_of(secretary):
        board = meeting.board
        when = when_label(meeting)
        subject = _("Agenda to build: %(board)s meeting, %(when)s", board=board.name, when=when)
        body = _body("agenda_to_build", board=board, when=when, waiting=waiting,
                     agenda_url=absolute_url("meetings.agenda", meeting_id=meeting.id))
        return subject, body, f"agenda-to-build:{meeting.id}:{meeting.cutoff_at:%Y%m%d%H%M}:user:{secretary.id}"


def meeting_reminder(meeting: Meeting, person: User, waiting: int | None,
                     now: datetime | None = None) -> tuple[str, str, str]:
    """To the board's people the day before; ``waiting`` (a secretary's copy of a meeting
    whose agenda is not published): how many proposed cases are still in the pool.
    A meeting planned, or a scheduler started, less than a day ahead is reminded the same
    day: the subject then says "Today", in the board's calendar."""
    with in_language_of(person):
        board = meeting.board
        when = when_label(meeting)
        today = to_local(now or utcnow(), board.timezone).date()
        if to_local(meeting.starts_at, board.timezone).date() <= today:
            subject = _("Today: %(board)s meeting, %(when)s", board=board.name, when=when)
        else:
            subject = _("Tomorrow: %(board)s meeting, %(when)s", board=board.name, when=when)
        body = _body("meeting_reminder", meeting=meeting, board=board, when=when, place=place_line(meeting),
                     waiting=waiting, url=absolute_url("meetings.view", meeting_id=meeting.id),
                     agenda_url=absolute_url("meetings.agenda", meeting_id=meeting.id))
        return subject, body, f"meeting-reminder:{meeting.id}:{meeting.starts_at:%Y%m%d%H%M}:user:{person.id}"
