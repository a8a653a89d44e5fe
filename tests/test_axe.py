"""Accessibility: axe-core (npm, pinned in package.json, installed by ``npm ci``) checks the
main pages of the demo in Debian's Chromium, in English and in French: no critical or
serious violation.

Each page is opened as the person who uses it; axe runs in the page through Playwright's
evaluate (the CSP allows no injected script tag, and needs none for this)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from mtb.cases.models import Case, CaseStatus
from mtb.extensions import db
from mtb.meetings.models import Meeting, MeetingStatus

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
#: The impacts that fail the suite (axe also reports "moderate" and "minor" ones).
BLOCKING = ("critical", "serious")


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("axe-core is missing in CI: `npm ci` installs it (package.json)")
        pytest.skip("axe-core is not installed: run `npm ci` at the repository root")
    return AXE.read_text(encoding="utf-8")


def _pages(demo_password: str) -> dict[str, list[str]]:
    """Who opens which page of the demo."""
    def meeting(board: str, status: MeetingStatus) -> Meeting:
        return db.session.scalar(sa.select(Meeting).join(Meeting.board).where(
            Meeting.status == status, Meeting.board.has(slug=board)).order_by(Meeting.starts_at.desc()).limit(1))

    next_thoracic = meeting("thoracic", MeetingStatus.PUBLISHED)
    running = meeting("paediatric", MeetingStatus.IN_SESSION)
    closed = meeting("dermatology", MeetingStatus.CLOSED)
    signed = meeting("thoracic", MeetingStatus.SIGNED)
    case = db.session.scalar(sa.select(Case).where(Case.status == CaseStatus.SCHEDULED).order_by(Case.id).limit(1))
    draft = db.session.scalar(sa.select(Case).where(Case.status == CaseStatus.DRAFT).order_by(Case.id).limit(1))
    return {
        "clinician@example.org": ["/", "/cases/mine", "/boards/thoracic/cases/new", f"/cases/{case.id}"]
                                 + ([f"/cases/{draft.id}/edit"] if draft else []),
        "secretary@example.org": [f"/meetings/{next_thoracic.id}/agenda", f"/meetings/{running.id}/session",
                                  "/boards/thoracic/meetings", "/boards/thoracic/cases"],
        "chair@example.org": ["/", f"/meetings/{closed.id}/minutes", f"/meetings/{closed.id}/review",
                              f"/meetings/{signed.id}/minutes", "/decisions"],
        "member@example.org": [f"/meetings/{next_thoracic.id}", f"/meetings/{running.id}/live",
                               f"/meetings/{running.id}/present"],
        "admin@example.org": ["/admin/users", "/admin/audit", "/boards/thoracic/settings"],
    }


def _axe(page, source: str) -> list[dict]:
    page.evaluate(source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_main_pages_have_no_critical_or_serious_accessibility_violation(app, browser, live_server, axe_source, language, demo):
    pages = _pages(app.config["DEMO_PASSWORD"])
    found = []
    for email, paths in pages.items():
        context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.goto("/login")
        page.locator("input[name=email]").fill(email)
        page.locator("input[name=password]").fill(app.config["DEMO_PASSWORD"])
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(lambda url: "/login" not in url)
        if language != "en":
            page.locator(f"footer button[value={language}]").click()
            page.wait_for_load_state()
        for path in paths:
            page.goto(path)
            for violation in _axe(page, axe_source):
                found.append({"page": path, "as": email, "rule": violation["id"], "impact": violation["impact"],
                              "help": violation["help"], "nodes": [n["target"] for n in violation["nodes"][:5]]})
        context.close()
    Path("test-artifacts").mkdir(exist_ok=True)
    Path(f"test-artifacts/axe-{language}.json").write_text(json.dumps(found, indent=1, ensure_ascii=False))
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)[:4000]
