"""What a person sees after pressing a button: one confirmation per action, and after a
refused form the reason at once, where the eyes are (the page is scrolled to it)."""

from __future__ import annotations

import pytest

from mtb.cases import services as case_services
from mtb.cases.uploads import Upload
from mtb.extensions import db
from tests.fixtures.cases import EXE, MINIMAL_PDF

pytestmark = pytest.mark.browser


def test_removing_a_report_asks_for_confirmation_once(page, browser_login, clinician, create_case):
    case = create_case(submitter=clinician)
    case_services.add_attachments(case, clinician, [Upload("ngs-report.pdf", MINIMAL_PDF)])
    db.session.commit()
    asked = []
    page.on("dialog", lambda dialog: asked.append(dialog.message))  # the fixture answers OK
    browser_login(page, clinician.email)
    page.goto(f"/cases/{case.id}")
    with page.expect_navigation():
        page.get_by_role("button", name="Remove").first.click()
    page.get_by_text("ngs-report.pdf removed.").wait_for()
    assert asked == ["Remove ngs-report.pdf from the case?"]


def test_a_refused_attachment_is_explained_in_view_without_scrolling(page, browser_login, clinician, create_case, tmp_path):
    case = create_case(submitter=clinician)
    case_services.add_attachments(case, clinician, [Upload("ngs-report.pdf", MINIMAL_PDF)])
    db.session.commit()
    program = tmp_path / "setup.exe"
    program.write_bytes(EXE)
    page.set_viewport_size({"width": 1366, "height": 768})
    browser_login(page, clinician.email)
    page.goto(f"/cases/{case.id}")
    page.locator("input[type=file]").set_input_files(str(program))
    with page.expect_navigation():
        page.get_by_role("button", name="Attach").click()
    error = page.locator("#attachments .error, .has-error .error").first
    page.wait_for_function("() => document.activeElement && document.activeElement !== document.body")
    box = error.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 768, box
