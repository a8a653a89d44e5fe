"""Running a meeting: start and close it, attendance, conflicts of interest, quorum,
and the board's decisions (drafts, the chair's validation, corrections).

Rules decided here (see also the report of issue 4):

- Quorum is counted per agenda item: members present with the specialty they sat
  with, minus those recused on that item. Guests never make quorum. A decision
  taken without quorum is allowed and carries ``quorum_met = False`` and the
  missing specialties, shown wherever the decision appears (pages, minutes, letter).
  The quorum of a draft follows attendance; validation freezes it.
- A decision is a draft until a chair of the board validates it; then it is locked.
  A correction is a new version with a reason; once validated it supersedes the
  previous one, which stays readable.
- Publication: decisions are published when the chair signs the minutes (the
  minutes are the board's record; a validated decision of an unsigned meeting is
  visible to the board only). A correction validated after signing is published at
  once, with a new minutes version (see mtb/minutes/services.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from mtb.accounts.models import BoardRole, Role, User
from mtb.audit import services as audit
from mtb.cases.lifecycle import change_status
from mtb.cases.models import Case, CaseStatus
from mtb.db import utcnow
from mtb.decisions.models import (
    AccessRoute,
    Attendance,
    Decision,
    DecisionStatus,
    Recommendation,
    RecommendationKind,
    Recusal,
)
from mtb.errors import ConflictError, InvalidInput, NotAllowed, NotFound
from mtb.extensions import db
from mtb.formatting import local_datetime
from mtb.meetings.models import AgendaItem, ItemOutcome, Meeting, MeetingStatus
from mtb.vocab import ESCAT_TIERS, ONCOKB_LEVELS, SPECIALTY_LABELS, Specialty

#: Meeting statuses in which the session page may still change attendance and drafts.
RUNNING_STATUSES = (MeetingStatus.IN_SESSION, MeetingStatus.CLOSED)
#: Statuses in which a meeting can be started.
STARTABLE_STATUSES = (MeetingStatus.SCHEDULED, MeetingStatus.PUBLISHED)
#: Starting a meeting earlier than this before its scheduled start asks for a confirmation.
EARLY_START_MARGIN = timedelta(hours=2)

NCT_RE = re.compile(r"^NCT\d{8}$")
LOCAL_TRIAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{1,39}$")

#: Recommendation fields a form sends, and their maximum lengths.
RECOMMENDATION_FIELDS = {
    "kind": 32, "drug": 200, "biomarker_id": 20, "escat_tier": 8, "oncokb_level": 4,
    "access_route": 32, "trial_id": 40, "trial_site": 200, "test_name": 200, "test_sample": 200,
    "rationale": 5000,
}
#: Which fields each kind keeps (the others are cleared when saved).
KIND_FIELDS = {
    RecommendationKind.TARGETED_THERAPY: ("drug", "biomarker_id", "escat_tier", "oncokb_level", "access_route"),
    RecommendationKind.CLINICAL_TRIAL: ("trial_id", "trial_site"),
    RecommendationKind.FURTHER_TESTING: ("test_name", "test_sample"),
    RecommendationKind.GERMLINE_COUNSELLING: (),
    RecommendationKind.STANDARD_OF_CARE: (),
    RecommendationKind.NO_ACTIONABLE: (),
    RecommendationKind.REDISCUSS: (),
}
SUMMARY_MAX = 20000


class AlreadyValidated(NotAllowed):
    """The chair validates a version that is no longer a draft (a double submit, a second tab)."""


class DecisionInvalid(InvalidInput):
    """Several fields of a decision form are wrong; ``errors`` maps form field names to messages."""

    def __init__(self, errors: dict[str, str]):
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_field, first_message)
        self.errors = errors


# --- Who may do what ---------------------------------------------------------

def is_chair(user, board_id: int) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and user.is_active
                and user.has_role(board_id, Role.CHAIR))


def can_run(meeting: Meeting, user) -> bool:
    """The secretary and the chair run the session page."""
    return meeting.can_manage(user) or is_chair(user, meeting.board_id)


def require_run(meeting: Meeting, user) -> None:
    if not can_run(meeting, user):
        raise NotAllowed(_("Only the board's secretary or chair can run this meeting."))


def lock_row(model, obj) -> None:
    """SELECT ... FOR UPDATE on the object's row (until the request's commit); a no-op on SQLite."""
    db.session.execute(sa.select(model.id).where(model.id == obj.id).with_for_update())


def get_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(meeting_id)
    return meeting


def get_item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise NotFound(item_id)
    return item


def get_decision(decision_id: int) -> Decision:
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        raise NotFound(decision_id)
    return decision


# --- Meeting status ------------------------------------------------------------

class EarlyStart(InvalidInput):
    """Starting more than EARLY_START_MARGIN before the scheduled start needs an explicit confirmation."""

    def __init__(self, meeting: Meeting):
        super().__init__("confirm_early", _(
            "Scheduled for %(when)s: tick \"Start now anyway\" to open the session before then.",
            when=scheduled_label(meeting)))
        self.meeting = meeting


def scheduled_label(meeting: Meeting) -> str:
    """"Tuesday 2 December 2026, 14:00" in the board's zone."""
    return local_datetime(meeting.starts_at, meeting.board.timezone, "EEEE d MMMM yyyy, HH:mm")


