"""The one place a case changes status, so the timeline never misses a step."""

from __future__ import annotations

from mtb.cases.models import Case, CaseEvent, CaseStatus
from mtb.db import utcnow
from mtb.extensions import db


def change_status(case: Case, status: CaseStatus, user=None, note: str | None = None,
                  details: dict | None = None) -> None:
    """Set ``case.status`` and add a timeline entry; the caller's transaction commits.

    ``note`` is a person's own words; a sentence of the system goes in ``details``
    (mtb.cases.timeline.say), to be read in the reader's language."""
    case.status = status
    if status is CaseStatus.SUBMITTED and case.submitted_at is None:
        case.submitted_at = utcnow()
    if status is CaseStatus.WITHDRAWN:
        case.withdrawn_at = utcnow()
    add_event(case, status.value, user, note, details)


def add_event(case: Case, kind: str, user=None, note: str | None = None, details: dict | None = None) -> CaseEvent:
    event = CaseEvent(case=case, kind=kind, user_id=getattr(user, "id", None), note=note, details=details)
    db.session.add(event)
    return event
