"""Changing the trial registry: adding and editing trials, importing ClinicalTrials.gov
study records. Services flush; the request commits."""

from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy.orm.exc import StaleDataError

from mtb.accounts.models import Role
from mtb.audit import services as audit
from mtb.db import utcnow
from mtb.errors import ConflictError, InvalidInput, NotAllowed
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.i18n import ngettext
from mtb.trials import ctgov, queries
from mtb.trials.models import Trial, TrialStatus
from mtb.trials.registrations import JOINER, LOCAL, parse_ids
from mtb.trials.validation import TrialInputError, check_trial

#: The registry's own fields: an import updates these and keeps every local one
#: (investigator, contact, boards, structured eligibility, local status).
REGISTRY_FIELDS = ("title", "acronym", "phase", "conditions", "eligibility_text", "sponsor")
#: A trial's fields as its form shows them, compared before and after a save or an import
#: for the audit trail (with ``boards``, by name).
AUDITED_FIELDS = ("registry_ids", "title", "acronym", "phase", "status", "sponsor", "investigator", "contact",
                  "conditions", "eligibility_text", "alterations", "molecular_logic", "tmb_min", "requires_msi_high",
                  "pdl1_tps_min", "requires_hrd", "icd10_ranges", "age_min", "age_max", "prior_lines_min",
                  "prior_lines_max")
#: Longer text is cut in the trail: it says what changed, it is no copy of the registry's
#: eligibility text (which ClinicalTrials.gov keeps, with its history).
AUDIT_TEXT_LIMIT = 300


def allowed_boards(user) -> set[int] | None:
    """Boards the user may add trials to (None: all, an admin)."""
    return None if user.is_admin else user.board_ids(Role.SECRETARY)


def _apply(trial: Trial, values: dict) -> None:
    for name, value in values.items():
        setattr(trial, name, value)


def _snapshot(trial: Trial) -> dict:
    """The trial's audited fields as plain values (JSON, and equal when the form would show the same)."""
    values = {name: _plain(getattr(trial, name)) for name in AUDITED_FIELDS}
    values["boards"] = sorted(b.name for b in trial.boards)
    return values


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"  # 10.00 as stored, 10 as typed: the same threshold
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [dict(item) if isinstance(item, dict) else item for item in value]
    return value


def _changes(before: dict, after: dict) -> dict:
    """What a save or an import changed, for the audit trail: each changed field with its
    value before and after ({"status": {"from": "recruiting", "to": "on_hold"}})."""
    return {name: {"from": _recorded(before[name]), "to": _recorded(after.get(name))}
            for name in before if before[name] != after.get(name)}


def _recorded(value):
    if isinstance(value, str) and len(value) > AUDIT_TEXT_LIMIT:
        return value[:AUDIT_TEXT_LIMIT - 1] + "…"
    return value


def _registry_ids(text: str) -> list[str]:
    """The registry ids (not the local codes) of a typed or stored list, normalised."""
    return [r.identifier for r in parse_ids(text)[0] if r.registry != LOCAL]


def _duplicate(registry_ids: str, trial_id: int | None, user) -> None:
    """Refuses ids another trial holds, wherever they stand in its list: one study, one trial."""
    ids = _registry_ids(registry_ids)
    messages = []
    for other in queries.trials_holding(ids):
        if other.id == trial_id:
            continue
        held = next(i for i in ids if i in {r.identifier for r in other.registrations})
        if queries.visible_trial(other.id, user) is not None:
            messages.append(_("%(id)s is already in the registry (%(title)s); edit that trial.",
                              id=held, title=other.title))
        else:
            # The user cannot open that trial (a 404): neither its title nor "edit it".
            messages.append(_("%(id)s is already held by a trial of another board; ask an administrator "
                              "to add your board to it.", id=held))
    if messages:
        raise TrialInputError({"registry_ids": messages})


