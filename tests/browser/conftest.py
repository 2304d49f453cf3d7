"""Browser tests: Playwright drives the system Chromium (launched by path; Playwright's own browsers are never
downloaded) against pytest-django's live server."""

import os
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# pytestmark of every browser test module.
BROWSER_TEST = [
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"no system Chromium at {CHROMIUM} (Playwright is only run with it)"
    ),
    # live_server runs in another thread: the data must be committed, and the catalogue (a data migration)
    # restored after pytest-django flushes the database.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # The ORM calls made while Playwright runs use a connection of their own context: close it, or
        # PostgreSQL refuses to drop the test database at the end ("being accessed by other users").
        connections.close_all()
