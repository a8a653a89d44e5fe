"""Who is in the room: members present (with the specialty they sit with), guests, and
members recused on a case for a conflict of interest. Each change moves the drafts'
quorum with it."""

from __future__ import annotations

import sqlalchemy as sa

from mtb.accounts.models import Role
from mtb.accounts.queries import Person, board_persons
from mtb.audit import services as audit
from mtb.decisions import queries
from mtb.decisions.models import Attendance, Recusal
from mtb.decisions.quorum import entries_filled, present_when_decided, refresh_draft_quorum
from mtb.decisions.session import is_running, require_run
from mtb.errors import InvalidInput, NotAllowed, NotFound
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.meetings.models import AgendaItem, Meeting
from mtb.text import clean_text
from mtb.vocab import Specialty

NAME_MAX = 200
NOTE_MAX = 300


def members(meeting: Meeting, attendance: list[Attendance] | None = None) -> list[Person]:
    """Active members and chairs of the board: the people whose attendance is recorded; and
    whoever is recorded present though no longer one (an account disabled, a role taken
    away since they sat): their row stays theirs, never dropped unseen from the quorum.
    ``attendance``: the meeting's rows, when the caller has them."""
    people = board_persons(meeting.board_id, Role.MEMBER, Role.CHAIR)
    listed = {person.id for person in people}
    rows = queries.attendances(meeting) if attendance is None else attendance
    former = [Person(row.user.id, row.user.full_name, row.user.specialty)
              for row in rows if row.user is not None and row.user_id not in listed]
    return sorted(people + former, key=lambda person: (person.full_name, person.id)) if former else people


def _require_attendance_open(meeting: Meeting) -> None:
    if not is_running(meeting):
        raise InvalidInput(None, _("Attendance is recorded once the meeting has started, until the minutes are signed."))


def record_attendance(meeting: Meeting, user, present: dict[int, str | None]) -> None:
    """Set which members were present, with the specialty they sat with.

    ``present`` maps a member's user id to a Specialty value (or None: their profile's).
    Members not in ``present`` are marked absent. Guests are left untouched.
    """
    require_run(meeting, user)
    _require_attendance_open(meeting)
    rows = queries.attendances(meeting)
    people = {m.id: m for m in members(meeting, rows)}
    if set(present) - set(people):
        raise InvalidInput("attendance", _("Only members of the board can be recorded as present."))
    existing = {a.user_id: a for a in rows if a.user_id is not None}
    sitting = {}
    for user_id, specialty in present.items():
        try:
            sitting[user_id] = Specialty(specialty) if specialty else people[user_id].specialty
        except ValueError:
            raise InvalidInput(f"specialty-{user_id}", _("Unknown specialty."))
    _require_decided_quorums_kept(meeting, existing, sitting)
    changes = {}
    for user_id, spec in sitting.items():
        row = existing.pop(user_id, None)
        if row is None:
            db.session.add(Attendance(meeting_id=meeting.id, user_id=user_id, specialty=spec))
            changes[str(user_id)] = spec.value if spec else None
        elif row.specialty != spec:
            row.specialty = spec
            changes[str(user_id)] = spec.value if spec else None
    for user_id, row in existing.items():
        db.session.delete(row)
        changes[str(user_id)] = "absent"
    if changes:
        audit.record("meeting.attendance", meeting, board_id=meeting.board_id, user=user, details=changes)
    db.session.flush()
    refresh_draft_quorum(meeting)


def _require_decided_quorums_kept(meeting: Meeting, existing: dict[int, Attendance],
                                  sitting: dict[int, Specialty | None]) -> None:
    """A validated decision's minutes and letter print its quorum as it stood when the board
    decided (``quorum.quorum_when_decided``): the members counted then stay recorded, with
    the specialty they sat with. Members arriving later change nothing there."""
    decided = [d for d in queries.validated_of(meeting) if d.decided_at is not None]
    if not decided:
        return
    recusals = queries.recusals_by_item(meeting)
    names, references = {}, {}  # dicts as ordered sets
    for decision in decided:
        recused = {r.user_id for r in recusals.get(decision.agenda_item_id, [])}
        for row in present_when_decided(decision, list(existing.values())):
            now = entries_filled(meeting, sitting[row.user_id]) if row.user_id in sitting else frozenset()
            if row.user_id not in recused and entries_filled(meeting, row.specialty) != now:
                names[row.name] = references[decision.case.reference] = None
    if names:
        raise InvalidInput("attendance", _(
            "%(names)s counted for the quorum of the decision validated on %(refs)s, which the minutes and the "
            "letter print as it stood then: they stay recorded as present, with the specialty they sat with.",
            names=", ".join(names), refs=", ".join(references)))


def add_guest(meeting: Meeting, user, name: str, role: str) -> Attendance:
    require_run(meeting, user)
    _require_attendance_open(meeting)
    name, role = (name or "").strip(), (role or "").strip()
    if not name:
        raise InvalidInput("guest_name", _("Give the guest's name."))
    if len(name) > NAME_MAX:
        raise InvalidInput("guest_name", _("At most 200 characters."))
    if not role:
        raise InvalidInput("guest_role", _("Give the guest's role or specialty (e.g. research nurse, external pathologist)."))
    if len(role) > NAME_MAX:
        raise InvalidInput("guest_role", _("At most 200 characters."))
    guest = Attendance(meeting_id=meeting.id, guest_name=name, guest_role=role)
    db.session.add(guest)
    audit.record("meeting.guest_add", meeting, board_id=meeting.board_id, user=user, details={"guest": name})
    db.session.flush()
    return guest


