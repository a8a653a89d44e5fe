"""The board's decisions: drafts recorded in session, the chair's validation, corrections,
and deferring a case the board did not discuss.

- A decision is a draft until a chair of the board validates it; then it is locked.
  A correction is a new version with a reason; once validated it supersedes the
  previous one, which stays readable.
- Publication: decisions are published when the chair signs the minutes (the minutes
  are the board's record; a validated decision of an unsigned meeting is visible to
  the board only). Validation sends ``signals.decision_validated``: the minutes part
  publishes a correction validated after signing at once, with new minutes.

Quorum is in ``quorum``, attendance and recusals in ``attendance``, opening and
closing the session in ``session``. Functions here flush; the caller commits.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from mtb import signals
from mtb.accounts.models import is_signed_in
from mtb.audit import services as audit
from mtb.cases import timeline
from mtb.cases.lifecycle import change_status
from mtb.cases.models import Case, CaseStatus
from mtb.db import utcnow
from mtb.decisions.models import Decision, DecisionStatus, Recommendation, RecommendationKind
from mtb.decisions.queries import (
    current_validated,
    drafts_of,
    latest_decision,
    latest_item_id,
    recusals_by_item,
    recused_ids,
)
from mtb.decisions.quorum import take_item_quorum
from mtb.decisions.session import is_running, require_meeting_day, require_run
from mtb.decisions.validation import check_decision
from mtb.errors import ConflictError, InvalidInput, NotAllowed
from mtb.extensions import db
from mtb.formatting import local_datetime
from mtb.i18n import gettext as _
from mtb.meetings.models import DEFER_NOTE_MAX, AgendaItem, ItemOutcome
from mtb.meetings.queries import open_item_for
from mtb.text import clean_text
from mtb.transaction import lock_row
from mtb.trials import queries as trial_queries
from mtb.trials.matching import CaseFacts, match


class AlreadyValidated(NotAllowed):
    """The chair validates a version that is no longer a draft (a double submit, a second tab)."""


class RecusedChair(NotAllowed):
    """The chair is recused on the case (a conflict of interest): another chair validates its decision."""


def record_read(decision: Decision, user=None) -> None:
    """A decision was shown: in the audit trail, kept even when the page answers 4xx."""
    audit.record_read("decision.view", decision, board_id=decision.board_id, user=user,
                      details={"case": decision.case.reference, "version": decision.version})


def _set_recommendations(decision: Decision, cleaned: list[dict]) -> None:
    decision.recommendations.clear()
    db.session.flush()
    for position, row in enumerate(cleaned):
        biomarker = row.get("biomarker")
        decision.recommendations.append(Recommendation(
            position=position, kind=row["kind"], drug=row.get("drug"),
            biomarker_id=biomarker.id if biomarker is not None else None,
            biomarker_label=biomarker.label if biomarker is not None else None,
            evidence_scheme=row.get("evidence_scheme"), evidence_level=row.get("evidence_level"),
            evidence_modifiers=row.get("evidence_modifiers") or None, oncokb_level=row.get("oncokb_level"),
            access_route=row.get("access_route"), trial_id=row.get("trial_id"), trial_title=row.get("trial_title"),
            trial_phase=row.get("trial_phase"), trial_site=row.get("trial_site"),
            test_name=row.get("test_name"), test_sample=row.get("test_sample"), rationale=row.get("rationale"),
        ))


def _follow_case_status(case: Case, decision: Decision, user, validated: bool) -> None:
    """discussed when recorded, decided when validated, deferred when the board asks to re-discuss.

    Only a decision of the case's latest agenda item moves it: a correction of an earlier
    meeting's decision must not send a case decided since back to the pool, nor mark a case
    waiting on the next agenda decided."""
    if latest_item_id(case.id) != decision.agenda_item_id:
        return
    if decision.sends_back_to_pool:
        target = CaseStatus.DEFERRED
        details = timeline.say("rediscuss")
    else:
        target = CaseStatus.DECIDED if validated else CaseStatus.DISCUSSED
        details = None
    if case.status is not target:
        change_status(case, target, user, details=details)


def _draft_conflict() -> ConflictError:
    return ConflictError(_(
        "Someone else saved the decision on this case while you were editing it. Their version is shown "
        "below and your text is kept in the form: compare them, then save again to replace their version "
        "with yours."))


def draft_refusal(item: AgendaItem, latest: Decision | None) -> str | None:
    """Why no draft can be saved on ``item`` now (``latest``: its newest version), in a
    sentence; None when one can. The session page says it to a form opened before the
    chair validated, or before the case was deferred."""
    if latest is not None and latest.is_locked:
        return _(
            "This decision was validated by the chair and is locked. To change it, make a correction: "
            "it becomes a new version with a reason, and this version stays readable.")
    if latest is None and not is_running(item.meeting):
        return _("Decisions are recorded while the meeting is in session (start the meeting first).")
    if item.is_deferred:
        return _("This case was deferred; undo the deferral before recording a decision.")
    return None


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
    refusal = draft_refusal(item, latest)
    if refusal is not None:
        raise NotAllowed(refusal)
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
        take_item_quorum(meeting, decision)
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
    if newer is not None and newer.is_validated:
        return ConflictError(_(
            "Version %(n)d of this decision was validated while you were editing your correction. Your text is kept "
            "below: open version %(n)d to compare, and correct that version instead.", n=newer.version))
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
    if not decision.is_validated:
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


def recused_item_ids(meeting, user) -> set[int]:
    """The meeting's agenda items ``user`` is recused on (declared, or recorded by the secretary)."""
    return {item_id for item_id, rows in recusals_by_item(meeting).items() if any(r.user_id == user.id for r in rows)}


