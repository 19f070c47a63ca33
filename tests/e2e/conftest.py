"""Browser end-to-end fixtures: the real app served over HTTP with the demo data, and Chromium.

The server is started once per test session on 127.0.0.1 (a free port), on its own SQLite file, seeded
with the demo. Tests share that data, so each one either reads what the demo guarantees or compares
before and after its own change. They do not use the root `app` fixture, which empties every table.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from lms import create_app
from lms.auth.models import User
from lms.demo.seed import DEMO_PASSWORD, seed_demo
from lms.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Auto-waiting assertions: generous enough for two busy CPU cores, short enough to fail fast.
expect.set_options(timeout=10_000)

HOME_HEADINGS = {
    "admin@demo.lms": "Coordination",
    "trainer@demo.lms": "My cohorts",
    "trainee1@demo.lms": "Hello,",
}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "e2e-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'e2e.db'}",
            "RATELIMIT_ENABLED": False,
            "OUTBOX_DIR": str(root / "outbox"),
            "UPLOAD_DIR": str(root / "uploads"),
            "CERTIFICATE_DIR": str(root / "certificates"),
            "CREDENTIAL_KEY_PATH": str(root / "credential_key.pem"),
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        db.create_all()
        demo = seed_demo()
        # Some demo accounts read the site in Azerbaijani or Russian; the tests read it in English, as the
        # accounts would after picking "English" in the language switcher (tested on its own).
        for user in db.session.scalars(select(User).where(User.email.in_(demo["accounts"]))):
            user.language = "en"
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    """Base URL of the running app, e.g. http://127.0.0.1:40123."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    live_app.config["BASE_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser, live_server: str) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh browser context (own cookies); keyword arguments go to new_context."""
    contexts: list[BrowserContext] = []

    def open_page(**context_options) -> Page:
        context = browser.new_context(base_url=live_server, locale="en-GB", **context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def login(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real form, and wait for the role's home page."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    expected = HOME_HEADINGS.get(email)
    if expected:
        expect(page.get_by_role("heading", level=1)).to_contain_text(expected)
