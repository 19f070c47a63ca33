"""Every role logs in through the real form, lands on its own home page and can log out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import HOME_HEADINGS, login


@pytest.mark.parametrize("email", list(HOME_HEADINGS))
def test_each_role_logs_in_and_out(page: Page, email: str):
    login(page, email)
    expect(page.get_by_role("heading", level=1)).to_contain_text(HOME_HEADINGS[email])

    page.get_by_role("button", name="Log out").click()

    expect(page.get_by_role("status")).to_contain_text("You are logged out.")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    # The session is really gone: the home page sends us back to the login form.
    page.goto("/home")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_text("Please log in to see this page.")).to_be_visible()


def test_wrong_password_is_refused(page: Page):
    page.goto("/login")
    page.get_by_label("Email").fill("trainee1@demo.lms")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Email or password is wrong.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))


def test_trainee_opening_a_coordinator_page_sees_the_styled_403(page: Page):
    login(page, "trainee1@demo.lms")
    response = page.goto("/admin/cohorts")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.get_by_text("Your account does not have access to this page.")).to_be_visible()
    expect(page.get_by_role("link", name="Go to your home page")).to_be_visible()
    # Still the site's layout, with its navigation, not a bare server error.
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_language_switcher_changes_the_site_language_for_the_account(page: Page, new_page):
    login(page, "trainee2@demo.lms")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Алексей Ковалёв")

    page.get_by_label("Language").select_option(label="Русский")  # submits on change
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("combobox")).to_have_value("ru")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Алексей Ковалёв")

    # The choice belongs to the account: it holds in a new browser too.
    elsewhere = new_page()
    elsewhere.goto("/login")
    expect(elsewhere.locator("html")).to_have_attribute("lang", "en")
    elsewhere.get_by_label("Email").fill("trainee2@demo.lms")
    elsewhere.get_by_label("Password").fill("demo1234")
    elsewhere.get_by_role("button", name="Log in").click()
    expect(elsewhere.locator("html")).to_have_attribute("lang", "ru")

    page.get_by_role("combobox").select_option(label="English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Алексей Ковалёв")
