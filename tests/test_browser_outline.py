"""An expert builds a course outline with the keyboard alone, in Arabic: a module named in
Arabic (its identifier made from the title), lessons, one moved to another module, one
moved up — the focus coming back to the control used — then the whole course previewed
as a trainee would see it. Screenshots in French and Arabic, on a phone and a desktop."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


def _focused(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def _type_into(page, selector: str, text: str) -> None:
    page.focus(selector)  # where Tab would land; then the keys
    page.keyboard.type(text)


def _enter(page) -> None:
    """Press Enter on what has the focus, and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _lesson_ids(page, module_slug: str) -> list[str]:
    module = page.locator(f"li:has(> h3 bdi:text-is('{module_slug}'))")
    return module.locator("ol > li").evaluate_all("items => items.map(li => li.id)")


def test_an_expert_builds_an_outline_with_the_keyboard(app, live_server, browser, make, backend):
    expert = make.user("expert", network="DMK", locale="ar")
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, expert.email, expert.password, "ar")

    # a course written first in Arabic
    page.goto(f"{base}/studio/new")
    _type_into(page, "#title", "الميكانيك")
    _type_into(page, "#slug", "mecanique")
    page.locator("#source").select_option("ar")
    page.focus("#slug")
    _enter(page)
    page.wait_for_url(f"{base}/studio/mecanique#add-module")
    # it lands on its outline, the add-a-module form open and focused
    assert page.locator("#add-module").get_attribute("open") is not None
    expect(page.locator("#mt")).to_be_focused()
    screenshot(page, f"outline-new-ar-desktop-{backend}")
    page.keyboard.type("تشخيص الأعطال")
    page.keyboard.press("Tab")
    assert _focused(page) == "mt-fr"  # the French title, optional
    page.keyboard.type("Diagnostic des pannes")
    _enter(page)
    page.wait_for_url("**/studio/mecanique#module-*")
    assert "tshkhis-al-atal" in page.locator(".studio-outline h3").first.inner_text()

    page.focus("#add-module summary")
    page.keyboard.press("Enter")  # opens the form again
    _type_into(page, "#mt", "الصيانة")
    _enter(page)
    page.wait_for_url("**/studio/mecanique#module-*")

    # two lessons in the first module (each opens its editor; back to the outline)
    first = page.locator(".studio-outline > li").first
    for title in ("قراءة الرموز", "فحص البطارية"):
        page.goto(f"{base}/studio/mecanique")
        summary = first.locator("details[id^=add-lesson] > summary")
        summary.focus()
        page.keyboard.press("Enter")
        field = first.locator("input[id^=lt-]").first
        field.focus()
        page.keyboard.type(title)
        _enter(page)
        page.wait_for_url("**/edit")
    page.goto(f"{base}/studio/mecanique")
    reading, battery = _lesson_ids(page, "tshkhis-al-atal")

    # move the battery lesson up: the button names it, and has the focus back after
    up = page.locator(f"#{battery}-up")
    assert up.get_attribute("aria-label") == "نقل «⁨فحص البطارية⁩» إلى الأعلى"
    up.focus()
    _enter(page)
    page.wait_for_url(f"**#{battery}-up")
    expect(page.locator(f"#{battery}-up")).to_be_focused()
    assert _lesson_ids(page, "tshkhis-al-atal") == [battery, reading]

    # move the reading lesson to the other module: select, then the button after it
    page.focus(f"#mv-{reading.removeprefix('lesson-')}")
    page.keyboard.press("Tab")
    _enter(page)
    page.wait_for_url(f"**#{reading}")
    expect(page.locator(f"#{reading}")).to_be_focused()
    assert _lesson_ids(page, "tshkhis-al-atal") == [battery]
    assert _lesson_ids(page, "al-siana") == [reading]
    screenshot(page, f"outline-ar-desktop-{backend}")
    page.set_viewport_size(PHONE)
    screenshot(page, f"outline-ar-360-{backend}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # the whole course as a trainee would see it, from the outline's link
    page.set_viewport_size(DESKTOP)
    page.focus("a[href='/studio/mecanique/preview']")
    _enter(page)
    page.wait_for_url(f"{base}/studio/mecanique/preview")
    assert "غير منشورة" in page.locator(".preview-banner").inner_text()
    outline = page.locator(".course-preview .outline")
    assert outline.locator("h3").all_inner_texts() == ["تشخيص الأعطال", "الصيانة"]
    assert outline.locator("a").all_inner_texts() == ["فحص البطارية", "قراءة الرموز"]
    screenshot(page, f"outline-preview-ar-desktop-{backend}")
    page.set_viewport_size(PHONE)
    screenshot(page, f"outline-preview-ar-360-{backend}")
    page.focus(".lang-tabs a[hreflang=fr]")
    _enter(page)
    page.wait_for_url("**/preview?content=fr")
    assert outline.locator("h3").first.inner_text() == "Diagnostic des pannes"
    page.focus(".course-preview .outline a >> nth=0")
    _enter(page)
    page.wait_for_url("**/preview/tshkhis-al-atal/*")
    assert page.locator("h1").first.inner_text() == "فحص البطارية"  # no French text yet
    context.close()

    # the same pages with a French interface
    french = make.user("expert", network="DMK", locale="fr")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, french.email, french.password, "fr")
    page.goto(f"{base}/studio/mecanique")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert (
        page.locator(f"#{battery}-up").get_attribute("aria-label")
        == "Monter «\u00a0فحص البطارية\u00a0»"
    )
    screenshot(page, f"outline-fr-desktop-{backend}")
    page.set_viewport_size(PHONE)
    screenshot(page, f"outline-fr-360-{backend}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto(f"{base}/studio/mecanique/preview?content=fr")
    assert "Aperçu — non publié" in page.locator(".preview-banner").inner_text()
    screenshot(page, f"outline-preview-fr-360-{backend}")
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"outline-preview-fr-desktop-{backend}")
    context.close()