def create_trial(user, values: dict, boards: list) -> Trial:
    """Add a trial. Raises NotAllowed, TrialInputError."""
    if not Trial.can_create(user):
        raise NotAllowed(_("Only administrators and board secretaries keep the trial registry."))
    checked = check_trial(values, boards, allowed_boards(user))
    _duplicate(checked["registry_ids"], None, user)
    trial = Trial(updated_by_id=user.id)
    _apply(trial, checked)
    db.session.add(trial)
    db.session.flush()
    audit.record("trial.create", trial, user=user, details={"ids": trial.registry_ids, "status": trial.status.value})
    return trial


def update_trial(trial: Trial, user, values: dict, boards: list, *, expected_version: int | str | None) -> Trial:
    """Save an edited trial. A secretary keeps the boards they do not run as they were.

    ``expected_version``: the trial's version the form was loaded with; an older one (someone
    saved or imported the trial since) raises ConflictError and nothing is written. Raises
    NotAllowed, TrialInputError, ConflictError."""
    if not trial.can_edit(user):
        raise NotAllowed(_("Only administrators and the secretaries of the trial's boards can change it."))
    if str(expected_version or "").strip() != str(trial.version):
        raise ConflictError(_("Someone saved this trial since you opened it."))
    allowed = allowed_boards(user)
    if allowed is not None:
        # Boards the secretary does not run stay as they were: they cannot add or remove them.
        kept = [b for b in trial.boards if b.id not in allowed]
        boards = kept + [b for b in boards if b.id in allowed and b not in kept]
        allowed = allowed | {b.id for b in kept}
    checked = check_trial(values, boards, allowed)
    _duplicate(checked["registry_ids"], trial.id, user)
    before = _snapshot(trial)
    _apply(trial, checked)
    trial.updated_by_id = user.id
    # Always write the trial's row, so its version moves even when only its boards changed.
    trial.updated_at = utcnow()
    # Worded first: after a failed flush nothing is read (the user's language) until the rollback.
    conflict = _("Someone saved this trial while you were saving it.")
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError(conflict) from error
    audit.record("trial.update", trial, user=user, details={"ids": trial.registry_ids,
                                                           "changes": _changes(before, _snapshot(trial))})
    return trial


def import_studies(user, data: bytes, boards: list) -> tuple[list[Trial], list[Trial], list[str], list[str]]:
    """Import ClinicalTrials.gov study records: (created, updated, problems per study,
    notes on the trials added: age limits whole years could not keep exactly).

    A study already in the registry (same NCT id) gets the registry's title, phase,
    conditions and eligibility text; its local fields stay as they were, and its local
    status is only ever made less open (``ctgov.refreshed_status``: closed when the registry
    closed it, on hold from recruiting when it is suspended or not yet recruiting, never
    reopened). A new study joins ``boards``, with the local status the registry's suggests
    (RECRUITING: recruiting; not yet recruiting, suspended, by invitation: on hold;
    completed, terminated, active not recruiting...: closed; a missing or unknown status:
    on hold). A study with no registry id is skipped, named by its title; a study the file
    holds twice (one of its ids again) is read once, and a note says so. Raises InvalidInput
    (``file``; ``boards`` when a new study cannot join the boards ticked), NotAllowed,
    ConflictError (a trial saved by someone else while the file was read: nothing is kept).
    """
    if not Trial.can_create(user):
        raise NotAllowed(_("Only administrators and board secretaries keep the trial registry."))
    created, updated, problems, notes = [], [], [], []
    #: Each id read in the file -> the first id of its study; how many times each such study came.
    seen: dict[str, str] = {}
    repeated: dict[str, int] = {}
    for position, study in enumerate(ctgov.studies_of(data), start=1):
        values = ctgov.values_of(study)
        if not values["registry_ids"]:
            problems.append(_("%(study)s: the study has no registry id (an NCT id, or an EU CT, EudraCT or ID-RCB "
                              "number), so it was skipped.", study=_study_name(values["title"], position)))
            continue
        nct = values["registry_ids"].split(",")[0].strip()
        ids = _registry_ids(values["registry_ids"])
        # The same study twice (a search page saved with an earlier one pasted in): read once.
        first = next((seen[i] for i in ids or [values["registry_ids"]] if i in seen), None)
        if first is not None:
            repeated[first] = repeated.get(first, 1) + 1
            continue
        seen.update(dict.fromkeys(ids or [values["registry_ids"]], nct))
        # Any of the study's ids finds it: a trial added by its EudraCT number holds the NCT id second.
        holders = queries.trials_holding(ids)
        existing = holders[0] if holders else None
        try:
            if existing is not None:
                updated.append(_refresh(existing, user, values))
            else:
                values.pop("registry_status")
                values["status"] = values["status"] or TrialStatus.ON_HOLD.value  # to be checked by a secretary
                values["molecular_logic"] = "any"
                trial = create_trial(user, values, boards)
                trial.imported_at = utcnow()
                created.append(trial)
                notes.extend(ctgov.import_notes(study))
        except TrialInputError as error:
            if "boards" in error.errors:
                # The boards ticked are the whole import's: said once, next to them.
                raise InvalidInput("boards", error.errors["boards"][0]) from None
            problems.append(f"{nct}: " + "; ".join(m for ms in error.errors.values() for m in ms))
        except NotAllowed as error:
            problems.append(f"{nct}: {error}")
    for identifier, times in repeated.items():
        notes.append(ngettext("%(id)s is in the file %(num)d time: it was read once.",
                              "%(id)s is in the file %(num)d times: it was read once, the other records skipped.",
                              times, id=identifier))
    return created, updated, problems, notes


