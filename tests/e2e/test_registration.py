"""Public registration in the browser: a coordinator opens it, an anonymous visitor registers, the coordinator
approves. The cohort is the test's own (the demo cohorts stay as the demo made them)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.courses.models import Cohort, Programme
from lms.extensions import db
from lms.timeutil import today
from tests.e2e.conftest import login

COHORT = "E2E · registration · open day"


@pytest.fixture
def cohort_id(live_app) -> int:
    with live_app.app_context():
        programme = db.session.scalar(select(Programme).where(Programme.slug == "eosh-tot"))
        start = today() + timedelta(days=60)
        cohort = Cohort(programme=programme, name=COHORT, distance_start=start,
                        stage1_opens=start + timedelta(days=28), stage1_closes=start + timedelta(days=37),
                        intensive_start=start + timedelta(days=42), final_exam_on=start + timedelta(days=46),
                        capacity=2, venue="Baku")
        db.session.add(cohort)
        db.session.commit()
        ident = cohort.id
        db.session.remove()
    return ident


def test_a_visitor_registers_and_the_coordinator_approves(new_page, cohort_id: int):
    coordinator = new_page()
    login(coordinator, "admin@demo.lms")
    coordinator.goto(f"/admin/cohorts/{cohort_id}")
    coordinator.get_by_role("link", name="Public registration").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(f"Registration: {COHORT}")
    coordinator.get_by_label("Registration is open").check()
    coordinator.get_by_label("Short public description").fill("An open day for trainers of trainers.")
    coordinator.get_by_role("button", name="Save registration settings").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Registration settings saved.")
    public_link = coordinator.locator("a[href*='/register/']").get_attribute("href")

    visitor = new_page(viewport={"width": 390, "height": 844})
    visitor.goto(public_link)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(f"Register: {COHORT}")
    expect(visitor.get_by_text("An open day for trainers of trainers.")).to_be_visible()
    visitor.get_by_label("Full name", exact=True).fill("Günel Əliyeva")
    visitor.get_by_label("Email", exact=True).fill("gunel.e2e@example.org")
    visitor.get_by_label("Institution", exact=True).fill("Ombudsman Office")
    visitor.get_by_label("Country", exact=True).fill("Azerbaijan")
    visitor.get_by_label(re.compile("I agree")).check()
    visitor.get_by_role("button", name="Register").click()
    expect(visitor.get_by_role("status")).to_contain_text("Your registration is received")
    overflow = visitor.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert not overflow, "the page scrolls sideways at 390 px"

    coordinator.reload()
    row = coordinator.get_by_role("row").filter(has_text="gunel.e2e@example.org")
    expect(row).to_contain_text("pending")
    row.get_by_role("button", name="Approve Günel Əliyeva").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Günel Əliyeva is approved, enrolled and invited.")
    expect(coordinator.get_by_role("row").filter(has_text="gunel.e2e@example.org")).to_contain_text("approved")
    coordinator.goto(f"/admin/cohorts/{cohort_id}")
    expect(coordinator.get_by_text("gunel.e2e@example.org")).to_be_visible()
