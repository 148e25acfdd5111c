"""Every main page of every role (tests/pagekit.py), in French and in Arabic, on a 360 px
phone and on a desktop: axe-core finds no serious or critical violation and headings go in
order (issue 17, item 6), the phone never scrolls sideways, and each page's screenshot
lands in test-artifacts/ to be looked at (item 7).

axe-core is the copy ``axe-playwright-python`` bundles (no CDN), run in Debian's chromium.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError

from elearn.demo import DEMO_PASSWORD
from tests.browser import LiveServer, screenshot, sign_in
from tests.pagekit import MAIN_PAGES, page_url

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
SCREENS = {"360": PHONE, "1280": {"width": 1280, "height": 800}}
#: Failing impacts; and rules that fail whatever axe-core rates them (headings in order).
FAILING = {"serious", "critical"}
ALWAYS = {"heading-order"}


@pytest.fixture(scope="module")
def demo_server(demo_app):
    with LiveServer(demo_app) as server:
        yield server


@pytest.fixture(scope="module")
def tabs(browser, demo_server, demo_world):
    """``tabs(role, lang, screen)``: a page of that screen's size signed in as that role's
    demo account, the interface in ``lang`` (one browser context each, kept for the module)."""
    made = {}

    def tab(role, lang, screen):
        email = demo_world.demo.accounts[role]
        if (email, lang, screen) not in made:
            context = browser.new_context(viewport=SCREENS[screen], device_scale_factor=1)
            page = context.new_page()
            page.set_default_timeout(30_000)
            if email is None:  # a visitor
                page.goto(f"{demo_server.url}/language?lang={lang}")
            else:
                sign_in(page, demo_server.url, email, DEMO_PASSWORD, lang)
            made[email, lang, screen] = page
        return made[email, lang, screen]

    yield tab
    for page in made.values():
        page.context.close()


#: The outermost elements that stick out of the screen (the page then scrolls sideways).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1)
        && !(el.parentElement && out.includes(el.parentElement))) out.push(el);
  }
  return out.slice(0, 6).map(el => el.outerHTML.slice(0, 120));
}"""


def readable(violations) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
    return "\n".join(lines)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("lang", ["fr", "ar"])
@pytest.mark.parametrize("page_spec", MAIN_PAGES, ids=lambda p: p.id)
def test_page_has_no_serious_violation(page_spec, lang, screen, tabs, demo_server, demo_world):
    page = tabs(page_spec.role, lang, screen)
    response = page.goto(demo_server.url + page_url(page_spec, demo_world.demo))
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == lang
    try:
        screenshot(page, f"a11y-{screen}-{lang}-{page_spec.id}")
    except PlaywrightError:  # chromium under load sometimes fails a capture: once more
        screenshot(page, f"a11y-{screen}-{lang}-{page_spec.id}")
    results = Axe().run(page).response
    bad = [v for v in results["violations"] if v["impact"] in FAILING or v["id"] in ALWAYS]
    assert bad == [], f"{page.url}:\n{readable(bad)}"
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= SCREENS[screen]["width"], (
        f"{page.url} is {wide}px wide on a {screen}px screen, because of: "
        + ", ".join(page.evaluate(OVERFLOWING))
    )
