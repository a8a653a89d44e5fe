"""What the agenda pages and e-mails show: planned times, the time bar, change marks,
a patient-free line of findings, a meeting's start in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from mtb.cases.models import BiomarkerKind, Case
from mtb.formatting import local_datetime
from mtb.meetings.models import Meeting


def when_label(meeting: Meeting) -> str:
    """The meeting's start in its board's time zone, for messages."""
    return local_datetime(meeting.starts_at, meeting.board.timezone)


@dataclass
class Timing:
    total: int
    length: int
    percent: int
    #: Rounded to 5 % steps for the CSS width classes of the time bar.
    bar_step: int
    over: bool


def timing(meeting: Meeting) -> Timing:
    total = sum(item.minutes for item in meeting.items)
    length = meeting.duration_minutes or 1
    percent = round(100 * total / length)
    return Timing(total, length, percent, min(100, 5 * round(min(percent, 100) / 5)), total > length)


def item_start_times(meeting: Meeting) -> dict[int, datetime]:
    """Planned start of each item (naive UTC), in agenda order."""
    at, result = meeting.starts_at, {}
    for item in meeting.items:
        result[item.id] = at
        at += timedelta(minutes=item.minutes)
    return result


def pending_changes(meeting: Meeting) -> set[int]:
    """Items that differ from the last publication: new, or another place, start time,
    length or presenter. Empty before the first publication."""
    if not meeting.agenda_publications:
        return set()
    starts = item_start_times(meeting)
    changed = set()
    for item in meeting.items:
        if (item.published_position is None or item.published_position != item.position
                or (item.published_starts_at is not None and item.published_starts_at != starts[item.id])
                or item.published_minutes != item.minutes or item.published_presenter_id != item.presenter_id):
            changed.add(item.id)
    return changed


def change_marks(meeting: Meeting) -> set[int]:
    """Items to show as changed: those changed in the latest re-publication and, while
    the agenda can still change, those changed since."""
    marked = {item.id for item in meeting.items if item.changed_after_publication}
    if meeting.is_open:
        marked |= pending_changes(meeting)
    return marked


def biomarker_summary(case: Case, limit: int = 3) -> str:
    """A short, patient-free line of the case's key findings for agenda rows."""
    labels = []
    for b in case.biomarkers[:limit]:
        kind = b.kind
        if kind is BiomarkerKind.VARIANT:
            labels.append(" ".join(x for x in (b.gene, b.hgvs_p or b.hgvs_c) if x))
        elif kind is BiomarkerKind.FUSION:
            labels.append(f"{b.gene or '?'}::{b.gene_3p or '?'}")
        elif kind is BiomarkerKind.CNV:
            labels.append(" ".join(x for x in (b.gene, b.cnv_type.value if b.cnv_type else None) if x))
        elif kind is BiomarkerKind.TMB:
            labels.append(f"TMB {_number(b.tmb)}" if b.tmb is not None else "TMB")
        elif kind is BiomarkerKind.MSI:
            labels.append(b.msi_status.value if b.msi_status else "MSI")
        elif kind is BiomarkerKind.PDL1:
            labels.append(f"PD-L1 TPS {_number(b.pdl1_tps)}%" if b.pdl1_tps is not None else "PD-L1")
        elif kind is BiomarkerKind.HRD:
            labels.append(f"HRD {b.hrd_status.value}" if b.hrd_status else "HRD")
        else:
            labels.append(b.description or b.gene or kind.value)
    more = len(case.biomarkers) - limit
    return ", ".join(labels) + (f" (+{more})" if more > 0 else "")


def _number(value) -> str:
    """80.00 -> "80", 14.20 -> "14.2"."""
    return f"{Decimal(value).normalize():f}"
