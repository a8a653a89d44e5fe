"""In Chromium: the secretary reads the board's implementation rate, records a follow-up
through the pages, and sees the rate change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mtb.db import utcnow
from mtb.extensions import db
from mtb.outcomes.models import NotImplementedReason
from tests.outcomes.helpers import decide, follow, meeting_on


@pytest.mark.browser
def test_recording_a_follow_up_changes_the_implementation_rate(page, browser_login, team, clinician, create_case):
    meeting = meeting_on("thoracic", (utcnow() - timedelta(days=100)).replace(microsecond=0))
    declined = decide(create_case(status="scheduled", submitter=clinician), meeting)
    waiting = decide(create_case(status="scheduled", submitter=clinician), meeting, drug="adagrasib")
    follow(declined, 3, implemented=False, reason=NotImplementedReason.PATIENT_DECLINED)
    db.session.commit()

    browser_login(page, "secretary@example.org")
    page.goto("/outcomes/boards/thoracic")
    rate = page.locator("[data-implementation-rate] .rate")
    assert rate.inner_text() == "0.0 %"
    page.goto("/")
    page.get_by_role("link", name="Follow-ups due on Thoracic oncology").click()
    page.get_by_role("link", name=f"Record the 3-month follow-up of {waiting.case.reference}").click()
    page.get_by_label("Yes").check()
    started = (waiting.validated_at + timedelta(days=12)).date().isoformat()
    # A response dated before the start is refused next to its field; nothing typed is lost.
    page.get_by_label("Start date").fill(started)
    page.get_by_label("Best response (RECIST 1.1)").select_option("PR")
    page.get_by_label("Response assessed on").fill((waiting.validated_at + timedelta(days=2)).date().isoformat())
    page.get_by_role("button", name="Record the follow-up").click()
    error = page.locator("#response_on-error")
    assert "cannot come before the start" in error.inner_text()
    assert page.get_by_label("Start date").input_value() == started
    page.get_by_label("Response assessed on").fill((waiting.validated_at + timedelta(days=70)).date().isoformat())
    page.get_by_role("button", name="Record the follow-up").click()
    page.wait_for_url(lambda url: "/cases/" in url)
    assert page.get_by_text("Partial response (PR)").first.is_visible()

    page.goto("/outcomes/boards/thoracic")
    assert page.locator("[data-implementation-rate] .rate").inner_text() == "50.0 %"
    page.screenshot(path="test-artifacts/k1-outcomes-board.png", full_page=True)
