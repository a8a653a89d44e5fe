"""``Decision.visible_to`` (the SQL the decisions page filters by) answers as
``Decision.can_view`` does, for every kind of reader and every state of a decision."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from mtb.boards import services as boards_service
from mtb.cases.models import Case
from mtb.db import utcnow
from mtb.decisions.models import Decision, DecisionStatus
from mtb.extensions import db
from tests.test_query_budget import _bulk_cases, _signed_meeting


def test_the_query_and_the_check_agree_for_every_reader(team, clinician, other_clinician, make_user):
    board = boards_service.get_board("thoracic")
    cases = _bulk_cases(board, clinician, 0, 4)
    _signed_meeting(board.id, cases, utcnow() - timedelta(weeks=1), team["chair"])
    db.session.flush()
    published, unpublished, draft, superseded = db.session.scalars(sa.select(Decision).order_by(Decision.id)).all()
    unpublished.published_at = None
    draft.status, draft.published_at = DecisionStatus.DRAFT, None
    superseded.status = DecisionStatus.SUPERSEDED
    db.session.commit()
    readers = {
        **team,
        "submitter": clinician,
        "clinician of the board": make_user("colleague@example.org", {"thoracic": ["clinician"]}),
        "clinician of another board": other_clinician,
        "nobody's board": make_user("nobody@example.org", {}),
    }
    for name, reader in readers.items():
        checked = {d.id for d in (published, unpublished, draft, superseded) if d.can_view(reader)}
        queried = set(db.session.scalars(sa.select(Decision.id).join(Case, Case.id == Decision.case_id)
                                         .where(Decision.visible_to(reader))))
        assert queried == checked, name
    # Not vacuous: the board reads every version, its other clinicians the published ones only.
    assert len({d.id for d in (published, unpublished, draft, superseded) if d.can_view(team["member"])}) == 4
    assert {d.id for d in (published, unpublished, draft, superseded) if d.can_view(readers["clinician of the board"])} \
        == {published.id, superseded.id}
