"""The trainee's side: the timeline of stages, locked weeks, lessons marked done, the phone layout."""

from __future__ import annotations

import re
from datetime import timedelta

from babel.dates import format_date
from playwright.sync_api import Page, expect

from lms.timeutil import today
from tests.e2e.conftest import login

TRAINEE = "trainee1@demo.lms"  # nine days into the Baku cohort: weeks 1 and 2 open, 3 and 4 not yet
STAGES = ["Distance learning", "Stage-1 exam", "Intensive", "Practical teach-back", "Final exam", "Certificate"]
LESSONS_DONE = re.compile(r"(\d+) of (\d+) lessons done")


def stages(page: Page):
    return page.get_by_role("list", name="Stages").get_by_role("listitem")


def test_timeline_shows_the_programme_stages_and_the_next_step(page: Page):
    login(page, TRAINEE)

    items = stages(page)
    expect(items).to_have_count(len(STAGES))
    for item, title in zip(items.all(), STAGES, strict=True):
        expect(item.get_by_role("heading")).to_contain_text(title)
    expect(items.first).to_contain_text("Open now")
    expect(items.first).to_contain_text(LESSONS_DONE)
    for later in items.all()[1:]:
        expect(later).not_to_contain_text("Open now")

    next_step = page.get_by_role("region", name="Your next step")
    expect(next_step).to_be_visible()
    expect(next_step).to_contain_text("Continue with")
    expect(next_step.get_by_role("link", name="Continue learning")).to_be_visible()


def test_a_future_week_is_locked_with_its_opening_date(page: Page):
    login(page, TRAINEE)
    week3 = page.get_by_role("listitem").filter(has_text="Week 3 · ")
    expect(week3).to_have_count(3)
    week3_opens = format_date(today() + timedelta(days=5), format="medium", locale="en")
    for item in week3.all():
        expect(item).to_contain_text(f"Opens {week3_opens}")
        expect(item.get_by_role("link")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(r"^Week [34] ·"))).to_have_count(0)

    # Open weeks are links.
    expect(page.get_by_role("link", name=re.compile(r"^Week 1 ·"))).to_have_count(3)
    expect(page.get_by_role("link", name=re.compile(r"^Week 2 ·"))).to_have_count(3)


def _numbers(pattern: re.Pattern, text: str) -> tuple[int, int]:
    match = pattern.search(text)
    assert match, text
    return int(match.group(1)), int(match.group(2))


def _week_progress(page: Page, week: int):
    """The line of the week-by-week list showing `done/total` for one week."""
    return page.get_by_role("listitem").filter(has=page.get_by_role("progressbar", name=f"Week {week} progress"))


def test_marking_a_lesson_done_moves_progress_on(page: Page):
    login(page, TRAINEE)
    expect(stages(page).first).to_contain_text(LESSONS_DONE)
    done, total = _numbers(LESSONS_DONE, stages(page).first.inner_text())
    weeks = {n: _numbers(re.compile(r"(\d+)/(\d+)"), _week_progress(page, n).inner_text()) for n in (1, 2)}

    # "Continue learning" leads to the first lesson not yet done.
    page.get_by_role("link", name="Continue learning").click()
    title = page.get_by_role("heading", level=1)
    expect(title).not_to_be_empty()
    lesson_title = title.inner_text()
    lesson_url = page.url

    # Its module (through the breadcrumb) is in week 1 or 2 and lists the lesson as not done.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link").last.click()
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    expect(crumbs).to_contain_text(re.compile(r"Week [12]\b"))
    week = int(re.search(r"Week (\d+)", crumbs.inner_text()).group(1))
    lesson_link = page.get_by_role("link", name=lesson_title, exact=True)
    lesson_item = page.get_by_role("listitem").filter(has=lesson_link)
    expect(lesson_item).to_have_count(1)
    expect(lesson_item).not_to_contain_text("Done")

    lesson_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson_title)
    page.get_by_role("button", name="Mark lesson as done").click()
    expect(page.get_by_role("status")).to_contain_text(f"“{lesson_title}” marked as done.")

    page.goto("/home")
    expect(stages(page).first).to_contain_text(f"{done + 1} of {total} lessons done")
    week_done, week_total = weeks[week]
    expect(_week_progress(page, week)).to_contain_text(f"{week_done + 1}/{week_total}")

    # Back on the lesson: it shows as done and cannot be marked again.
    page.goto(lesson_url)
    expect(page.get_by_text("Lesson done")).to_be_visible()
    expect(page.get_by_role("button", name="Mark lesson as done")).to_have_count(0)


def test_phone_width_has_no_sideways_scroll_and_a_menu(new_page):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    login(page, TRAINEE)

    expect(page.get_by_role("list", name="Stages")).to_be_visible()
    expect(page.get_by_role("region", name="Your next step")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    nav = page.get_by_role("navigation", name="Main")
    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="Home")).to_be_visible()
    expect(log_out).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