def starts_early(meeting: Meeting, now=None) -> bool:
    """Would starting now be more than EARLY_START_MARGIN before the scheduled start?"""
    return (now or utcnow()) < meeting.starts_at - EARLY_START_MARGIN


def start_meeting(meeting: Meeting, user, *, confirm_early: bool = False) -> Meeting:
    """Open the session (scheduled or published meeting -> in session).

    More than two hours before the scheduled start (a wrong meeting picked, a test click)
    the secretary must confirm: EarlyStart otherwise.
    """
    require_run(meeting, user)
    if meeting.status is MeetingStatus.IN_SESSION:
        return meeting
    if meeting.status not in STARTABLE_STATUSES:
        raise InvalidInput(None, _("This meeting is %(status)s; only a scheduled meeting can be started.",
                                   status=meeting_status_label(meeting.status)))
    now = utcnow()
    early = starts_early(meeting, now)
    if early and not confirm_early:
        raise EarlyStart(meeting)
    meeting.status = MeetingStatus.IN_SESSION
    meeting.started_at = now
    audit.record("meeting.start", meeting, board_id=meeting.board_id, user=user,
                 details={"before_schedule": True, "scheduled": meeting.starts_at.isoformat()} if early else None)
    db.session.flush()
    return meeting


def pending_items(meeting: Meeting) -> list[AgendaItem]:
    return [item for item in meeting.items if item.outcome is ItemOutcome.PENDING]


def close_meeting(meeting: Meeting, user) -> Meeting:
    """End the session. Every item must have a recorded decision or be deferred;
    deferred items are carried over to the next meeting."""
    require_run(meeting, user)
    if meeting.status is not MeetingStatus.IN_SESSION:
        raise InvalidInput(None, _("Only a meeting in session can be closed."))
    pending = pending_items(meeting)
    if pending:
        references = ", ".join(item.case.reference for item in pending)
        raise InvalidInput(None, _(
            "The meeting cannot be closed yet: record a decision on, or defer, each case. Still open: %(refs)s.",
            refs=references))
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = utcnow()
    refresh_draft_quorum(meeting)
    audit.record("meeting.close", meeting, board_id=meeting.board_id, user=user)
    db.session.flush()
    from mtb.meetings.services import carry_over_undiscussed

    carry_over_undiscussed(meeting, user=user)
    db.session.flush()
    return meeting


def meeting_status_label(status: MeetingStatus) -> str:
    labels = {
        MeetingStatus.SCHEDULED: _("scheduled"), MeetingStatus.PUBLISHED: _("agenda published"),
        MeetingStatus.IN_SESSION: _("in session"), MeetingStatus.CLOSED: _("closed"),
        MeetingStatus.SIGNED: _("signed"), MeetingStatus.CANCELLED: _("cancelled"),
    }
    return labels[status]


# --- Attendance, conflicts, quorum -------------------------------------------------

