"""Loading what a request names, with the one 404/403 policy of MTB.

- An object the user may not see answers **404**, exactly like an id that does not
  exist: a 403 would tell an outsider that another board's case or meeting exists.
- An object the user sees but may not act on answers **403**, with the reason.
- Every refusal is in the audit trail (who, what, when, from where), without any
  patient data in the row, so probing is visible to the security officer.

The permission questions themselves are the models' (``Case.can_view``,
``Meeting.can_run``, ``Decision.can_view``); views load through these functions and
never decide the status code themselves.
"""

from __future__ import annotations

from functools import wraps
from typing import Literal

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload, undefer

from mtb.audit import services as audit
from mtb.cases.models import Attachment, Case
from mtb.decisions.models import Decision
from mtb.extensions import db
from mtb.meetings.models import AgendaItem, Meeting


def refuse(status: int, object_type: str, object_id, need: str) -> None:
    """Audit the refusal (kept when the request rolls back), then abort with ``status``."""
    audit.record("access.refused", None, kept=True, details={
        "status": status, "object": object_type, "id": object_id, "need": need,
    })
    abort(status)


def case_or_404(case_id: int, need: Literal["view", "manage"] = "view", *, full: bool = False) -> Case:
    """A case the current user may see (the check is in the query), or 404.

    ``need="manage"``: its submitter or, once submitted, the board's secretaries; a
    reader gets 403. ``full`` loads what the case page shows in a fixed number of queries.
    """
    query = sa.select(Case).where(Case.id == case_id, Case.visible_to(current_user))
    if full:
        query = query.options(selectinload(Case.biomarkers), selectinload(Case.attachments),
                              selectinload(Case.events), selectinload(Case.reports),
                              # Whether files may be removed depends on the meetings it is on.
                              selectinload(Case.agenda_items).joinedload(AgendaItem.meeting))
    case = db.session.scalar(query)
    if case is None:
        refuse(404, "Case", case_id, need)
    if need == "manage" and not case.can_manage(current_user):
        refuse(403, "Case", case_id, need)
    return case


def attachment_or_404(case_id: int, attachment_id: int, need: Literal["view", "manage"] = "view", *,
                      with_data: bool = False) -> Attachment:
    """An attachment of a case the current user may see, or 404 (403 to manage without the right)."""
    query = (
        sa.select(Attachment).join(Case, Attachment.case_id == Case.id)
        .where(Attachment.id == attachment_id, Attachment.case_id == case_id, Case.visible_to(current_user))
    )
    if with_data:
        query = query.options(undefer(Attachment.data))
    attachment = db.session.scalar(query)
    if attachment is None:
        refuse(404, "Attachment", attachment_id, need)
    if need == "manage" and not attachment.case.can_manage(current_user):
        refuse(403, "Attachment", attachment_id, need)
    return attachment


def meeting_or_404(meeting_id: int, need: Literal["view", "manage", "run"] = "view") -> Meeting:
    """A meeting of one of the user's boards, or 404.

    ``need="manage"`` (agenda, moving, cancelling): the board's secretaries;
    ``need="run"`` (the session page): its secretaries and chairs. Others get 403.
    """
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not meeting.can_view(current_user):
        refuse(404, "Meeting", meeting_id, need)
    allowed = {"view": True, "manage": meeting.can_manage, "run": meeting.can_run}[need]
    if allowed is not True and not allowed(current_user):
        refuse(403, "Meeting", meeting_id, need)
    return meeting


def decision_or_404(decision_id: int, need: Literal["view", "run"] = "view") -> Decision:
    """A decision the user may read, or 404 when its case is hidden from them; 403 when
    they see the case but not this version (a draft shown to the board only), or when
    ``need="run"`` and they do not run its meeting."""
    decision = db.session.get(Decision, decision_id)
    if decision is None or not decision.case.can_view(current_user):
        refuse(404, "Decision", decision_id, need)
    if not decision.can_view(current_user):
        refuse(403, "Decision", decision_id, need)
    if need == "run" and not decision.meeting.can_run(current_user):
        refuse(403, "Decision", decision_id, need)
    return decision


def admin_required(view):
    """Site administrators only (403 for everyone else once signed in)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            refuse(403, "Admin", None, "admin")
        return view(*args, **kwargs)

    return wrapped
