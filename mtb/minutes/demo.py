"""Demo: the chair signs the minutes of each demo meeting the decisions demo closed,
18 minutes after it closed (minutes version 1 and one letter per decision); a meeting
still holding drafts is left for the chair to review and sign."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from mtb.accounts.models import User
from mtb.decisions import queries as decisions
from mtb.extensions import db
from mtb.meetings.models import Meeting, MeetingStatus
from mtb.minutes import services

CHAIR = "chair@example.org"
SIGNED_AFTER_CLOSING = timedelta(minutes=18)


def seed() -> None:
    chair = db.session.scalar(sa.select(User).where(User.email == CHAIR))
    closed = db.session.scalars(
        sa.select(Meeting).where(Meeting.status == MeetingStatus.CLOSED).order_by(Meeting.id)
    )
    for meeting in list(closed):
        if decisions.drafts_of(meeting):
            continue  # left for the chair: "waiting for my validation", the preview, the signature
        services.sign(meeting, chair, notify=False, at=meeting.closed_at + SIGNED_AFTER_CLOSING)
    db.session.flush()
