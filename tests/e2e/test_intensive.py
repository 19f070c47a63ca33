"""A trainer marks a day of the intensive in the browser, with the keyboard-friendly form."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import login


def test_trainer_marks_todays_attendance(page: Page):
    login(page, "trainer@demo.lms")
    cohort = page.locator("section.card").filter(has=page.get_by_role("heading", name=re.compile("Sumqayit")))
    cohort.get_by_role("link", name="Intensive", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Intensive")
    page.get_by_role("link", name="Attendance").nth(1).click()  # day 2: today in the demo
    expect(page.get_by_role("heading", level=1)).to_contain_text("Day 2")
    row = page.get_by_role("row", name=re.compile("Günel İsmayılova"))
    row.get_by_role("radio", name="Late").check()
    row.get_by_label(re.compile("Note for")).fill("Arrived 09:20")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text(re.compile(r"Attendance for day 2 saved \(1 trainees\)"))).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Günel İsmayılova"))
    expect(row.get_by_role("radio", name="Late")).to_be_checked()
    expect(row.get_by_label(re.compile("Note for"))).to_have_value("Arrived 09:20")