def board_members(board_id: int) -> list[User]:
    """Active members and chairs of the board: the people whose attendance is recorded."""
    return list(db.session.scalars(
        sa.select(User).join(BoardRole, BoardRole.user_id == User.id)
        .where(BoardRole.board_id == board_id, BoardRole.role.in_([Role.MEMBER, Role.CHAIR]), User.active.is_(True))
        .distinct().order_by(User.full_name)
    ))


def attendances(meeting: Meeting) -> list[Attendance]:
    return list(db.session.scalars(
        sa.select(Attendance).where(Attendance.meeting_id == meeting.id).order_by(Attendance.id)
    ))


def _require_attendance_open(meeting: Meeting) -> None:
    if meeting.status not in RUNNING_STATUSES:
        raise InvalidInput(None, _("Attendance is recorded once the meeting has started, until the minutes are signed."))


def record_attendance(meeting: Meeting, user, present: dict[int, str | None]) -> None:
    """Set which members were present, with the specialty they sat with.

    ``present`` maps a member's user id to a Specialty value (or None: their profile's).
    Members not in ``present`` are marked absent. Guests are left untouched.
    """
    require_run(meeting, user)
    _require_attendance_open(meeting)
    members = {m.id: m for m in board_members(meeting.board_id)}
    unknown = set(present) - set(members)
    if unknown:
        raise InvalidInput("attendance", _("Only members of the board can be recorded as present."))
    existing = {a.user_id: a for a in attendances(meeting) if a.user_id is not None}
    changes = {}
    for user_id, specialty in present.items():
        try:
            spec = Specialty(specialty) if specialty else members[user_id].specialty
        except ValueError:
            raise InvalidInput(f"specialty-{user_id}", _("Unknown specialty."))
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


def add_guest(meeting: Meeting, user, name: str, role: str) -> Attendance:
    require_run(meeting, user)
    _require_attendance_open(meeting)
    name, role = (name or "").strip(), (role or "").strip()
    if not name:
        raise InvalidInput("guest_name", _("Give the guest's name."))
    if len(name) > 200:
        raise InvalidInput("guest_name", _("At most 200 characters."))
    if not role:
        raise InvalidInput("guest_role", _("Give the guest's role or specialty (e.g. research nurse, external pathologist)."))
    if len(role) > 200:
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


def declare_conflict(item: AgendaItem, user, member_id: int, note: str | None) -> Recusal:
    """Record that a present member has a conflict of interest on this case: recused on it."""
    meeting = item.meeting
    require_run(meeting, user)
    _require_attendance_open(meeting)
    present_ids = {a.user_id for a in attendances(meeting) if a.user_id is not None}
    if member_id not in present_ids:
        raise InvalidInput("member_id", _("Choose a member recorded as present."))
    note = (note or "").strip() or None
    if note and len(note) > 300:
        raise InvalidInput("note", _("At most 300 characters."))
    existing = db.session.scalar(sa.select(Recusal).where(Recusal.agenda_item_id == item.id, Recusal.user_id == member_id))
    if existing is not None:
        existing.note = note or existing.note
        recusal = existing
    else:
        recusal = Recusal(agenda_item_id=item.id, user_id=member_id, note=note)
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
    audit.record("meeting.conflict_withdrawn", item.case, user=user,
                 details={"meeting_id": meeting.id, "member_id": recusal.user_id})
    db.session.delete(recusal)
    db.session.flush()
    refresh_draft_quorum(meeting)


def recusals_by_item(meeting: Meeting) -> dict[int, list[Recusal]]:
    rows = db.session.scalars(
        sa.select(Recusal).join(AgendaItem, AgendaItem.id == Recusal.agenda_item_id)
        .where(AgendaItem.meeting_id == meeting.id).order_by(Recusal.id)
    )
    result: dict[int, list[Recusal]] = {}
    for row in rows:
        result.setdefault(row.agenda_item_id, []).append(row)
    return result


def specialty_entry_label(entry: str) -> str:
    """"molecular_biology|genetics" -> "Molecular biologist or Geneticist"."""
    labels = []
    for code in entry.split("|"):
        try:
            labels.append(str(SPECIALTY_LABELS[Specialty(code)]))
        except ValueError:
            labels.append(code)
    return _(" or ").join(labels)


