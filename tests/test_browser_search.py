"""The lesson search in Chromium, on a phone, without JavaScript: the header's box, the
results with their highlighted excerpts, in French and in Arabic."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.harness import PASSWORD

pytestmark = pytest.mark.browser

HEALTH = Path(__file__).resolve().parent.parent / "courses" / "health-hand-hygiene-infection"
WORDS = {
    "fr": {"query": "hygiene mains", "mark": "hygiène", "button": "Rechercher dans les leçons"},
    "ar": {"query": "فرز النفايات", "mark": "النفايات", "button": "البحث في الدروس"},
}


@pytest.mark.parametrize("lang", ["fr", "ar"])
@pytest.mark.parametrize("width", [360, 1280])
def test_a_trainee_searches_inside_lessons_without_javascript(
    app, make, live_server, browser, lang, width
):
    result = app.test_cli_runner().invoke(args=["courses", "import", str(HEALTH), "--publish"])
    assert result.exit_code == 0, result.output
    trainee = make.user("trainee", locale=lang)
    make.enrol(trainee.email, HEALTH.name)
    context = browser.new_context(
        viewport={"width": width, "height": 800}, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    base = live_server.url
    page.goto(f"{base}/login?lang={lang}")
    page.locator("#email").fill(trainee.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    words = WORDS[lang]
    box = page.locator("form.site-search input[name=q]")
    box.fill(words["query"])
    box.press("Enter")  # a form with one field is sent without a button, or JavaScript
    page.wait_for_url(f"{base}/search?*")
    expect(page.locator("h1")).to_have_text(words["button"])
    first = page.locator(".search-results li").first
    expect(first.locator("mark").first).to_have_text(words["mark"], ignore_case=True)
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    screenshot(page, f"search-{lang}-{width}")
    if width == 360:  # nothing wider than the phone
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, overflow
    first.locator("h2 a").click()
    expect(page.locator("h1#lesson-title")).to_be_visible()
    context.close()
