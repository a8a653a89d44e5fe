"""Quorum, counted per agenda item.

Members present with the specialty they sat with count, minus those recused on that
item; guests never do. A decision taken without quorum is allowed and carries
``quorum_met = False`` and the missing specialties, shown wherever the decision
appears (pages, minutes, letter). A draft's quorum follows attendance; validation
freezes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from mtb.decisions import queries
from mtb.decisions.models import Attendance, Decision, DecisionStatus
from mtb.extensions import db
from mtb.i18n import gettext as _
from mtb.meetings.models import AgendaItem, Meeting
from mtb.vocab import SPECIALTY_LABELS, Specialty


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


def specialty_entry_label(entry: str) -> str:
    """"molecular_biology|genetics" -> "Molecular biologist or Geneticist"."""
    labels = []
    for code in entry.split("|"):
        try:
            labels.append(str(SPECIALTY_LABELS[Specialty(code)]))
        except ValueError:
            labels.append(code)
    return _(" or ").join(labels)


def quorum_for(meeting: Meeting, item: AgendaItem | None = None, *, rows: list[Attendance] | None = None,
               recused_ids: set[int] | None = None) -> Quorum:
    """Quorum of the meeting, or of one item (recused members do not count on it)."""
    rows = queries.attendances(meeting) if rows is None else rows
    if recused_ids is None:
        recused_ids = queries.recused_ids(item.id) if item is not None else set()
    present = [a for a in rows if a.user_id is not None and a.user_id not in recused_ids and a.specialty]
    entries = []
    for entry in meeting.board.quorum_specialties or []:
        options = entry.split("|")
        filled_by = [a.name for a in present if a.specialty.value in options]
        entries.append(QuorumEntry(code=entry, label=specialty_entry_label(entry), met=bool(filled_by),
                                   filled_by=filled_by))
    return Quorum(entries)


def entries_filled(meeting: Meeting, specialty: Specialty | None) -> frozenset[str]:
    """The board's quorum entries a member sitting with ``specialty`` fills."""
    if specialty is None:
        return frozenset()
    return frozenset(e for e in meeting.board.quorum_specialties or [] if specialty.value in e.split("|"))


def present_when_decided(decision: Decision, rows: list[Attendance]) -> list[Attendance]:
    """The attendance rows recorded by the time the board decided (the decision line's first
    validation): a member recorded later arrived after the decision."""
    at = decision.decided_at
    return list(rows) if at is None else [a for a in rows if a.recorded_at <= at]


def quorum_when_decided(meeting: Meeting, decision: Decision, rows: list[Attendance], recused_ids: set[int]) -> Quorum:
    """The quorum on a validated decision's case as it stood when the board decided, with
    the names that filled it: what its letter prints. Attendance that counted for it cannot
    change afterwards (``attendance.record_attendance``), so this is the quorum validation froze."""
    quorum = quorum_for(meeting, rows=present_when_decided(decision, rows), recused_ids=recused_ids)
    if quorum.met != bool(decision.quorum_met):
        # Attendance changed before that rule existed: the frozen record wins, without names.
        missing = set(decision.quorum_missing or [])
        quorum = Quorum([QuorumEntry(e.code, e.label, met=bool(decision.quorum_met) or e.label not in missing)
                         for e in quorum.entries])
    return quorum


def apply_quorum(decision: Decision, quorum: Quorum) -> None:
    """Record ``quorum`` on the decision (only when it changed: no needless row_version bump)."""
    missing = quorum.missing
    if decision.quorum_met != quorum.met or (decision.quorum_missing or []) != missing:
        decision.quorum_met = quorum.met
        decision.quorum_missing = missing


def take_item_quorum(meeting: Meeting, decision: Decision) -> None:
    """The decision's quorum as attendance and recusals on its item stand now."""
    apply_quorum(decision, quorum_for(meeting, recused_ids=queries.recused_ids(decision.agenda_item_id)))


def refresh_draft_quorum(meeting: Meeting) -> None:
    """Drafts follow attendance and recusals; validated decisions keep the quorum they were taken with.

    Not an edit of the draft: its row_version stays, so a decision form open meanwhile (or
    sent along with the attendance ticks) still saves. An ORM change would bump it and make
    every such save a conflict."""
    drafts = queries.drafts_of(meeting)
    if not drafts:
        return
    rows = queries.attendances(meeting)
    recusals = queries.recusals_by_item(meeting)
    for decision in drafts:
        recused = {r.user_id for r in recusals.get(decision.agenda_item_id, [])}
        quorum = quorum_for(meeting, rows=rows, recused_ids=recused)
        met, missing = quorum.met, quorum.missing
        if decision.quorum_met == met and (decision.quorum_missing or []) == missing:
            continue
        # Still a draft: a chair validating at this moment froze the quorum it saw. The "last
        # saved" time stays the secretary's.
        db.session.execute(
            sa.update(Decision).where(Decision.id == decision.id, Decision.status == DecisionStatus.DRAFT)
            .values(quorum_met=met, quorum_missing=missing, updated_at=Decision.updated_at)
            .execution_options(synchronize_session=False))
        set_committed_value(decision, "quorum_met", met)
        set_committed_value(decision, "quorum_missing", missing)
