"""The cohort dashboard in the browser, and its CSV download with every trainee."""

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import login


def test_dashboard_lists_the_cohort_and_the_csv_has_every_trainee(page: Page):
    login(page, "trainer@demo.lms")
    page.get_by_role("link", name="Dashboard", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("link", name=re.compile("Sumqayit")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sumqayit")
    table = page.get_by_role("table").filter(has_text="Günel İsmayılova")
    expect(table).to_be_visible()
    rows_on_page = table.locator("tbody tr").count()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("CSV")).first.click()
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    records = list(csv.reader(io.StringIO(text)))
    assert len(records) - 1 == rows_on_page >= 1
    assert any("Günel İsmayılova" in row for row in records)