#: A study named by its title in a message is cut to this many characters.
STUDY_NAME_LENGTH = 60


def _study_name(title: str, position: int) -> str:
    """A study without a registry id, as a message names it: its title (cut), or its place in the file."""
    if not title:
        return _("Study %(num)d of the file", num=position)
    short = title if len(title) <= STUDY_NAME_LENGTH else title[:STUDY_NAME_LENGTH - 1].rstrip() + "…"
    return f"“{short}”"


def _refresh(trial: Trial, user, values: dict) -> Trial:
    if not trial.can_edit(user):
        raise NotAllowed(_("Only administrators and the secretaries of the trial's boards can change it."))
    before = _snapshot(trial)
    extra = [i.strip() for i in values["registry_ids"].split(",") if i.strip()]
    # An id another trial holds stays with it: the registry keeps one trial per id. Asked
    # before the trial changes, so the one flush below writes it (and meets a save made meanwhile).
    taken = {r.identifier for other in queries.trials_holding(extra) if other.id != trial.id
             for r in other.registrations}
    for name in REGISTRY_FIELDS:
        if values.get(name):
            setattr(trial, name, values[name][:ctgov.LIMITS[name]] if name in ctgov.LIMITS else values[name])
    known = [i.strip() for i in trial.registry_ids.split(",")]
    # Whole ids only: a cut one would read back as another (a local code).
    ids, limit = known, Trial.__table__.c.registry_ids.type.length
    for identifier in (i for i in extra if i not in known and i not in taken):
        if len(JOINER.join(ids + [identifier])) <= limit:
            ids = ids + [identifier]
    trial.registry_ids = JOINER.join(ids)
    trial.status = ctgov.refreshed_status(trial.status, values["registry_status"])
    trial.imported_at = trial.updated_at = utcnow()
    trial.updated_by_id = user.id
    # Worded first: after a failed flush nothing is read (the trial, the user's language) until the rollback.
    conflict = _("Someone saved %(trial)s while the file was being imported; import it again.",
                 trial=trial.primary_id)
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError(conflict) from error
    audit.record("trial.import", trial, user=user, details={
        "ids": trial.registry_ids, "registry_status": values.get("registry_status"),
        "changes": _changes(before, _snapshot(trial))})
    return trial
