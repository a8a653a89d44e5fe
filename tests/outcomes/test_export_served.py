"""The research export as a real server streams it: Flask 3.1 runs the body after the
request's transaction committed and its session was removed (the test client keeps an
outer app context that hides this)."""

from __future__ import annotations

import csv
import http.cookiejar
import io
import re
import urllib.parse
import urllib.request
from datetime import timedelta

import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.boards import services as boards_service
from mtb.db import utcnow
from mtb.extensions import db
from mtb.outcomes import export
from tests.fixtures.people import PASSWORD
from tests.outcomes.test_pages import history  # noqa: F401 (the fixture)


def _browser(base: str):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(path: str, page: str, data: dict):
        """Fill the form of ``page`` (its CSRF token) and send it."""
        html = opener.open(base + page).read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        return opener.open(base + path, body)

    return post


def test_the_export_streams_every_row_from_a_real_server(live_server, admin, history):  # noqa: F811
    post = _browser(live_server)
    post("/login", "/login", {"email": admin.email, "password": PASSWORD})
    today = utcnow().date()
    response = post("/outcomes/boards/thoracic/export", "/outcomes/boards/thoracic/export", {
        "start": (today - timedelta(days=365)).isoformat(), "end": today.isoformat(), "cohort": "BIOCART",
        "separator": ","})
    assert response.status == 200
    rows = list(csv.DictReader(io.StringIO(response.read().decode("utf-8-sig"))))
    assert sorted(row["case_reference"] for row in rows) == sorted(d.case.reference for d in history)
    db.session.rollback()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "outcomes.export"))
    assert event.details["rows"] == len(rows) == 2


def _body(board_id: int, user_id: int, announced: int):
    now = utcnow()
    return export.streamed(board_id, now - timedelta(days=365), now + timedelta(days=1), cohort="BIOCART",
                       identity=False, separator=",", user_id=user_id, announced=announced)


def _sent_events():
    db.session.rollback()
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "outcomes.export_sent")).all()


def test_a_download_cut_part_way_is_in_the_trail_with_the_rows_really_sent(admin, history):  # noqa: F811
    board = boards_service.get_board("thoracic")
    complete = _body(board.id, admin.id, announced=2)
    assert len(list(complete)) == 3 and _sent_events() == []  # as announced: the request's event says it all
    cut = _body(board.id, admin.id, announced=2)
    next(cut), next(cut), next(cut)  # the header and the first row written; the second never is
    cut.close()  # the reader went away
    [event] = _sent_events()
    assert event.details == {"rows": 1, "announced": 2, "complete": False}
    assert event.user_id == admin.id and event.object_type == "Board" and event.object_id == board.id


def test_rows_published_between_the_count_and_the_body_are_in_the_trail(admin, history):  # noqa: F811
    board = boards_service.get_board("thoracic")
    assert len(list(_body(board.id, admin.id, announced=1))) == 3
    [event] = _sent_events()
    assert event.details == {"rows": 2, "announced": 1, "complete": True}