def drafts_for_another_chair(meeting, user) -> list[Decision]:
    """The meeting's drafts on cases ``user`` is recused on: another chair of the board validates them."""
    recused = recused_item_ids(meeting, user)
    return [d for d in drafts_of(meeting) if d.agenda_item_id in recused] if recused else []


def validate(decision: Decision, user, *, publish: bool = True, row_version: int | None = None) -> Decision:
    """The chair validates a draft: it is locked; a correction supersedes the previous version.

    ``row_version``: the draft's row_version when the chair read it (the validate buttons
    carry it); a draft saved since is a ConflictError, so nobody validates text they have
    not read. None: no check (signing the minutes validates what is left).

    Sends ``decision_validated`` (on a signed meeting the minutes part publishes the
    correction at once, with new minutes; ``publish=False`` while signing, which
    publishes everything itself).

    Raises NotAllowed (not a chair; RecusedChair: a conflict of interest on the case;
    AlreadyValidated), ConflictError, or BeforeMeetingDay.
    """
    if not (is_signed_in(user) and user.is_chair(decision.board_id)):
        raise NotAllowed(_("Only a chair of the board can validate a decision."))
    if user.id in recused_ids(decision.agenda_item_id):
        # A conflicted member does not count for the case's quorum; neither does the chair sign its decision off.
        raise RecusedChair(_(
            "You are recused on %(ref)s (conflict of interest): another chair of the board validates its decision.",
            ref=decision.case.reference))
    # Lock the row: a double click sends two requests; the second waits, then finds it validated.
    lock_row(Decision, decision)
    db.session.refresh(decision, ["status", "row_version"])
    if not decision.is_draft:
        raise AlreadyValidated(_("This version is already validated and locked."))
    if row_version is not None and row_version != decision.row_version:
        raise ConflictError(_(
            "The draft decision on %(ref)s was changed after you opened it. Read the saved version shown here, "
            "then validate it again.", ref=decision.case.reference))
    meeting = decision.meeting
    if not (is_running(meeting) or meeting.is_signed):
        raise NotAllowed(_("Decisions are validated once the meeting has started."))
    require_meeting_day(meeting, _(
        "This meeting is scheduled for %(day)s: its decisions are validated on that day, not before, so that "
        "the letters carry the meeting's date."))
    now = utcnow()
    if decision.version == 1:
        # The quorum the decision was taken with: attendance and recusals as recorded now.
        take_item_quorum(meeting, decision)
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
    signals.decision_validated.send(decision, user=user, previous=previous, publish=publish)
    return decision


def validate_all(meeting, user) -> list[Decision]:
    """The chair validates every draft of the meeting at once, in agenda order (the chair's
    review page), but those on cases the chair is recused on: they are left for another
    chair (``drafts_for_another_chair``). Raises like ``validate``; nothing is validated
    when one is refused."""
    positions = {item.id: item.position for item in meeting.items}
    recused = recused_item_ids(meeting, user)
    drafts = sorted((d for d in drafts_of(meeting) if d.agenda_item_id not in recused),
                    key=lambda d: positions.get(d.agenda_item_id, 0))
    return [validate(decision, user) for decision in drafts]