@dataclass
class QuorumEntry:
    code: str
    label: str
    met: bool
    #: Names of the present, non-recused members who fill it.
    filled_by: list[str] = field(default_factory=list)


@dataclass
class Quorum:
    entries: list[QuorumEntry]

    @property
    def met(self) -> bool:
        return all(e.met for e in self.entries)

    @property
    def missing(self) -> list[str]:
        return [e.label for e in self.entries if not e.met]


def quorum_for(meeting: Meeting, item: AgendaItem | None = None, *, rows: list[Attendance] | None = None,
               recused_ids: set[int] | None = None) -> Quorum:
    """Quorum of the meeting, or of one item (recused members do not count on it)."""
    rows = attendances(meeting) if rows is None else rows
    if recused_ids is None:
        recused_ids = set()
        if item is not None:
            recused_ids = set(db.session.scalars(sa.select(Recusal.user_id).where(Recusal.agenda_item_id == item.id)))
    present = [a for a in rows if a.user_id is not None and a.user_id not in recused_ids and a.specialty]
    entries = []
    for entry in meeting.board.quorum_specialties or []:
        options = entry.split("|")
        filled_by = [a.name for a in present if a.specialty.value in options]
        entries.append(QuorumEntry(code=entry, label=specialty_entry_label(entry), met=bool(filled_by),
                                   filled_by=filled_by))
    return Quorum(entries)


def refresh_draft_quorum(meeting: Meeting) -> None:
    """Drafts follow attendance and recusals; validated decisions keep the quorum they were taken with."""
    drafts = list(db.session.scalars(
        sa.select(Decision).where(Decision.meeting_id == meeting.id, Decision.status == DecisionStatus.DRAFT)
    ))
    if not drafts:
        return
    rows = attendances(meeting)
    recusals = recusals_by_item(meeting)
    for decision in drafts:
        recused = {r.user_id for r in recusals.get(decision.agenda_item_id, [])}
        _apply_quorum(decision, quorum_for(meeting, rows=rows, recused_ids=recused))
    db.session.flush()


def _apply_quorum(decision: Decision, quorum: Quorum) -> None:
    missing = quorum.missing
    if decision.quorum_met != quorum.met or (decision.quorum_missing or []) != missing:
        decision.quorum_met = quorum.met
        decision.quorum_missing = missing


# --- Decisions ---------------------------------------------------------------

def versions_of(item: AgendaItem) -> list[Decision]:
    """Every version of the decision on an item, newest first."""
    return list(db.session.scalars(
        sa.select(Decision).where(Decision.agenda_item_id == item.id)
        .options(selectinload(Decision.recommendations)).order_by(Decision.version.desc())
    ))


def latest_decision(item: AgendaItem) -> Decision | None:
    return db.session.scalar(
        sa.select(Decision).where(Decision.agenda_item_id == item.id).order_by(Decision.version.desc()).limit(1)
    )


def latest_by_item(meeting: Meeting) -> dict[int, Decision]:
    """The newest version for each item of the meeting (one query)."""
    rows = db.session.scalars(
        sa.select(Decision).where(Decision.meeting_id == meeting.id)
        .options(selectinload(Decision.recommendations)).order_by(Decision.version)
    )
    return {d.agenda_item_id: d for d in rows}


def current_validated(item_id: int) -> Decision | None:
    return db.session.scalar(
        sa.select(Decision).where(Decision.agenda_item_id == item_id, Decision.status == DecisionStatus.VALIDATED)
    )


