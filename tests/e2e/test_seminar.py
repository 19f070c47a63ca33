"""A participant of the one-day hybrid seminar: a timeline of the seminar's own stage, their attendance, and
the certificate of participation, downloadable and verifiable; a conference delegate checks in."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import login


def test_a_seminar_participant_sees_one_stage_attendance_and_the_certificate(page: Page):
    login(page, "participant1@demo.lms")
    stages = page.get_by_role("list", name="Stages").get_by_role("listitem")
    expect(stages).to_have_count(2)
    expect(stages.nth(0).get_by_role("heading")).to_contain_text("Seminar day")
    expect(stages.nth(0)).to_contain_text("Done")
    expect(stages.nth(0)).to_contain_text(re.compile(r"Attendance 100 % \(50 % needed\)"))
    expect(stages.nth(1).get_by_role("heading")).to_contain_text("Certificate")
    expect(stages.nth(1)).to_contain_text("Certificate of Participation, code ITC-")
    expect(page.get_by_text("Distance learning by week")).to_have_count(0)

    box = page.get_by_role("region", name="Certificate of Participation")
    expect(box).to_contain_text("No expiry")
    with page.expect_download() as info:
        box.get_by_role("link", name="Download the PDF").click()
    assert info.value.suggested_filename.endswith(".pdf")

    box.get_by_role("link", name="Verification page").click()
    expect(page.get_by_text("Certificate of Participation").first).to_be_visible()
    expect(page.locator("body")).to_contain_text("Tamar Kiknadze")


def test_a_conference_delegate_on_day_one_sees_the_sessions_and_can_check_in(page: Page):
    login(page, "participant3@demo.lms")
    stages = page.get_by_role("list", name="Stages").get_by_role("listitem")
    expect(stages.first.get_by_role("heading")).to_contain_text("Conference sessions")
    expect(stages.first).to_contain_text("Open now")
    expect(page.get_by_role("link", name="Check in")).to_be_visible()
