"""The stage-1 exam in a real browser: autosave survives a reload, submit, grading from the queue."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import login


def _answer(fieldset) -> None:
    """Give some answer to one question, the way a person would."""
    kind = fieldset.get_attribute("data-type")
    if kind in ("single", "truefalse"):
        fieldset.get_by_role("radio").first.check()
    elif kind == "multi":
        fieldset.get_by_role("checkbox").first.check()
    elif kind == "matching":
        for select in fieldset.get_by_role("combobox").all():
            select.select_option(index=1)
    elif kind == "essay":
        fieldset.get_by_role("textbox").fill("Eliminate the hazard first, then engineer it out; PPE comes last.")
    else:
        fieldset.get_by_role("textbox").fill("12")


def _state(fieldset) -> str:
    kind = fieldset.get_attribute("data-type")
    if kind in ("single", "truefalse", "multi"):
        return str(fieldset.locator("input:checked").count())
    if kind == "matching":
        return ",".join(s.input_value() for s in fieldset.get_by_role("combobox").all())
    return fieldset.get_by_role("textbox").input_value()


def test_trainee_sits_the_stage_one_exam_and_a_trainer_grades_the_essay(new_page):
    page: Page = new_page()
    login(page, "trainee2@demo.lms")
    page.get_by_role("link", name="Go to the exam").first.click()
    page.get_by_role("button", name="Start the exam").click()
    expect(page.get_by_text("Time left")).to_be_visible()

    questions = page.locator("fieldset[data-slot]")
    total = questions.count()
    assert total >= 10
    half = total // 2
    for i in range(half):
        _answer(questions.nth(i))
    expect(page.locator("#save-state")).to_have_text("All answers saved")
    before = [_state(questions.nth(i)) for i in range(half)]

    page.reload()
    questions = page.locator("fieldset[data-slot]")
    assert [_state(questions.nth(i)) for i in range(half)] == before
    assert all(value not in ("", "0") for value in before)

    for i in range(half, total):
        _answer(questions.nth(i))
    expect(page.locator("#save-state")).to_have_text("All answers saved")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit the exam").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+/result$"))
    expect(page.get_by_text("once a trainer has graded the written answers")).to_be_visible()
    result_url = page.url

    trainer = new_page()
    login(trainer, "trainer@demo.lms")
    trainer.get_by_role("link", name="Grading", exact=True).click()
    trainer.get_by_role("link", name="Grade every answer to this question").first.click()
    answer = trainer.locator("section.answer").first
    expect(answer).to_contain_text("Eliminate the hazard first")
    expect(trainer.locator("main")).not_to_contain_text("Алексей")  # anonymised: no trainee names
    answer.get_by_label("Points").fill("4")
    answer.get_by_label("Feedback to the trainee").fill("Good order of controls.")
    answer.get_by_role("button", name="Save grade").click()
    expect(trainer.get_by_text(re.compile(r"Grade saved for answer"))).to_be_visible()

    page.goto(result_url)
    expect(page.get_by_text(re.compile(r"Score: \d"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^(Passed|Not passed)"))).to_be_visible()