def defer_item(item: AgendaItem, user, note: str | None = None) -> None:
    """The board did not discuss the case (or postponed it): back to the pool, carried over at closing."""
    meeting = item.meeting
    require_run(meeting, user)
    if not meeting.is_in_session:
        raise NotAllowed(_("Cases are deferred while the meeting is in session."))
    if latest_decision(item) is not None:
        raise NotAllowed(_("A decision is recorded on this case. To send it back to a later meeting, "
                           "recommend \"Re-discuss at a later meeting\" instead."))
    note = clean_text(note) or None
    if note is not None and len(note) > DEFER_NOTE_MAX:
        raise InvalidInput("note", _("At most 300 characters."))  # never cut what was typed
    item.outcome = ItemOutcome.DEFERRED
    item.deferral_note = note
    if item.case.status is not CaseStatus.DEFERRED:
        # The timeline's label says "deferred"; the note is only the secretary's own words
        # (stored text is not translated when read: no default sentence here).
        change_status(item.case, CaseStatus.DEFERRED, user, note)
    audit.record("meeting.item_deferred", item.case, user=user, details={"meeting_id": meeting.id})
    db.session.flush()


def undo_deferral(item: AgendaItem, user) -> None:
    """Bring a case deferred in this session back to it; refused (ConflictError) once the
    case has left the pool meanwhile (put on a later agenda, withdrawn): it would then be
    waiting at two meetings, or discussed after its withdrawal."""
    meeting = item.meeting
    require_run(meeting, user)
    if not meeting.is_in_session or not item.is_deferred:
        raise NotAllowed(_("Only a case deferred in this session can be brought back."))
    elsewhere = open_item_for(item.case)
    if elsewhere is not None:
        raise ConflictError(_(
            "%(ref)s is on the agenda of the meeting of %(when)s now. To discuss it here, take it off "
            "that agenda first.", ref=item.case.reference,
            when=local_datetime(elsewhere.meeting.starts_at, meeting.board.timezone, "d MMM yyyy")))
    if item.case.status is not CaseStatus.DEFERRED:
        raise ConflictError(_("%(ref)s has left the pool (now: %(status)s): it cannot be brought back to this meeting.",
                              ref=item.case.reference, status=item.case.status.label))
    item.outcome = ItemOutcome.PENDING
    item.deferral_note = None
    change_status(item.case, CaseStatus.SCHEDULED, user, details=timeline.say("deferral_undone"))
    audit.record("meeting.item_undeferred", item.case, user=user, details={"meeting_id": meeting.id})
    db.session.flush()


def trial_refusal(item: AgendaItem, trial_id: int) -> str:
    """Why a trial cannot fill a recommendation (``trial_recommendation`` gave None), said
    for a page loaded while it was recruiting: closed, put on hold or taken off the board since."""
    trial = trial_queries.board_trial(item.meeting.board_id, trial_id, recruiting=False)
    if trial is None:
        return _("This trial is no longer among the trials %(board)s may propose: it was not added to the "
                 "recommendations. Everything typed is kept.", board=item.meeting.board.name)
    return _("This trial is no longer recruiting (%(trial)s, now: %(status)s): it was not added to the "
             "recommendations. Everything typed is kept.", trial=trial.label, status=trial.status.label)


def trial_recommendation(item: AgendaItem, trial_id: int) -> dict | None:
    """A clinical-trial recommendation's values filled from a recruiting trial of the board's
    registry (ids, title, phase, the local investigator; the criteria met as the rationale),
    judged on the same day as the lists (UTC); None when it is no recruiting trial of the board."""
    trial = trial_queries.board_trial(item.meeting.board_id, trial_id)
    if trial is None:
        return None
    result = match(trial, CaseFacts.of(item.case, today=utcnow().date()))
    rationale = "; ".join(c.text for c in result.matched)
    if result.unknown:
        # A trial proposed on a finding to check has nothing met to write before it.
        to_check = _("to check: %(what)s", what="; ".join(c.text for c in result.unknown))
        rationale = f"{rationale} — {to_check}" if rationale else to_check
    columns = Recommendation.__table__.c
    # The registry holds the trials open here: the site is this hospital, with its local
    # investigator beside it (the investigator alone read as a place in the minutes).
    hospital = str(current_app.config.get("HOSPITAL_NAME") or "").strip()
    site = f"{hospital} ({trial.investigator})" if hospital and trial.investigator else hospital or trial.investigator
    return {"kind": RecommendationKind.CLINICAL_TRIAL.value, "trial_id": trial.registry_ids,
            "trial_title": trial.title[:columns.trial_title.type.length], "trial_phase": trial.phase or "",
            "trial_site": (site or "")[:columns.trial_site.type.length], "rationale": rationale}