def remove_guest(meeting: Meeting, user, attendance_id: int) -> None:
    require_run(meeting, user)
    _require_attendance_open(meeting)
    guest = db.session.get(Attendance, attendance_id)
    if guest is None or guest.meeting_id != meeting.id or not guest.is_guest:
        raise NotFound(attendance_id)
    audit.record("meeting.guest_remove", meeting, board_id=meeting.board_id, user=user,
                 details={"guest": guest.guest_name})
    db.session.delete(guest)
    db.session.flush()


def _require_undecided(item: AgendaItem) -> None:
    """A validated decision was taken with its quorum, which the minutes and the letter
    print: a recusal changed after it would contradict them."""
    if queries.current_validated(item.id) is not None:
        raise InvalidInput("member_id", _(
            "The decision on %(ref)s is validated with the members counted then: conflicts of interest are "
            "declared before the decision is validated.", ref=item.case.reference))


def declare_conflict(item: AgendaItem, user, member_id: int, note: str | None) -> Recusal:
    """Record that a present member has a conflict of interest on this case: recused on it."""
    meeting = item.meeting
    require_run(meeting, user)
    _require_attendance_open(meeting)
    _require_undecided(item)
    present_ids = {a.user_id for a in queries.attendances(meeting) if a.user_id is not None}
    if member_id not in present_ids:
        raise InvalidInput("member_id", _("Choose a member recorded as present."))
    note = clean_text(note)
    if note and len(note) > NOTE_MAX:
        raise InvalidInput("note", _("At most 300 characters."))
    existing = db.session.scalar(sa.select(Recusal).where(Recusal.agenda_item_id == item.id, Recusal.user_id == member_id))
    if existing is not None:
        existing.note = note or existing.note
        recusal = existing
    else:
        recusal = Recusal(agenda_item_id=item.id, user_id=member_id, note=note, declared_by_id=user.id)
        db.session.add(recusal)
    audit.record("meeting.conflict_declared", item.case, user=user,
                 details={"meeting_id": meeting.id, "member_id": member_id})
    db.session.flush()
    refresh_draft_quorum(meeting)
    return recusal


def withdraw_conflict(item: AgendaItem, user, recusal_id: int) -> None:
    meeting = item.meeting
    require_run(meeting, user)
    _require_attendance_open(meeting)
    recusal = db.session.get(Recusal, recusal_id)
    if recusal is None or recusal.agenda_item_id != item.id:
        raise NotFound(recusal_id)
    _require_undecided(item)
    audit.record("meeting.conflict_withdrawn", item.case, user=user,
                 details={"meeting_id": meeting.id, "member_id": recusal.user_id})
    db.session.delete(recusal)
    db.session.flush()
    refresh_draft_quorum(meeting)


# --- A member's own declarations, before or during the meeting ---------------------------

def may_declare_own(meeting: Meeting, user) -> bool:
    """Members and chairs of the board declare their own conflicts of interest on the cases
    of a published agenda, until the session ends. Fails closed."""
    return (meeting.can_view(user) and user.has_role(meeting.board_id, Role.MEMBER, Role.CHAIR)
            and ((meeting.is_open and meeting.has_published_agenda) or meeting.is_in_session))


def own_recusals(meeting: Meeting, user) -> dict[int, Recusal]:
    """The user's recusals on this meeting's cases, by agenda item."""
    return {r.agenda_item_id: r for rows in queries.recusals_by_item(meeting).values() for r in rows
            if r.user_id == user.id}


def declare_own_conflict(item: AgendaItem, user, note: str | None) -> Recusal:
    """A member declares a conflict of interest on a case of the agenda: recused on it (not
    counted for its quorum, named in the minutes). Declaring again updates the note."""
    meeting = item.meeting
    if not may_declare_own(meeting, user):
        raise NotAllowed(_("Members of the board declare their conflicts of interest while the agenda is "
                           "published, until the meeting closes."))
    _require_undecided(item)
    note = clean_text(note)
    if note and len(note) > NOTE_MAX:
        raise InvalidInput("note", _("At most 300 characters."))
    recusal = db.session.scalar(sa.select(Recusal).where(Recusal.agenda_item_id == item.id, Recusal.user_id == user.id))
    if recusal is None:
        recusal = Recusal(agenda_item_id=item.id, user_id=user.id, note=note, declared_by_id=user.id)
        db.session.add(recusal)
    else:
        recusal.note = note or recusal.note
    audit.record("meeting.conflict_declared", item.case, user=user,
                 details={"meeting_id": meeting.id, "member_id": user.id, "by_member": True})
    db.session.flush()
    refresh_draft_quorum(meeting)
    return recusal


def withdraw_own_conflict(item: AgendaItem, user) -> None:
    """A member withdraws a declaration they made themselves (one the secretary recorded in
    session is withdrawn there)."""
    meeting = item.meeting
    if not may_declare_own(meeting, user):
        raise NotAllowed(_("Members of the board declare their conflicts of interest while the agenda is "
                           "published, until the meeting closes."))
    recusal = db.session.scalar(sa.select(Recusal).where(Recusal.agenda_item_id == item.id, Recusal.user_id == user.id))
    if recusal is None or not recusal.is_self_declared:
        raise NotFound(item.id)
    _require_undecided(item)
    audit.record("meeting.conflict_withdrawn", item.case, user=user,
                 details={"meeting_id": meeting.id, "member_id": user.id, "by_member": True})
    db.session.delete(recusal)
    db.session.flush()
    refresh_draft_quorum(meeting)
