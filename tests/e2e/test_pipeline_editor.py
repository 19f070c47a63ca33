"""A coordinator builds a pipeline in the browser: a new programme of their own (the demo's EOSH programme is
left alone), a sessions stage and an exam after it, reordered and retitled, the participant's preview, and a
removal that asks first."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from lms.timeutil import today
from tests.e2e.conftest import login

PROGRAMME = "E2E · Pipeline editor seminar"


def stage_titles(page: Page):
    return page.locator(".pipeline-stages h3")


def add_stage(page: Page, key: str, kind: str, title: str, offset: int, pass_value: int, after=()) -> None:
    page.get_by_role("link", name="Add a stage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a stage")
    page.get_by_label("Key").fill(key)
    page.get_by_label("Kind").select_option(label=kind)
    page.get_by_label("Title (English)").fill(title)
    page.get_by_label("Opens (days after the cohort starts)").fill(str(offset))
    page.get_by_label("Length (days)").fill("1")
    if after:
        page.get_by_label("Opens after passing").select_option(label=list(after))
    page.get_by_label("Pass value (percent)").fill(str(pass_value))
    page.get_by_role("button", name="Save stage").click()
    expect(page.get_by_role("status")).to_contain_text(f"Stage “{title}” added.")


def test_a_coordinator_builds_a_pipeline_with_a_preview(page: Page):
    login(page, "admin@demo.lms")
    page.goto("/admin/programmes/new")
    page.get_by_label("Name", exact=True).fill(PROGRAMME)
    page.get_by_role("button", name="Save programme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROGRAMME)
    page.get_by_role("link", name="Pipeline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pipeline")
    expect(stage_titles(page)).to_have_count(5)

    add_stage(page, "seminar-day", "Sessions (in person, online or hybrid)", "Seminar day", 70, 75)
    add_stage(page, "quiz", "Online exam", "Closing quiz", 71, 60, after=["Seminar day"])
    expect(stage_titles(page).nth(5)).to_have_text("Seminar day (seminar-day)")
    expect(stage_titles(page).nth(6)).to_have_text("Closing quiz (quiz)")

    # Reorder: the seminar before the final exam, the quiz after it; the quiz may not go before the seminar.
    page.get_by_role("button", name="Move up Seminar day").click()
    expect(page.get_by_role("status")).to_contain_text("“Seminar day” moved.")
    page.get_by_role("button", name="Move up Closing quiz").click()
    expect(page.get_by_role("status")).to_contain_text("“Closing quiz” moved.")
    page.get_by_role("button", name="Move up Closing quiz").click()
    expect(page.get_by_role("status")).to_contain_text(
        "“Closing quiz” comes after “Seminar day”, so it cannot move before it.")
    expect(stage_titles(page).nth(4)).to_have_text("Seminar day (seminar-day)")
    expect(stage_titles(page).nth(5)).to_have_text("Closing quiz (quiz)")
    expect(stage_titles(page).nth(6)).to_have_text("Final exam (final)")

    # Retitle, in three languages.
    page.get_by_role("link", name="Edit Seminar day").click()
    expect(page.get_by_label("Key")).to_have_value("seminar-day")
    page.get_by_label("Title (English)").fill("Seminar day (hybrid)")
    page.get_by_label("Title (Azerbaijani)").fill("Seminar günü (hibrid)")
    page.get_by_label("Title (Russian)").fill("Семинар (гибридный)")
    page.get_by_role("button", name="Save stage").click()
    expect(page.get_by_role("status")).to_contain_text("Stage “Seminar day (hybrid)” saved.")

    # The preview: the participant's cards in this order, with the gate in words, and the award last.
    preview = page.get_by_role("region", name="Preview: a participant's timeline")
    cards = preview.locator("h3")
    expect(cards.nth(4)).to_have_text("Seminar day (hybrid)")
    expect(cards.nth(5)).to_have_text("Closing quiz")
    expect(cards.last).to_have_text("International Trainer Certificate")
    quiz_card = preview.locator("li", has_text="Closing quiz")
    expect(quiz_card).to_contain_text("Opens after passing “Seminar day (hybrid)”.")
    opens = today() + timedelta(days=71)  # a cohort starting today; the quiz opens 71 days in
    expect(quiz_card).to_contain_text(re.compile(rf"Online exam · \D*{opens.day}\D.*{opens.year}"))

    # The seminar cannot go while the quiz comes after it; the quiz asks first, and Cancel keeps it.
    page.get_by_role("link", name="Remove Seminar day (hybrid)").click()
    expect(page.get_by_role("status")).to_contain_text("“Closing quiz” come(s) after it")
    page.get_by_role("link", name="Remove Closing quiz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove the stage “Closing quiz”?")
    page.get_by_role("link", name="Cancel").click()
    expect(stage_titles(page)).to_have_count(7)
    page.get_by_role("link", name="Remove Closing quiz").click()
    page.get_by_role("button", name="Remove stage").click()
    expect(page.get_by_role("status")).to_contain_text("Stage “Closing quiz” removed.")
    expect(stage_titles(page)).to_have_count(6)
    expect(page.locator(".pipeline-stages, .timeline").get_by_text("Closing quiz")).to_have_count(0)


def test_the_editor_pages_fit_a_phone(new_page, live_app):
    """Read-only visits (the demo is not changed): the pipeline, a stage's form, a cohort's stage dates."""
    from lms.courses.models import Cohort
    from lms.extensions import db
    from tests.e2e.test_layout import CHECK_LAYOUT

    with live_app.app_context():
        cohort = db.session.scalars(db.select(Cohort).order_by(Cohort.id)).first()
        programme_id, cohort_id = cohort.programme_id, cohort.id
        stage_id = min(cohort.programme.stages, key=lambda s: s.position).id
        db.session.remove()
    page = new_page(viewport={"width": 390, "height": 900})
    login(page, "admin@demo.lms")
    pipeline = f"/admin/programmes/{programme_id}/pipeline"
    for path in (pipeline, f"{pipeline}/new", f"{pipeline}/{stage_id}/edit", f"/admin/cohorts/{cohort_id}/stage-dates"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.evaluate(CHECK_LAYOUT) == {"broken": [], "clipped": []}, path