def _clean(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def clean_recommendations(case: Case, raw: list[dict]) -> list[dict]:
    """Check the recommendations typed for ``case``; raise DecisionInvalid with every problem.

    Field names in errors are the form's: ``recommendations-<i>-<field>``.
    """
    errors: dict[str, str] = {}
    cleaned: list[dict] = []
    biomarkers = {b.id: b for b in case.biomarkers}
    for index, entry in enumerate(raw):
        name = f"recommendations-{index}-"
        values = {key: _clean(entry.get(key)) for key in RECOMMENDATION_FIELDS}
        for key, limit in RECOMMENDATION_FIELDS.items():
            if values[key] and len(values[key]) > limit:
                errors[name + key] = _("At most %(n)d characters.", n=limit)
        try:
            kind = RecommendationKind(values["kind"] or "")
        except ValueError:
            errors[name + "kind"] = _("Choose what the board recommends.")
            continue
        row: dict = {"kind": kind, "rationale": values["rationale"]}
        if kind is RecommendationKind.TARGETED_THERAPY:
            if not values["drug"]:
                errors[name + "drug"] = _("Name the drug.")
            biomarker = None
            if not values["biomarker_id"]:
                errors[name + "biomarker_id"] = _("Choose the case's biomarker this drug targets.")
            else:
                try:
                    biomarker = biomarkers.get(int(values["biomarker_id"]))
                except ValueError:
                    biomarker = None
                if biomarker is None:
                    errors[name + "biomarker_id"] = _("This biomarker is not one of this case's: choose among the case's biomarkers.")
            if not values["escat_tier"]:
                errors[name + "escat_tier"] = _("Give the ESCAT tier: it is required for a targeted therapy.")
            elif values["escat_tier"] not in ESCAT_TIERS:
                errors[name + "escat_tier"] = _("Unknown ESCAT tier: choose one of %(tiers)s.", tiers=", ".join(ESCAT_TIERS))
            if values["oncokb_level"] and values["oncokb_level"] not in ONCOKB_LEVELS:
                errors[name + "oncokb_level"] = _("Unknown OncoKB level: choose one of %(levels)s.", levels=", ".join(ONCOKB_LEVELS))
            access = None
            if not values["access_route"]:
                errors[name + "access_route"] = _("Choose the access route (approved, off-label, early access or compassionate use).")
            else:
                try:
                    access = AccessRoute(values["access_route"])
                except ValueError:
                    errors[name + "access_route"] = _("Unknown access route.")
            row.update(drug=values["drug"], biomarker=biomarker, escat_tier=values["escat_tier"],
                       oncokb_level=values["oncokb_level"], access_route=access)
        elif kind is RecommendationKind.CLINICAL_TRIAL:
            trial = values["trial_id"]
            if not trial:
                errors[name + "trial_id"] = _("Give the ClinicalTrials.gov id (NCT followed by 8 digits) or the local trial code.")
            elif trial.upper().startswith("NCT"):
                trial = trial.upper()
                if not NCT_RE.match(trial):
                    errors[name + "trial_id"] = _("A ClinicalTrials.gov id is NCT followed by 8 digits, e.g. NCT04613596.")
            elif not LOCAL_TRIAL_RE.match(trial):
                errors[name + "trial_id"] = _("A local trial code has 2 to 40 letters, digits and . _ / - (e.g. LYON-BIO-07).")
            row.update(trial_id=trial, trial_site=values["trial_site"])
        elif kind is RecommendationKind.FURTHER_TESTING:
            if not values["test_name"]:
                errors[name + "test_name"] = _("Say which test is recommended.")
            row.update(test_name=values["test_name"], test_sample=values["test_sample"])
        cleaned.append(row)
    if errors:
        raise DecisionInvalid(errors)
    return cleaned


def check_decision(case: Case, summary: str | None, recommendations: list[dict],
                   correction_reason: str | None = None, *, correction: bool = False) -> tuple[str, list[dict], str | None]:
    errors: dict[str, str] = {}
    summary = _clean(summary)
    reason = _clean(correction_reason)
    if correction and not reason:
        errors["correction_reason"] = _("Say why the decision is corrected: the reason is kept with the new version.")
    if reason and len(reason) > 5000:
        errors["correction_reason"] = _("At most %(n)d characters.", n=5000)
    if not summary:
        errors["summary"] = _("Summarise the discussion.")
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = _("At most %(n)d characters.", n=SUMMARY_MAX)
    if not recommendations:
        errors["recommendations"] = _("Add at least one recommendation.")
    cleaned: list[dict] = []
    try:
        cleaned = clean_recommendations(case, recommendations)
    except DecisionInvalid as error:
        errors.update(error.errors)
    if errors:
        raise DecisionInvalid(errors)
    return summary, cleaned, reason


def _set_recommendations(decision: Decision, cleaned: list[dict]) -> None:
    decision.recommendations.clear()
    db.session.flush()
    for position, row in enumerate(cleaned):
        biomarker = row.get("biomarker")
        decision.recommendations.append(Recommendation(
            position=position, kind=row["kind"], drug=row.get("drug"),
            biomarker_id=biomarker.id if biomarker is not None else None,
            biomarker_label=biomarker.label if biomarker is not None else None,
            escat_tier=row.get("escat_tier"), oncokb_level=row.get("oncokb_level"),
            access_route=row.get("access_route"), trial_id=row.get("trial_id"), trial_site=row.get("trial_site"),
            test_name=row.get("test_name"), test_sample=row.get("test_sample"), rationale=row.get("rationale"),
        ))


def _follow_case_status(case: Case, decision: Decision, user, validated: bool) -> None:
    """discussed when recorded, decided when validated, deferred when the board asks to re-discuss."""
    if decision.sends_back_to_pool:
        target = CaseStatus.DEFERRED
        note = _("Re-discuss at a later meeting")
    else:
        target = CaseStatus.DECIDED if validated else CaseStatus.DISCUSSED
        note = None
    if case.status is not target:
        change_status(case, target, user, note)


def _draft_conflict() -> ConflictError:
    return ConflictError(_(
        "Someone else saved the decision on this case while you were editing it. Their version is shown "
        "below and your text is kept in the form: compare them, then save again to replace their version "
        "with yours."))


def save_draft(item: AgendaItem, user, summary: str | None, recommendations: list[dict],
               row_version: int | None = None, correction_reason: str | None = None) -> Decision:
    """Record (or update) the draft decision on an item during the meeting.

    ``row_version`` is the draft's row_version when the form was loaded; None means the
    form was loaded when the item had no decision yet. Any other state now (someone saved
    since, or two first saves at once) is a ConflictError, never a silent overwrite.

    Raises DecisionInvalid (fields), NotAllowed (locked decision, wrong person, signed
    meeting) or ConflictError (someone saved the draft since this form was loaded).
    """
    meeting = item.meeting
    require_run(meeting, user)
    latest = latest_decision(item)
    if latest is not None and latest.is_locked:
        raise NotAllowed(_(
            "This decision was validated by the chair and is locked. To change it, make a correction: "
            "it becomes a new version with a reason, and this version stays readable."))
    if latest is None and meeting.status not in RUNNING_STATUSES:
        raise NotAllowed(_("Decisions are recorded while the meeting is in session (start the meeting first)."))
    if item.outcome is ItemOutcome.DEFERRED:
        raise NotAllowed(_("This case was deferred; undo the deferral before recording a decision."))
    expected = None if latest is None else latest.row_version
    if row_version != expected:
        raise _draft_conflict()
    correction = latest is not None and latest.version > 1
    summary, cleaned, reason = check_decision(item.case, summary, recommendations, correction_reason,
                                              correction=correction)
    try:
        if latest is None:
            decision = Decision(
                agenda_item_id=item.id, meeting_id=meeting.id, case_id=item.case_id, board_id=meeting.board_id,
                version=1, status=DecisionStatus.DRAFT, summary=summary, created_by_id=user.id,
            )
            db.session.add(decision)
            # Two first saves at once: the second INSERT breaks uq_decisions_agenda_item_id_version.
            db.session.flush()
            action = "decision.record"
        else:
            decision = latest
            decision.summary = summary
            if correction:
                decision.correction_reason = reason
            action = "decision.update"
        _set_recommendations(decision, cleaned)
        recused = {r.user_id for r in db.session.scalars(sa.select(Recusal).where(Recusal.agenda_item_id == item.id))}
        _apply_quorum(decision, quorum_for(meeting, recused_ids=recused))
        decision.updated_at = utcnow()
        item.outcome = ItemOutcome.DISCUSSED
        # Two updates at once: the second UPDATE ... WHERE row_version = <loaded> matches no row.
        db.session.flush()
    except (IntegrityError, StaleDataError) as error:
        # The transaction is unusable now: the view rolls back and shows the saved version.
        raise _draft_conflict() from error
    if decision.version == 1:
        _follow_case_status(item.case, decision, user, validated=False)
    audit.record(action, decision, board_id=meeting.board_id, user=user,
                 details={"case": item.case.reference, "version": decision.version})
    db.session.flush()
    return decision


def _correction_conflict(newer: Decision | None) -> ConflictError:
    if newer is not None:
        return ConflictError(_(
            "Someone else started a correction of this decision (version %(n)d) while you were editing yours. "
            "Your text is kept below: open version %(n)d to compare, and edit that draft instead.", n=newer.version))
    return ConflictError(_(
        "Someone else started a correction of this decision while you were editing yours. Your text is kept "
        "below: open the newer version to compare, and edit that draft instead."))


def correct(decision: Decision, user, summary: str | None, recommendations: list[dict],
            reason: str | None) -> Decision:
    """Start a correction of a validated decision: a new draft version with a reason."""
    meeting = decision.meeting
    require_run(meeting, user)
    latest = latest_decision(decision.agenda_item)
    if latest.id != decision.id:
        raise _correction_conflict(latest)
    if decision.status is not DecisionStatus.VALIDATED:
        raise NotAllowed(_("Only a validated decision is corrected; a draft is simply edited."))
    summary, cleaned, reason = check_decision(decision.case, summary, recommendations, reason, correction=True)
    new = Decision(
        agenda_item_id=decision.agenda_item_id, meeting_id=decision.meeting_id, case_id=decision.case_id,
        board_id=decision.board_id, version=decision.version + 1, status=DecisionStatus.DRAFT,
        summary=summary, correction_reason=reason, created_by_id=user.id,
        quorum_met=decision.quorum_met, quorum_missing=list(decision.quorum_missing or []),
    )
    db.session.add(new)
    try:
        # Two corrections at once: the second INSERT breaks uq_decisions_agenda_item_id_version.
        db.session.flush()
    except IntegrityError as error:
        raise _correction_conflict(None) from error
    _set_recommendations(new, cleaned)
    audit.record("decision.correct", new, board_id=new.board_id, user=user,
                 details={"case": decision.case.reference, "version": new.version, "reason": reason[:200]})
    db.session.flush()
    return new


def validate(decision: Decision, user, *, publish: bool = True) -> Decision:
    """The chair validates a draft: it is locked; a correction supersedes the previous version.

    On a signed meeting the correction is published at once with new minutes.
    """
    if not is_chair(user, decision.board_id):
        raise NotAllowed(_("Only a chair of the board can validate a decision."))
    # Lock the row: a double click sends two requests; the second waits, then finds it validated.
    lock_row(Decision, decision)
    db.session.refresh(decision, ["status"])
    if decision.status is not DecisionStatus.DRAFT:
        raise AlreadyValidated(_("This version is already validated and locked."))
    meeting = decision.meeting
    if meeting.status not in (*RUNNING_STATUSES, MeetingStatus.SIGNED):
        raise NotAllowed(_("Decisions are validated once the meeting has started."))
    now = utcnow()
    if decision.version == 1:
        # The quorum the decision was taken with: attendance and recusals as recorded now.
        recused = {r.user_id for r in db.session.scalars(
            sa.select(Recusal).where(Recusal.agenda_item_id == decision.agenda_item_id))}
        _apply_quorum(decision, quorum_for(meeting, recused_ids=recused))
    previous = current_validated(decision.agenda_item_id)
    if previous is not None and previous.id != decision.id:
        previous.status = DecisionStatus.SUPERSEDED
        previous.superseded_at = now
    decision.status = DecisionStatus.VALIDATED
    decision.validated_by_id = user.id
    decision.validated_at = now
    db.session.flush()
    _follow_case_status(decision.case, decision, user, validated=True)
    audit.record("decision.validate", decision, board_id=decision.board_id, user=user,
                 details={"case": decision.case.reference, "version": decision.version})
    db.session.flush()
    if publish and meeting.status is MeetingStatus.SIGNED:
        from mtb.minutes import services as minutes

        minutes.publish_correction(decision, user, previous)
    return decision


def defer_item(item: AgendaItem, user, note: str | None = None) -> None:
    """The board did not discuss the case (or postponed it): back to the pool, carried over at closing."""
    meeting = item.meeting
    require_run(meeting, user)
    if meeting.status is not MeetingStatus.IN_SESSION:
        raise NotAllowed(_("Cases are deferred while the meeting is in session."))
    if latest_decision(item) is not None:
        raise NotAllowed(_("A decision is recorded on this case. To send it back to a later meeting, "
                           "recommend \"Re-discuss at a later meeting\" instead."))
    note = (_clean(note) or "")[:300] or None
    item.outcome = ItemOutcome.DEFERRED
    if item.case.status is not CaseStatus.DEFERRED:
        change_status(item.case, CaseStatus.DEFERRED, user, note or _("Deferred at the meeting"))
    audit.record("meeting.item_deferred", item.case, user=user, details={"meeting_id": meeting.id})
    db.session.flush()


def undo_deferral(item: AgendaItem, user) -> None:
    meeting = item.meeting
    require_run(meeting, user)
    if meeting.status is not MeetingStatus.IN_SESSION or item.outcome is not ItemOutcome.DEFERRED:
        raise NotAllowed(_("Only a case deferred in this session can be brought back."))
    item.outcome = ItemOutcome.PENDING
    change_status(item.case, CaseStatus.SCHEDULED, user, _("Deferral undone"))
    audit.record("meeting.item_undeferred", item.case, user=user, details={"meeting_id": meeting.id})
    db.session.flush()


# --- Reading -------------------------------------------------------------------

def record_read(decision: Decision, user) -> None:
    audit.record("decision.view", decision, board_id=decision.board_id, user=user,
                 details={"case": decision.case.reference, "version": decision.version})


def item_state(item: AgendaItem, decision: Decision | None) -> str:
    """pending, deferred, draft, validated: the state shown in the session's item list."""
    if item.outcome is ItemOutcome.DEFERRED:
        return "deferred"
    if decision is None:
        return "pending"
    return "draft" if decision.status is DecisionStatus.DRAFT else "validated"


def case_panel(case: Case, user) -> dict | None:
    """Decisions on this case for the case page: versions the user may read, with letters."""
    rows = list(db.session.scalars(
        sa.select(Decision).where(Decision.case_id == case.id)
        .options(selectinload(Decision.recommendations), selectinload(Decision.meeting),
                 selectinload(Decision.letter))
        .order_by(Decision.meeting_id.desc(), Decision.version.desc())
    ))
    visible = [d for d in rows if d.can_view(user)]
    if not visible:
        return None
    for decision in visible:
        record_read(decision, user)
    return {"template": "decisions/_case_panel.html", "decisions": visible, "case": case}


def home_section(user) -> dict | None:
    """"Decisions published since your last visit" on the home page."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    board_ids = user.board_ids()
    visible = Decision.board_id.in_(board_ids) if board_ids else sa.false()
    mine = Decision.case_id.in_(sa.select(Case.id).where(Case.submitter_id == user.id))
    since = user.previous_login_at or (utcnow() - timedelta(days=30))
    query = (
        sa.select(Decision).join(Case, Case.id == Decision.case_id)
        .where(Decision.published_at.is_not(None), Decision.published_at > since, sa.or_(visible, mine))
        .options(selectinload(Decision.case), selectinload(Decision.meeting), selectinload(Decision.letter))
        .order_by(Decision.published_at.desc()).limit(10)
    )
    decisions = [d for d in db.session.scalars(query) if d.can_view(user)]
    # A chair's work: closed meetings whose minutes wait for a signature.
    chair_boards = user.board_ids(Role.CHAIR)
    to_sign = list(db.session.scalars(
        sa.select(Meeting).where(Meeting.board_id.in_(chair_boards), Meeting.status == MeetingStatus.CLOSED)
        .order_by(Meeting.starts_at)
    )) if chair_boards else []
    if not decisions and not board_ids and not to_sign:
        return None
    return {"template": "decisions/_home.html", "decisions": decisions, "since": user.previous_login_at,
            "to_sign": to_sign}
