"""The decisions list pages through signed meetings by key, whole meetings to a page, about
forty decisions a page: a board of large meetings shows one a page, a board of small ones
several, and following "Older" then "Newer" walks every meeting once, in order."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from mtb.boards import services as boards_service
from mtb.db import utcnow
from mtb.extensions import db
from mtb.meetings.models import Meeting
from mtb.http import page_key
from tests.test_query_budget import _bulk_cases, _signed_meeting


def _meetings_and_links(html: str) -> tuple[list[int], dict[str, str]]:
    shown = [int(i) for i in re.findall(r'<h2 id="m-(\d+)"', html)]
    links = {rel: unescape(href) for href, rel in re.findall(r'<a href="([^"]+)" rel="(prev|next)"', html)}
    return shown, links


def _signed_meetings(clinician, chair, sizes: list[int]) -> list[int]:
    """Signed thoracic meetings of the given sizes, oldest first; their ids newest first."""
    board = boards_service.get_board("thoracic")
    ids, first = [], 0
    for weeks_ago, size in zip(range(len(sizes), 0, -1), sizes):
        cases = _bulk_cases(board, clinician, first, size)
        first += size
        ids.append(_signed_meeting(board.id, cases, utcnow() - timedelta(weeks=weeks_ago), chair).id)
    db.session.commit()
    return list(reversed(ids))


def test_small_meetings_share_a_page_and_the_pages_walk_every_meeting_once(client, login, clinician, team):
    newest_first = _signed_meetings(clinician, team["chair"], [10] * 10)
    login(team["member"])
    pages, url = [], "/decisions"
    while url:
        shown, links = _meetings_and_links(client.get(url).get_data(as_text=True))
        pages.append(shown)
        url = links.get("next")
    assert pages == [newest_first[0:4], newest_first[4:8], newest_first[8:10]]
    # Back from the last page: the page before it, then the first, which offers no newer one.
    html = client.get("/decisions?after=" + page_key(db.session.get(Meeting, newest_first[7]).starts_at, newest_first[7])).get_data(
        as_text=True)
    shown, links = _meetings_and_links(html)
    assert shown == newest_first[8:10] and "prev" in links and "next" not in links
    shown, links = _meetings_and_links(client.get(links["prev"]).get_data(as_text=True))
    assert shown == newest_first[4:8]
    shown, links = _meetings_and_links(client.get(links["prev"]).get_data(as_text=True))
    assert shown == newest_first[0:4] and "prev" not in links


def test_a_large_meeting_fills_a_page_alone_and_a_stale_key_shows_the_first_page(client, login, clinician, team):
    newest_first = _signed_meetings(clinician, team["chair"], [45, 30, 12])
    login(team["member"])
    shown, links = _meetings_and_links(client.get("/decisions").get_data(as_text=True))
    assert shown == newest_first[:1]  # 12 and the next 30 would pass forty: one meeting
    shown, links = _meetings_and_links(client.get(links["next"]).get_data(as_text=True))
    assert shown == newest_first[1:2]  # 30 and the next 45 too
    shown, links = _meetings_and_links(client.get(links["next"]).get_data(as_text=True))
    assert shown == newest_first[2:3] and "next" not in links  # 45 decisions: over forty, alone
    for junk in ("before=2999-01-01T00:00:00~1", "after=not-a-key", "before=" + "9" * 80):
        response = client.get("/decisions?" + junk)
        assert response.status_code == 200
        assert _meetings_and_links(response.get_data(as_text=True))[0] == newest_first[:1]
