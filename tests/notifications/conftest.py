import pytest



@pytest.fixture
def new_meeting_smtp():
    """A thoracic meeting a week ahead."""
    from datetime import timedelta

    from mtb.boards import services as boards
    from mtb.db import utcnow
    from mtb.extensions import db
    from mtb.meetings.models import Meeting

    def make():
        board = boards.get_board("thoracic")
        meeting = Meeting(board_id=board.id, starts_at=utcnow().replace(microsecond=0) + timedelta(days=7),
                          duration_minutes=120, cutoff_hours=48, location=board.location)
        db.session.add(meeting)
        db.session.commit()
        return meeting

    return make
