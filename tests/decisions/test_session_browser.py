"""The demo secretary runs a meeting in the browser, the chair signs, the member downloads the minutes."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from mtb.minutes.models import MinutesVersion


@pytest.mark.browser
def test_secretary_runs_meeting_chair_signs_member_downloads_minutes(page, browser_login, team, started_meeting, create_case):
    case = create_case(status="scheduled", biomarkers=[
        {"kind": "variant", "gene": "EGFR", "hgvs_c": "c.2573T>G", "hgvs_p": "p.Leu858Arg", "vaf": 32},
        {"kind": "cnv", "gene": "MET", "cnv_type": "amplification", "copy_number": 9},
    ])
    meeting = started_meeting(cases=[case])
    db.session.commit()

    browser_login(page, "secretary@example.org")
    page.goto(f"/meetings/{meeting.id}/session")
    page.get_by_role("button", name="Start the meeting").click()
    page.get_by_text("The meeting is in session.").wait_for()

    # Attendance: the three members needed for quorum.
    for name in ("Pr Henri Laurent", "Dr Marie Petit", "Dr Léa Garnier"):
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Save attendance").click()
    page.get_by_text("Quorum met").wait_for()

    # One decision: a targeted therapy and a trial; the script shows each kind's fields.
    page.get_by_label("Discussion summary").fill("MET amplification under osimertinib: add a MET inhibitor.")
    page.locator("#recommendations-0-kind").select_option("targeted_therapy")
    page.get_by_label("Drug").fill("Osimertinib + savolitinib")
    page.get_by_label("Targets biomarker").select_option(label="MET amplification (9 copies)")
    page.get_by_label("Evidence level").select_option("escat:II-B")
    # The nearest levels of the other scales show beside the chosen one, nothing typed lost.
    hint = page.locator("#recommendations-0-evidence-hint")
    assert "Corresponds to: OncoKB 3A" in hint.inner_text() and "NCT m1B" in hint.inner_text()
    assert page.locator("#recommendations-0-drug").input_value() == "Osimertinib + savolitinib"
    page.get_by_label("Access route").select_option("early_access")
    assert page.locator("#recommendations-0-trial_id").is_hidden()
    page.get_by_role("button", name="+ Add recommendation").click()
    assert page.locator("#recommendations-0-drug").input_value() == "Osimertinib + savolitinib"
    page.locator("#recommendations-1-kind").select_option("clinical_trial")
    page.locator("#recommendations-1-trial_id").fill("NCT05261399, 2023-503456-39-00")
    page.locator("#recommendations-1-trial_phase").select_option("3")
    page.locator("#recommendations-0-evidence").scroll_into_view_if_needed()
    page.screenshot(path="test-artifacts/i2-evidence-and-trial.png", full_page=True)
    page.locator("#recommendations-1-trial_site").fill("Centre Léon Bérard")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path="test-artifacts/h3-session.png")
    page.get_by_role("button", name="Save decision").click()
    page.get_by_text("saved as a draft").wait_for()
    page.get_by_role("button", name="Close the meeting").click()
    page.get_by_text("The meeting is closed.").wait_for()
    page.get_by_role("button", name="Log out").click()

    browser_login(page, "chair@example.org")
    page.goto(f"/meetings/{meeting.id}/minutes")
    page.get_by_role("button", name="Sign the minutes as chair").click()
    page.get_by_text("Minutes signed (version 1)").wait_for()
    page.get_by_role("button", name="Log out").click()

    browser_login(page, "member@example.org")
    page.goto("/decisions")
    with page.expect_download() as info:
        page.get_by_role("link", name="Minutes, version 1 (PDF").click()
    data = open(info.value.path(), "rb").read()
    db.session.expire_all()
    version = db.session.scalar(sa.select(MinutesVersion))
    assert data[:5] == b"%PDF-" and hashlib.sha256(data).hexdigest() == version.pdf_sha256
    assert version.pdf_sha256 in page.content()
    assert db.session.get(type(meeting), meeting.id).status is MeetingStatus.SIGNED


@pytest.mark.browser
def test_every_case_of_a_long_agenda_is_visible_and_reachable_at_1366_px(page, browser_login, team, started_meeting):
    meeting = started_meeting(n_cases=9, status=MeetingStatus.IN_SESSION)
    references = [item.case.reference for item in meeting.items]
    page.set_viewport_size({"width": 1366, "height": 768})
    browser_login(page, "secretary@example.org")
    page.goto(f"/meetings/{meeting.id}/session")
    strip = page.get_by_role("navigation", name="Cases of this meeting")
    width = page.evaluate("document.documentElement.clientWidth")
    for number, reference in enumerate(references, start=1):
        link = strip.get_by_role("link", name=f"{number} {reference}")
        box = link.bounding_box()
        # Wholly on screen, badge included: nothing clipped, nothing hidden behind a scroll.
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (reference, box)
        clipped = link.evaluate("a => { const li = a.closest('ol'); return li.scrollWidth > li.clientWidth; }")
        assert not clipped
    page.screenshot(path="test-artifacts/h3b-strip.png")

    # Keyboard: from the first case, Tab walks through every case in agenda order.
    strip.get_by_role("link", name=f"1 {references[0]}").focus()
    seen = [page.evaluate("document.activeElement.textContent")]
    for _ in references[1:]:
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.textContent"))
    assert [text.split()[1] for text in seen] == references


@pytest.mark.browser
def test_ticking_resistance_on_an_m_level_shows_its_levels_of_resistance(page, browser_login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    browser_login(page, "secretary@example.org")
    page.goto(f"/meetings/{meeting.id}/session")
    page.locator("#recommendations-0-kind").select_option("targeted_therapy")
    page.get_by_label("Evidence level").select_option("nct:m1A")
    hint = page.locator("#recommendations-0-evidence-hint")
    assert "Corresponds to: ESCAT I-A" in hint.inner_text()
    page.get_by_label("R: the biomarker predicts resistance").check()
    assert hint.inner_text().endswith("Corresponds to: OncoKB R1")
    page.get_by_label("R: the biomarker predicts resistance").uncheck()
    assert "Corresponds to: ESCAT I-A" in hint.inner_text()
