"""Layout that holds in Russian and Azerbaijani, on a 390 px phone and a 1280 px desktop: no word in a table
cell or a menu item is broken across lines, and no table column is cut off (wide tables scroll inside
their card instead)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lms.auth.models import COORDINATOR, User
from lms.demo.seed import DEMO_PASSWORD
from lms.extensions import db

# For every word in a table cell or menu item: the rectangles its letters occupy. A word drawn on two lines
# has rectangles with different tops. Tables must sit in a scrolling wrapper that stays within the page.
CHECK_LAYOUT = """() => {
  const broken = [];
  const cells = document.querySelectorAll('table.data th, table.data td, .site-nav li');
  for (const cell of cells) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent;
      for (const match of text.matchAll(/[^\\s-]+/g)) {  // a break after a hyphen is a word boundary
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  }
  const clipped = [];
  for (const table of document.querySelectorAll('table.data')) {
    const wrap = table.closest('.table-wrap');
    const scrolls = wrap && getComputedStyle(wrap).overflowX === 'auto';
    const box = (wrap || table).getBoundingClientRect();
    if (!scrolls && table.scrollWidth > box.width + 1) clipped.push('table wider than its box');
    if (box.right > document.documentElement.clientWidth + 1) clipped.push('table box past the page edge');
  }
  const edge = document.documentElement.clientWidth + 1;
  if (document.documentElement.scrollWidth > edge) {
    const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > edge
      && !(e.parentElement && e.parentElement.getBoundingClientRect().right > edge));
    clipped.push('page scrolls sideways: ' + wide.map(e => e.tagName + '.' + e.className).join(' '));
  }
  return {broken, clipped};
}"""


@pytest.fixture(scope="module")
def coordinators(live_app):
    """A coordinator reading in each language (the demo accounts' language is left as other tests expect)."""
    emails = {}
    with live_app.app_context():
        for language in ("ru", "az"):
            email = f"layout-{language}@demo.lms"
            if db.session.scalar(db.select(User).filter_by(email=email)) is None:
                user = User(email=email, name=f"Layout {language}", role=COORDINATOR, language=language)
                user.set_password(DEMO_PASSWORD)
                db.session.add(user)
            emails[language] = email
        db.session.commit()
        db.session.remove()
    return emails


PAGES = ["/home", "/admin/people", "/admin/cohorts", "/admin/certificates", "/dashboard", "cohort-dashboard"]


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["ru", "az"])
def test_no_word_breaks_and_no_clipped_columns(new_page, coordinators, language, width):
    page: Page = new_page(viewport={"width": width, "height": 900})
    page.goto("/login")
    page.get_by_label("Email").fill(coordinators[language])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    for path in PAGES:
        if path == "cohort-dashboard":
            page.goto("/dashboard")
            page.locator("a[href$='/dashboard']").filter(has_text=re.compile(".")).last.click()
            expect(page.locator("table.dashboard-table")).to_be_visible()
        else:
            page.goto(path)
        if width == 390 and page.locator(".nav-toggle-label").is_visible():
            page.locator(".nav-toggle-label").click()
        result = page.evaluate(CHECK_LAYOUT)
        assert result == {"broken": [], "clipped": []}, f"{path} in {language} at {width} px: {result}"
