"""The coordinator's side: a new cohort through its form, then trainees imported from a CSV file."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from lms.timeutil import today
from tests.e2e.conftest import login

COHORT = "E2E · Quba · spring cohort"
CSV_HEADER = "name,email,organisation,country,language\n"


def csv_file(body: str) -> dict:
    return {"name": "trainees.csv", "mimeType": "text/csv", "buffer": (CSV_HEADER + body).encode("utf-8")}


def fill_calendar(page: Page, start, stage1_opens, stage1_closes, intensive, final) -> None:
    page.get_by_label("Distance learning starts").fill(start.isoformat())
    page.get_by_label("Stage-1 exam window opens").fill(stage1_opens.isoformat())
    page.get_by_label("Stage-1 exam window closes").fill(stage1_closes.isoformat())
    page.get_by_label("First intensive day").fill(intensive.isoformat())
    page.get_by_label("Final exam day").fill(final.isoformat())


def test_coordinator_creates_a_cohort_and_imports_trainees(page: Page):
    login(page, "admin@demo.lms")
    page.get_by_role("link", name="New cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New cohort")

    # Dates out of order: the stage-1 window opens inside the distance weeks and closes before it opens.
    start = today() + timedelta(days=30)
    page.get_by_label("Name", exact=True).fill(COHORT)
    page.get_by_label("Venue").fill("Quba Training Centre")
    fill_calendar(page, start, start + timedelta(days=10), start + timedelta(days=5),
                  start + timedelta(days=42), start + timedelta(days=46))
    page.get_by_role("button", name="Save cohort").click()

    expect(page.get_by_role("status")).to_contain_text("Please correct the marked fields; nothing was saved.")
    expect(page.get_by_text("The stage-1 exam must open after the 4 distance weeks")).to_be_visible()
    expect(page.get_by_text("The stage-1 window must close on or after the day it opens.")).to_be_visible()
    expect(page.get_by_label("Stage-1 exam window opens")).to_have_attribute("aria-invalid", "true")
    # What was typed is kept.
    expect(page.get_by_label("Name", exact=True)).to_have_value(COHORT)

    # Nothing saved: the cohort list (in another tab of the same session) does not have it.
    other = page.context.new_page()
    other.goto("/admin/cohorts")
    expect(other.get_by_role("heading", level=1)).to_be_visible()
    expect(other.get_by_text("EOSH ToT · Baku · current cohort")).to_be_visible()
    expect(other.get_by_text(COHORT)).to_have_count(0)
    other.close()

    # Corrected dates are accepted.
    fill_calendar(page, start, start + timedelta(days=28), start + timedelta(days=37),
                  start + timedelta(days=42), start + timedelta(days=46))
    page.get_by_role("button", name="Save cohort").click()
    expect(page.get_by_role("status")).to_contain_text(f"Cohort “{COHORT}” saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text(COHORT)
    trainees_heading = page.get_by_role("heading", name="Trainees (")
    expect(trainees_heading).to_have_text("Trainees (0 of 25)")

    # A file with one bad row: every problem listed by line, nobody enrolled.
    page.get_by_label("CSV file").set_input_files(csv_file(
        "Şəhla Əliyeva,shahla.aliyeva@example.org,Quba Bricks,Azerbaijan,az\n"
        "Алексей Ковалёв,not-an-address,Caspian Logistics,Kazakhstan,ru\n"
    ))
    page.get_by_role("button", name="Import trainees").click()
    errors = page.get_by_role("alert")
    expect(errors).to_contain_text("Nothing was imported")
    expect(errors.get_by_role("listitem")).to_have_count(1)
    expect(errors.get_by_role("listitem")).to_contain_text("Line 3")
    expect(errors).to_contain_text("not-an-address")
    expect(trainees_heading).to_have_text("Trainees (0 of 25)")
    expect(page.get_by_text("No trainees enrolled yet.")).to_be_visible()

    # The corrected file goes in whole, names in any script intact.
    page.get_by_label("CSV file").set_input_files(csv_file(
        "Şəhla Əliyeva,shahla.aliyeva@example.org,Quba Bricks,Azerbaijan,az\n"
        "Алексей Ковалёв,aleksei.kovalev@example.org,Caspian Logistics,Kazakhstan,ru\n"
    ))
    page.get_by_role("button", name="Import trainees").click()
    expect(page.get_by_role("status")).to_contain_text("2 trainees enrolled, 2 new accounts invited.")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(trainees_heading).to_have_text("Trainees (2 of 25)")
    table = page.get_by_role("table")
    for name, email in (("Şəhla Əliyeva", "shahla.aliyeva@example.org"),
                        ("Алексей Ковалёв", "aleksei.kovalev@example.org")):
        row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name, exact=True))
        expect(row).to_have_count(1)
        expect(row).to_contain_text(email)
