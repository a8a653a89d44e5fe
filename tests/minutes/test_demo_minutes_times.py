"""The demo's held meetings read like real ones: their cases were put on the agenda after
they were submitted and before the meeting began, so no turnaround from the agenda is
negative and no minutes call a case "added during the meeting"; that flag is for an urgent
case brought to the session."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from mtb.extensions import db
from mtb.meetings.models import AgendaItem, Meeting
from mtb.minutes.context import minutes_context
from mtb.minutes.rendering import document_time


def test_the_demo_cases_were_on_the_agenda_before_their_meeting_began(demo):
    held = db.session.scalars(sa.select(Meeting).where(Meeting.started_at.is_not(None))).all()
    assert held
    for meeting in held:
        assert meeting.items
        for item in meeting.items:
            assert item.case.submitted_at < item.added_at < meeting.started_at, (meeting, item.case.reference)
            assert not item.added_in_session
        context = minutes_context(meeting, None, document_time())
        assert not any(it.get("added_in_session") for it in context["items"])


def test_an_item_stamped_after_the_start_is_no_urgent_case_unless_it_was_a_late_addition(create_meeting,
                                                                                       create_case):
    meeting = create_meeting(n_cases=1)
    meeting.started_at = meeting.starts_at
    [item] = meeting.items
    item.added_at = meeting.started_at + timedelta(minutes=5)  # e.g. rows written by an import
    assert not item.added_in_session
    item.late_addition = True  # as add_during_session makes it
    assert item.added_in_session
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaItem)) == 1
