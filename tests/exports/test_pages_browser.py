"""The decision page with its evidence, trial links and FHIR download, and the integration
accounts page, in Chromium: reachable by keyboard, labelled; screenshots for review."""

from __future__ import annotations

import pytest

from mtb.decisions import services
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from tests.decisions.helpers import targeted


@pytest.mark.browser
def test_decision_page_and_integrations_page(page, browser_login, team, started_meeting, make_user):
    make_user("root@example.org", admin=True, name="Root Admin")
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    decision = services.save_draft(item, team["secretary"], "EGFR L858R, MET amplification.", [
        targeted(item.case, evidence="nct:m1B", evidence_modifiers=["is"]),
        {"kind": "clinical_trial", "trial_id": "NCT05261399, 2023-503456-39-00, 2019-A01234-56",
         "trial_title": "SAFFRON", "trial_phase": "3", "trial_site": "Centre Léon Bérard"}])
    services.validate(decision, team["chair"])
    db.session.commit()

    browser_login(page, "member@example.org")
    page.goto(f"/decisions/{decision.id}")
    assert page.get_by_text("NCT m1B (is)").is_visible()
    link = page.get_by_role("link", name="ClinicalTrials.gov NCT05261399")
    assert link.get_attribute("href") == "https://clinicaltrials.gov/study/NCT05261399"
    page.get_by_role("link", name="FHIR (JSON)").focus()
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    assert info.value.suggested_filename.endswith(".fhir.json")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(path="test-artifacts/i2-decision-page.png", full_page=True)
    page.get_by_role("button", name="Log out").click()

    browser_login(page, "root@example.org")
    page.goto("/admin/integrations")
    page.get_by_label("System's name").fill("Data warehouse")
    page.get_by_label("Thoracic oncology").check()
    page.get_by_role("button", name="Create and show the token").click()
    token = page.get_by_label("Bearer token").input_value()
    assert token.startswith("mtb_")
    page.screenshot(path="test-artifacts/i2-integrations.png", full_page=True)
