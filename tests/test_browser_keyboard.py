"""Everything usable with the keyboard alone (issue 17, item 6): Tab, Enter and Space, on a
phone — the skip link to the content, the main menu (folded under "Menu" there), the
language switch, a form, and a quiz; whatever has the focus shows it. And a lesson's
diagram opens full size on a tap (item 7).

The demo is the world (tests/pagekit.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from elearn.demo import DEMO_PASSWORD
from tests.browser import LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
#: What the focused element looks like: its outline (the stylesheet's :focus-visible).
FOCUS = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), text: (el.textContent || '').trim().slice(0, 40),
          id: el.id, outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""


@pytest.fixture(scope="module")
def demo_server(demo_app):
    with LiveServer(demo_app) as server:
        yield server


@pytest.fixture
def tab_as(browser, demo_server, demo_world):
    """``tab_as(role, lang)``: a phone-sized page signed in as that demo account."""
    contexts = []

    def open_as(role, lang="fr"):
        context = browser.new_context(viewport=PHONE, device_scale_factor=1)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        sign_in(page, demo_server.url, demo_world.demo.accounts[role], DEMO_PASSWORD, lang)
        return page

    yield open_as
    for context in contexts:
        context.close()


def tab_to(page, selector: str, limit: int = 120) -> dict:
    """Press Tab until the focus is on an element matching ``selector`` (and shows it)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            focus = page.evaluate(FOCUS)
            assert focus["outline"] != "none" and focus["width"] >= 2, focus
            return focus
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_skip_link_menu_and_language_switch_with_the_keyboard(tab_as, demo_server, lang):
    page = tab_as("admin", lang)
    page.keyboard.press("Tab")  # the first stop of every page: straight to the content
    focus = page.evaluate(FOCUS)
    assert focus["tag"] == "a" and page.evaluate("document.activeElement.hash") == "#main"
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # the admin's ten links are folded under "Menu" on a phone: Enter opens it
    page.goto(demo_server.url + "/")
    accounts = page.locator(".main-nav a[href='/admin/users']")
    expect(accounts).to_be_hidden()
    tab_to(page, ".menu-fold > summary")
    page.keyboard.press("Enter")
    expect(accounts).to_be_visible()
    screenshot(page, f"keyboard-360-{lang}-menu-open")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    tab_to(page, ".main-nav a[href='/admin/users']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/users")

    tab_to(page, ".lang-switch")
    page.keyboard.press("Enter")
    other = "ar" if lang == "fr" else "fr"
    expect(page.locator("html")).to_have_attribute("lang", other)
    assert "/admin/users" in page.url


def test_the_menu_and_filters_show_in_full_on_a_wide_screen(tab_as, demo_server):
    page = tab_as("admin")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(demo_server.url + "/")
    expect(page.locator(".menu-fold > summary")).to_be_hidden()
    expect(page.locator(".main-nav a[href='/admin/users']")).to_be_visible()
    tab_to(page, ".main-nav a[href='/jobs/failed']")
    page.goto(demo_server.url + "/courses")  # and the catalogue's filters unfolded
    expect(page.locator(".filter-fold > summary")).to_be_hidden()
    expect(page.locator("#domain")).to_be_visible()
    screenshot(page, "keyboard-1280-fr-catalogue")


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_form_and_a_quiz_with_the_keyboard(tab_as, demo_server, demo_world, lang):
    page = tab_as("trainee", lang)
    # a form: the account's name, typed, then Enter on the button
    page.goto(demo_server.url + "/account")
    tab_to(page, "#name")
    page.keyboard.press("Control+A")
    page.keyboard.type("Omar Chraibi")
    tab_to(page, "form:has(#name) button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_be_visible()

    # the catalogue's filters, folded on a phone: Space opens them
    page.goto(demo_server.url + "/courses")
    expect(page.locator("#domain")).to_be_hidden()
    tab_to(page, ".filter-fold > summary")
    page.keyboard.press("Space")
    tab_to(page, "#domain")

    # a quiz: the first choice ticked with Space, the answers saved with Enter
    page.goto(f"{demo_server.url}/attempts/{demo_world.demo.open_attempt}")
    tab_to(page, ".quiz-form input[type=radio], .quiz-form input[type=checkbox]")
    before = page.evaluate("document.activeElement.checked")
    page.keyboard.press("Space")  # a radio is chosen, a box ticks or unticks
    is_radio = page.evaluate("document.activeElement.type === 'radio'")
    assert page.evaluate("document.activeElement.checked") == (True if is_radio else not before)
    chosen = page.evaluate("[document.activeElement.name, document.activeElement.value]")
    now_checked = page.evaluate("document.activeElement.checked")
    tab_to(page, "button[value=save]")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_be_visible()
    saved = page.locator(f".quiz-form [name='{chosen[0]}'][value='{chosen[1]}']")
    assert saved.is_checked() == now_checked  # the page shows what was saved
    screenshot(page, f"keyboard-360-{lang}-quiz-saved")


def test_a_diagram_opens_full_size_on_a_tap(tab_as, demo_server, demo_world):
    page = tab_as("trainee", "ar")
    demo = demo_world.demo
    page.goto(
        f"{demo_server.url}/courses/{demo.course}/modules/{demo.module}/lessons/{demo.lesson}"
    )
    diagram = page.locator(".lesson-body a.image-full img").first
    shown = diagram.bounding_box()
    assert shown["width"] <= PHONE["width"]  # shrunk to the phone's screen in the lesson
    diagram.click()  # the stable address sends the reader on to the file itself
    page.wait_for_function("document.contentType === 'image/png'")
    natural = page.evaluate("document.images[0].naturalWidth")
    assert natural > shown["width"]
