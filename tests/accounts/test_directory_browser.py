"""In Chromium: a person signs in through each of the hospital's routes (the LDAP form,
the OpenID Connect button), lands with the roles an administrator gave in MTB, and loses
access at the next page once the directory disables the account."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.fixtures.directory import LDAP_PASSWORD
from tests.fixtures.oidc_provider import OIDC_PASSWORD

pytestmark = pytest.mark.browser


def _admin_grants(browser, live_server, browser_login, admin_email, name, role_label):
    """The site administrator, in another browser, ticks a board role for the person."""
    context = browser.new_context(base_url=live_server)
    try:
        admin = context.new_page()
        browser_login(admin, admin_email)
        admin.goto("/admin/users")
        admin.get_by_role("link", name=name).click()
        expect(admin.get_by_text("Signs in with the hospital's directory")).to_be_visible()
        admin.get_by_label(role_label).check()
        admin.get_by_role("button", name="Save").click()
        expect(admin.locator(".flash-success")).to_contain_text("saved")
    finally:
        context.close()


def test_ldap_sign_in_lands_with_the_admins_roles_and_disabling_ends_it(
        app, page, browser, live_server, browser_login, ldap_directory, make_user, monkeypatch):
    make_user("breakglass@hospital.test", admin=True, name="Site admin")
    page.goto("/login")
    page.get_by_label("Username or e-mail").fill("amartin")
    page.get_by_label("Password").fill(LDAP_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.locator(".usermenu .who")).to_have_text("Dr Alice Martin")
    expect(page.locator("nav.mainnav")).not_to_contain_text("Thoracic oncology")  # no role yet

    _admin_grants(browser, live_server, browser_login, "breakglass@hospital.test", "Dr Alice Martin",
                  "Clinician — Thoracic oncology")
    page.reload()
    expect(page.locator("nav.mainnav")).to_contain_text("Thoracic oncology")
    page.get_by_role("link", name="Thoracic oncology").click()
    expect(page.locator("h1")).to_contain_text("Thoracic oncology")

    ldap_directory.disable("amartin")
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    page.reload()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator(".flash-warning")).to_contain_text("may no longer sign in to MTB")
    page.get_by_label("Username or e-mail").fill("amartin")
    page.get_by_label("Password").fill(LDAP_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert").or_(page.locator(".error"))).to_contain_text("may not sign in to MTB")


def test_oidc_sign_in_lands_with_the_admins_roles_and_disabling_ends_it(
        app, page, browser, live_server, browser_login, oidc_provider, make_user, monkeypatch):
    make_user("breakglass@hospital.test", admin=True, name="Site admin")

    def sign_in_at_the_hospital():
        page.goto("/login")
        page.get_by_role("link", name="Sign in with your hospital account").click()
        expect(page.locator("h1")).to_have_text("Hospital sign-in")
        page.get_by_label("Username").fill("fnoel")
        page.get_by_label("Password").fill(OIDC_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: url.startswith(live_server) and "/login" not in url)

    sign_in_at_the_hospital()
    expect(page.locator(".usermenu .who")).to_have_text("Dr Fanny Noël")
    _admin_grants(browser, live_server, browser_login, "breakglass@hospital.test", "Dr Fanny Noël",
                  "Clinician — Dermatology (melanoma)")
    page.reload()
    expect(page.locator("nav.mainnav")).to_contain_text("Dermatology")

    # Signing out of MTB offers the provider's own sign-out, which comes back to MTB.
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("h1")).to_have_text("You are logged out of MTB")
    page.get_by_role("link", name="Sign out of the hospital account").click()
    page.wait_for_url(lambda url: url.startswith(live_server) and "/login" in url)
    assert oidc_provider.logouts and oidc_provider.logouts[-1]["client_id"] == oidc_provider.client_id

    sign_in_at_the_hospital()
    expect(page.locator("nav.mainnav")).to_contain_text("Dermatology")
    oidc_provider.people["fnoel"].enabled = False
    monkeypatch.setitem(app.config, "DIRECTORY_RECHECK_MINUTES", 0)
    page.reload()
    expect(page).to_have_url(re.compile(r"/login"))
    # The provider refuses the refresh token (invalid_grant), as it would an expired one.
    expect(page.locator(".flash-warning")).to_contain_text("sign-in on this browser has expired")
