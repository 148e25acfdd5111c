"""Helpers for browser tests: a live server in a thread, Debian's chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("ELEARN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A phone-sized page; a failing test leaves its last screen in test-artifacts/."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base, email, password, lang):
    """Sign in through the form, with the interface in ``lang``."""
    page.goto(f"{base}/login?lang={lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def open_menu(page) -> None:
    """On a phone a long main menu is folded under "Menu" (base.html): open it."""
    folded = page.locator(".menu-fold:not([open]) > summary")
    if folded.count() and folded.is_visible():
        folded.click()


def close_menu(page) -> None:
    """Fold the phone's main menu again (opened, it covers the top of the page)."""
    opened = page.locator(".menu-fold[open] > summary")
    if opened.count():
        opened.click()
