"""What screen-reader and keyboard users meet (issue 15, point 7) and the check-in QR's place on the screen.

The menu is a real button that says whether it is open; the exam clock ticks outside any live region and only
its milestones are announced; the check-in QR sits in the middle of its card.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.auth.models import TRAINEE, User
from lms.courses import services as courses
from lms.courses.models import Cohort, Enrolment
from lms.demo.seed import DEMO_PASSWORD
from lms.extensions import db
from tests.e2e.conftest import login

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

# Elements hidden from assistive technology that can still take the focus (axe: aria-hidden-focus).
FOCUSABLE_BUT_HIDDEN = """() => [...document.querySelectorAll('[aria-hidden="true"]')]
  .flatMap(e => [e, ...e.querySelectorAll('*')])
  .filter(e => e.matches('a[href], button, input, select, textarea, [tabindex]') && e.tabIndex >= 0)
  .map(e => e.outerHTML.slice(0, 80))"""


# ---- the menu ----------------------------------------------------------------------------------------------


def test_the_phone_menu_is_a_button_that_says_whether_it_is_open(new_page):
    page: Page = new_page(**PHONE)
    login(page, "trainee1@demo.lms")
    assert page.evaluate(FOCUSABLE_BUT_HIDDEN) == []
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_have_attribute("aria-expanded", "false")
    controlled = page.locator(f"#{menu.get_attribute('aria-controls')}")
    expect(controlled).to_have_attribute("aria-label", "Main")  # the button names the menu it opens
    expect(controlled).to_be_hidden()

    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Home")).to_be_visible()
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Home")).to_be_focused()
    page.keyboard.press("Escape")  # closes the menu and gives the focus back to its button
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(controlled).to_be_hidden()
    expect(menu).to_be_focused()


def test_without_javascript_the_menu_is_simply_open_and_on_a_desktop_there_is_no_menu_button(new_page):
    page: Page = new_page(java_script_enabled=False, **PHONE)
    page.goto("/")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_have_count(0)  # hidden: no button that does nothing

    desktop: Page = new_page(viewport={"width": 1280, "height": 800})
    desktop.goto("/")
    expect(desktop.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()
    expect(desktop.get_by_role("button", name="Menu")).to_be_hidden()
    assert desktop.evaluate(FOCUSABLE_BUT_HIDDEN) == []


# ---- the exam clock ----------------------------------------------------------------------------------------

# Is the element inside (or itself) a region that screen readers read out whenever it changes?
IN_LIVE_REGION = """e => !!e.closest(
  '[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"], [role="log"]')"""


@pytest.fixture
def exam_taker(live_app):
    """A trainee of the demo's stage-1 cohort with every module done, so the exam opens; removed afterwards."""
    email = "a11y-clock@demo.lms"
    with live_app.app_context():
        cohort = db.session.scalar(select(Cohort).where(Cohort.name.contains("Ganja")))
        user = db.session.scalar(select(User).filter_by(email=email))
        if user is None:
            user = User(email=email, name="Clock Reader", role=TRAINEE, language="en")
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
        enrolment = Enrolment(cohort=cohort, user=user)
        db.session.add(enrolment)
        db.session.flush()
        for module in cohort.programme.modules:
            for lesson in module.lessons:
                courses.mark_lesson_done(enrolment, lesson)
        db.session.commit()
        enrolment_id = enrolment.id
        db.session.remove()
    yield email
    with live_app.app_context():
        db.session.delete(db.session.get(Enrolment, enrolment_id))  # its attempt goes with it
        db.session.commit()
        db.session.remove()


def test_the_exam_clock_is_not_read_out_every_second_only_its_milestones(page: Page, exam_taker):
    page.clock.install()
    login(page, exam_taker)
    page.get_by_role("link", name="Go to the exam").first.click()
    page.get_by_role("button", name="Start the exam").click()
    clock = page.get_by_role("timer")
    expect(clock).to_contain_text("Time left")
    page.clock.pause_at(page.evaluate("Date.now()") + 500)  # from now on the page's time moves only when told
    assert clock.evaluate(IN_LIVE_REGION) is False
    assert page.locator("#countdown-value").evaluate(IN_LIVE_REGION) is False

    milestone = page.locator("#countdown-milestone")
    expect(milestone).to_have_attribute("role", "status")
    expect(milestone).to_have_text("")
    seconds_left = int(clock.get_attribute("data-seconds-left"))
    assert seconds_left > 11 * 60

    page.clock.run_for((seconds_left - 10 * 60 - 3) * 1000)  # every tick, up to 10 min 3 s left
    expect(page.locator("#countdown-value")).to_have_text("10:03")
    expect(milestone).to_have_text("")  # nothing announced while the clock ticked
    page.clock.run_for(5_000)
    expect(milestone).to_have_text("10 minutes left.")
    expect(page.locator("#countdown-value")).to_have_text("9:58")
    page.clock.run_for(60_000)
    expect(milestone).to_have_text("10 minutes left.")  # the same words, not a new second each time
    page.clock.run_for(5 * 60_000)
    expect(milestone).to_have_text("5 minutes left.")
    page.clock.run_for(3 * 60_000 + 10_000)
    expect(milestone).to_have_text("1 minute left.")
    expect(page.locator("#save-state")).to_have_attribute("role", "status")  # saving is still announced


# ---- the check-in QR ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [390, 1280])
def test_the_check_in_qr_is_centred_and_large_enough_to_scan_across_a_room(new_page, width):
    page: Page = new_page(viewport={"width": width, "height": 900})
    login(page, "trainer@demo.lms")
    cohort = page.locator("section.card").filter(has=page.get_by_role("heading", name=re.compile("Sumqayit")))
    cohort.get_by_role("link", name="Intensive", exact=True).click()
    page.get_by_role("link", name="Attendance").nth(1).click()  # day 2: today in the demo
    page.get_by_role("button", name="Open self check-in").click()
    try:
        expect(page.get_by_role("heading", level=1)).to_contain_text("Check in for day 2")
        card = page.locator(".checkin-display").bounding_box()
        drawing = page.locator(".checkin-display .qr svg path").bounding_box()  # the modules themselves
        card_middle = card["x"] + card["width"] / 2
        drawing_middle = drawing["x"] + drawing["width"] / 2
        assert abs(card_middle - drawing_middle) <= 2, (card, drawing)
        assert drawing["width"] >= 150
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        page.goto(page.url.replace("/checkin", "/attendance"))
        page.get_by_role("button", name="Close self check-in").click()
        expect(page.get_by_role("button", name="Open self check-in")).to_be_visible()
