"""Quorum, counted per agenda item.

Members present with the specialty they sat with count, minus those recused on that
item; guests never do. A decision taken without quorum is allowed and carries
``quorum_met = False`` and the missing specialties, shown wherever the decision
appears (pages, minutes, letter). A draft's quorum follows attendance; validation
freezes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mtb.decisions import queries
from mtb.decisions.models import Attendance, Decision
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
    """Drafts follow attendance and recusals; validated decisions keep the quorum they were taken with."""
    drafts = queries.drafts_of(meeting)
    if not drafts:
        return
    rows = queries.attendances(meeting)
    recusals = queries.recusals_by_item(meeting)
    for decision in drafts:
        recused = {r.user_id for r in recusals.get(decision.agenda_item_id, [])}
        apply_quorum(decision, quorum_for(meeting, rows=rows, recused_ids=recused))
    db.session.flush()
