"""The demo shows a real week: the next thoracic agenda published, and cases waiting in
the pool for the following meeting."""

import sqlalchemy as sa

from mtb.boards import services as boards
from mtb.db import utcnow
from mtb.extensions import db
from mtb.meetings import queries
from mtb.meetings.models import MeetingStatus
from mtb.meetings.pool import pool_for


def test_demo_has_a_published_next_agenda_and_cases_proposed_for_the_following_meeting(app, demo):
    thoracic = boards.get_board("thoracic")
    now = utcnow()
    upcoming = queries.upcoming_meetings([thoracic.id], now)[thoracic.id]
    first, following = upcoming[0], upcoming[1]
    assert first.status is MeetingStatus.PUBLISHED and len(first.items) >= 2
    assert not any(item.late_addition for item in first.items)
    assert first.cutoff_at < now  # published after its cut-off, as a secretary would
    entries = pool_for(following, now)
    proposed_next = [e for e in entries if e.proposed is following]
    assert len(proposed_next) >= 2
    assert all(e.case.status.value == "submitted" for e in proposed_next)
    # On the page of the next meeting's agenda builder they are listed for a later meeting.
    assert not any(e.due for e in pool_for(first, now))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(type(first)).where(
        type(first).board_id == thoracic.id, type(first).agenda_publications > 0, type(first).starts_at > now)) == 1
