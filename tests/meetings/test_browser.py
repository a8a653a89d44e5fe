"""In the browser: the secretary builds the next agenda from the pool, reorders it by
dragging, publishes it, and a member reads it."""

import re
from datetime import timedelta

import pytest

from mtb.db import utcnow
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus

pytestmark = pytest.mark.browser


def test_secretary_builds_reorders_and_publishes_agenda_and_member_reads_it(
        page, browser_login, secretary, member, create_meeting, create_case):
    meeting = create_meeting(starts_at=(utcnow() + timedelta(days=8)).replace(hour=13, minute=0, second=0, microsecond=0))
    egfr = create_case(diagnosis="Lung adenocarcinoma, EGFR L858R, progression on osimertinib")
    alk = create_case(diagnosis="NSCLC, EML4::ALK fusion, brain metastases",
                      biomarkers=[{"kind": "fusion", "gene": "EML4", "gene_3p": "ALK"}])
    kras = create_case(diagnosis="Lung adenocarcinoma, KRAS G12C, PD-L1 TPS 80 %",
                       biomarkers=[{"kind": "variant", "gene": "KRAS", "hgvs_p": "p.Gly12Cys", "vaf": 21},
                                   {"kind": "pdl1", "pdl1_tps": 80}])
    waiting = create_case(diagnosis="Lung squamous cell carcinoma, TMB 14 mut/Mb", urgency="urgent",
                          biomarkers=[{"kind": "tmb", "tmb": 14.2}])
    db.session.commit()

    browser_login(page, secretary.email)
    page.goto(f"/meetings/{meeting.id}/agenda")
    for case in (egfr, alk, kras):
        page.get_by_role("button", name=f"Add {case.reference} to the agenda").click()
        page.wait_for_load_state()
    items = page.locator(".agenda-item")
    assert items.count() == 3
    # Drag the third case above the first (agenda.js), then check with the no-JS buttons too.
    items.nth(2).drag_to(items.nth(0), target_position={"x": 40, "y": 5})
    page.wait_for_url(re.compile(r"/agenda"))
    page.wait_for_selector(".flash-success")
    refs = page.locator(".agenda-item .ref").all_inner_texts()
    assert refs == [kras.reference, egfr.reference, alk.reference]
    page.get_by_role("button", name=f"Move {alk.reference} up").click()
    page.wait_for_load_state()
    assert page.locator(".agenda-item .ref").all_inner_texts() == [kras.reference, alk.reference, egfr.reference]
    page.get_by_label("Minutes allotted", exact=True).first.fill("20")
    page.locator(".agenda-item").first.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "40 / 120" in page.locator(".timebar-label").inner_text().replace("\n", " ")
    assert waiting.reference in page.locator("#pool").inner_text()

    asked = []
    page.on("dialog", lambda dialog: asked.append(dialog.message))  # the fixture answers OK
    page.get_by_role("button", name="Publish agenda").click()
    page.wait_for_selector(".flash-success")
    assert asked and asked[0].startswith("Publish the agenda?")  # asked once before telling everyone
    db.session.refresh(meeting)
    assert meeting.status is MeetingStatus.PUBLISHED

    page.context.clear_cookies()
    browser_login(page, member.email)
    page.goto(f"/meetings/{meeting.id}")
    rows = page.locator(".agenda-table tbody tr")
    assert rows.count() == 3
    assert rows.nth(0).inner_text().count(kras.reference) == 1
    assert "Agenda not yet published" not in page.content()
    page.screenshot(path="test-artifacts/h2-meeting-page.png", full_page=True)
    page.goto("/boards/thoracic/meetings")
    assert page.get_by_role("link", name=re.compile("Agenda")).count() >= 1
    page.screenshot(path="test-artifacts/h2-board-meetings.png", full_page=True)


def test_enter_in_a_minutes_field_saves_the_agenda_and_adds_no_case(page, browser_login, secretary, create_meeting,
                                                                     create_case):
    """Enter in a row's minutes saves them; it used to press the pool's first button ("Add
    all proposed cases"), which comes first in the page, and put the pool on the agenda."""
    meeting = create_meeting(starts_at=(utcnow() + timedelta(days=8)).replace(hour=13, minute=0, second=0, microsecond=0))
    first, waiting = create_case(), create_case()
    db.session.commit()
    browser_login(page, secretary.email)
    page.goto(f"/meetings/{meeting.id}/agenda")
    page.get_by_role("button", name=f"Add {first.reference} to the agenda").click()
    page.wait_for_load_state()
    assert waiting.reference in page.locator("#pool").inner_text()
    field = page.get_by_label("Minutes allotted", exact=True).first
    field.fill("25")
    field.press("Enter")
    page.wait_for_selector(".flash-success")
    assert page.locator(".agenda-item .ref").all_inner_texts() == [first.reference]
    assert page.get_by_label("Minutes allotted", exact=True).first.input_value() == "25"
    assert waiting.reference in page.locator("#pool").inner_text()
