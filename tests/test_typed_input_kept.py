"""Typing is never lost to an ended session, in Chromium (static/js/mtb.js): what a save sent
is kept in the tab's sessionStorage when the sign-in page or the "Form expired" page comes
instead, and the form offers it back; it is forgotten once a save goes through, on
"Discard", on signing out and when someone else signs in. While someone types, the session
is kept alive; a page left alone still times out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from mtb.accounts import sessions
from mtb.cases.models import Case
from mtb.extensions import db
from tests.fixtures.people import PASSWORD

pytestmark = pytest.mark.browser

NEW = "/boards/thoracic/cases/new"
QUESTION = "Osimertinib after T790M loss? Trial NCT01234567?"
KEPT = "Object.keys(sessionStorage).filter(k => k.startsWith('mtb.typed'))"


@pytest.fixture
def clinician_email(make_user):
    make_user("clinician@example.org", {"thoracic": ["clinician"]}, name="Dr Claire Dubois")
    return "clinician@example.org"


def type_a_case(page):
    page.goto(NEW)
    page.get_by_label("Hospital record number").fill("IPP0077001")
    page.get_by_label("Patient name").fill("VIDAL Anne")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Date of birth").fill("1958-02-14")
    page.get_by_label("Question to the board").fill(QUESTION)
    card = page.locator(".bm-card").first
    card.get_by_label("Kind of finding").select_option("variant")
    card.get_by_label("Gene (HGNC symbol)").fill("EGFR")
    card.get_by_label("HGVS p.").fill("p.Leu858Arg")
    # A row added in the page: it is not in the form the server sends after sign-in.
    page.get_by_role("button", name="Add biomarker row").click()
    second = page.locator(".bm-card").nth(1)
    second.get_by_label("Kind of finding").select_option("tmb")
    second.get_by_label("TMB (mut/Mb)").fill("14")


def sign_in(page, email):
    # The form's field checks still in flight when the session ended were sent to the sign-in
    # page too, each with a new session (and form token) of its own: sign in once they are
    # done, on the page read again with the session the browser kept last.
    page.wait_for_load_state("networkidle")
    page.reload()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def save_after_the_session_timed_out(page, app, monkeypatch):
    """The idle time passes on the server while the clinician writes; then "Save draft"."""
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 0)
    page.wait_for_timeout(50)
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/login"))
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 30)


def banner(page):
    return page.get_by_role("region", name=re.compile(r"^Restore what you typed at \d\d:\d\d$"))


def test_typing_sent_after_the_idle_timeout_comes_back_after_signing_in(page, browser_login, clinician_email, app,
                                                                         monkeypatch):
    browser_login(page, clinician_email)
    type_a_case(page)
    save_after_the_session_timed_out(page, app, monkeypatch)
    expect(page.get_by_text("after 0 minutes without activity")).to_be_visible()
    expect(page.get_by_text("What you typed in the form is not lost")).to_be_visible()
    # Kept in this tab only, by the form's address, without the CSRF token.
    assert sorted(page.evaluate(KEPT)) == ["mtb.typed.pending", "mtb.typed:" + NEW]
    assert page.evaluate("localStorage.length") == 0
    kept = page.evaluate(f"JSON.parse(sessionStorage.getItem('mtb.typed:{NEW}'))")
    names = {name for name, *_value in kept["fields"]}
    assert ["clinical_question", QUESTION] in kept["fields"] and "csrf_token" not in names
    sign_in(page, clinician_email)
    assert page.url.endswith(NEW)  # back to the form
    expect(banner(page)).to_be_visible()
    expect(banner(page)).to_be_focused()
    assert page.get_by_label("Question to the board").input_value() == ""
    page.screenshot(path="test-artifacts/typed-kept-offer.png", full_page=True)
    page.keyboard.press("Tab")  # keyboard only: Restore is the banner's first button
    expect(page.get_by_role("button", name="Restore")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("What you typed is back in the form.")).to_be_visible()
    expect(page.get_by_label("Question to the board")).to_have_value(QUESTION)
    expect(page.get_by_label("Patient name")).to_have_value("VIDAL Anne")
    expect(page.locator(".bm-card")).to_have_count(2)
    expect(page.locator(".bm-card").nth(1).get_by_label("TMB (mut/Mb)")).to_have_value("14")
    expect(page.locator(".bm-card").first.get_by_label("Gene (HGNC symbol)")).to_have_value("EGFR")
    expect(page.locator(".bm-card").first.get_by_label("HGVS p.")).to_have_value("p.Leu858Arg")
    assert page.evaluate(KEPT) == []  # restored: nothing kept twice
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash-success")).to_contain_text("Draft")
    case = db.session.scalars(sa.select(Case)).one()
    assert case.clinical_question == QUESTION and len(case.biomarkers) == 2
    assert page.evaluate(KEPT) == []


def test_typing_sent_to_a_form_expired_page_is_offered_back_on_the_form(page, browser_login, clinician_email):
    browser_login(page, clinician_email)
    type_a_case(page)
    # Signed out and in again in another tab: this page's form was made for the old session.
    other = page.context.new_page()
    other.goto("/")
    other.get_by_role("button", name="Log out").click()
    sign_in(other, clinician_email)
    other.close()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name=re.compile("Form expired"))).to_be_visible()
    expect(page.get_by_text("it offers to restore what you typed in this browser tab")).to_be_visible()
    page.get_by_role("link", name="Back to the form").click()
    page.get_by_role("button", name="Restore").click()
    expect(page.get_by_label("Question to the board")).to_have_value(QUESTION)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash-success")).to_contain_text("Draft")
    assert db.session.scalars(sa.select(Case)).one().clinical_question == QUESTION


def test_a_save_that_goes_through_discard_and_signing_out_forget_the_typing(page, browser_login, clinician_email, app,
                                                                             monkeypatch):
    browser_login(page, clinician_email)
    page.goto(NEW)
    page.get_by_label("Question to the board").fill(QUESTION)
    page.get_by_role("button", name="Save draft").click()  # refused (no patient): the form comes back
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.evaluate(KEPT) == [] and banner(page).count() == 0
    expect(page.get_by_label("Question to the board")).to_have_value(QUESTION)  # the server kept it
    # Discard.
    type_a_case(page)
    save_after_the_session_timed_out(page, app, monkeypatch)
    sign_in(page, clinician_email)
    page.get_by_role("button", name="Discard").click()
    expect(banner(page)).to_have_count(0)
    assert page.evaluate(KEPT) == []
    page.reload()
    expect(page.get_by_role("button", name="Restore")).to_have_count(0)
    # Signing out.
    type_a_case(page)
    save_after_the_session_timed_out(page, app, monkeypatch)
    sign_in(page, clinician_email)
    expect(banner(page)).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    assert page.evaluate(KEPT) == []
    sign_in(page, clinician_email)
    page.goto(NEW)
    expect(page.get_by_role("button", name="Restore")).to_have_count(0)


def test_someone_else_signing_in_in_the_tab_is_not_offered_the_typing(page, browser_login, clinician_email, app,
                                                                       monkeypatch, make_user):
    make_user("colleague@example.org", {"thoracic": ["clinician"]})
    browser_login(page, clinician_email)
    type_a_case(page)
    save_after_the_session_timed_out(page, app, monkeypatch)
    sign_in(page, "colleague@example.org")
    expect(page.get_by_label("Question to the board")).to_be_visible()
    expect(page.get_by_role("button", name="Restore")).to_have_count(0)
    assert page.evaluate(KEPT) == []


def test_typing_keeps_the_session_alive_and_a_page_left_alone_times_out(page, browser_login, clinician_email, app,
                                                                         monkeypatch):
    # A 6-second idle time: the page asks every 2 seconds at most, and each ask counts.
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 0.1)
    monkeypatch.setattr(sessions, "TOUCH_EVERY", timedelta(seconds=0))
    asked = []
    page.on("request", lambda request: asked.append(request.url) if request.url.endswith("/login")
            and request.headers.get("accept") == "application/json" else None)
    browser_login(page, clinician_email)
    type_a_case(page)
    asked.clear()
    for second in range(10):  # ten seconds of typing, more than the idle time
        page.get_by_label("Question to the board").press_sequentially(f" {second}")
        page.wait_for_timeout(1000)
    assert 3 <= len(asked) <= 6, asked  # about one ask per 2 seconds, not one per key
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash-success")).to_contain_text("Draft")  # still signed in
    # Left alone longer than the idle time: no ask, and the session ends.
    page.goto(NEW)
    asked.clear()
    page.wait_for_timeout(7000)
    assert asked == []
    page.reload()
    assert "/login" in page.url
