"""Reading or editing the other language's text keeps one's own interface, in a real
Chromium: a French trainee follows "also in: العربية", an expert with a French Studio
edits the Arabic text — and the same two the other way round."""

from __future__ import annotations

from pathlib import Path

import pytest

from elearn.authoring.models import Course
from elearn.extensions import db
from tests.browser import close_menu, open_menu, screenshot

pytestmark = pytest.mark.browser

COURSE = Path(__file__).resolve().parent.parent / "courses" / "auto-obd-diagnostics"
LESSON = "/courses/auto-obd-diagnostics/modules/fundamentals/lessons/what-is-obd"
EDIT = "/studio/auto-obd-diagnostics/modules/fundamentals/lessons/what-is-obd/edit"
OTHER = {"fr": "ar", "ar": "fr"}
DIRECTION = {"fr": "ltr", "ar": "rtl"}
WORDS = {
    "fr": {"my": "Mon apprentissage", "complete": "Marquer comme terminée", "save": "Enregistrer"},
    "ar": {"my": "تعلُّمي", "complete": "وضع علامة «مكتمل»", "save": "حفظ"},
}
TEXT = {"fr": "système de diagnostic embarqué", "ar": "نظام التشخيص المدمج"}
NAME = {"fr": "Français", "ar": "العربية"}


@pytest.fixture
def course(app):
    result = app.test_cli_runner().invoke(args=["courses", "import", str(COURSE), "--publish"])
    assert result.exit_code == 0, result.output


def sign_in(page, base, user):
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(user.password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")


def interface_is(page, lang: str) -> None:
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == (lang, DIRECTION[lang])
    open_menu(page)
    assert page.locator(".main-nav").get_by_role("link", name=WORDS[lang]["my"]).is_visible()
    close_menu(page)


def shoot(page, name: str) -> None:
    """This screen at a phone's width and at a desktop's, in test-artifacts/ for people
    to look at."""
    for width, height, label in ((360, 780, "360"), (1280, 900, "desktop")):
        page.set_viewport_size({"width": width, "height": height})
        path = screenshot(page, f"{name}-{label}")  # the whole page
        page.screenshot(path=str(path.with_suffix(".top.png")))  # what shows first
    page.set_viewport_size({"width": 390, "height": 844})


@pytest.mark.parametrize("mine", ["fr", "ar"])
def test_a_trainee_reads_the_other_version_and_keeps_their_interface(
    app, live_server, page, make, course, backend, mine
):
    other = OTHER[mine]
    trainee = make.user("trainee", locale=mine)
    base = live_server.url
    sign_in(page, base, trainee)
    page.goto(f"{base}/courses/auto-obd-diagnostics")
    page.locator("form[action$='/enrol'] button").click()
    page.goto(f"{base}{LESSON}")
    interface_is(page, mine)
    assert page.locator(".lesson-body").get_attribute("lang") == mine

    page.locator(".lesson-langs").get_by_role("link", name=NAME[other]).click()
    page.wait_for_url(f"**{LESSON}?content={other}")
    interface_is(page, mine)  # nav, <html lang dir> and buttons as they were
    body = page.locator(".lesson-body")
    assert (body.get_attribute("lang"), body.get_attribute("dir")) == (other, DIRECTION[other])
    assert TEXT[other] in body.inner_text()
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.lesson-body')).direction")
        == DIRECTION[other]
    )
    assert page.evaluate("getComputedStyle(document.body).direction") == DIRECTION[mine]
    assert page.get_by_role("button", name=WORDS[mine]["complete"]).is_visible()
    if backend == "sqlite":
        shoot(page, f"lesson-{mine}-interface-{other}-content")

    open_menu(page)
    page.locator(".main-nav").get_by_role("link", name=WORDS[mine]["my"]).click()
    page.wait_for_url(f"{base}/my/learning")
    interface_is(page, mine)  # and it stays so: nothing was remembered


@pytest.mark.parametrize("mine", ["fr", "ar"])
def test_an_expert_edits_the_other_text_and_keeps_their_studio(
    app, live_server, page, make, course, backend, mine
):
    other = OTHER[mine]
    expert = make.user("expert", network="DMK", locale=mine)
    base = live_server.url
    sign_in(page, base, expert)
    page.goto(f"{base}{EDIT}")
    interface_is(page, mine)
    tabs = page.locator(".lang-tabs")
    assert tabs.locator("[aria-current=page]").inner_text() == NAME[mine]

    tabs.get_by_role("link", name=NAME[other]).click()
    page.wait_for_url(f"**{EDIT}?content={other}")
    interface_is(page, mine)
    assert tabs.locator("[aria-current=page]").inner_text() == NAME[other]
    editor = page.locator(f"#markdown-{other}")
    assert (editor.get_attribute("lang"), editor.get_attribute("dir")) == (other, DIRECTION[other])
    if backend == "sqlite":
        shoot(page, f"editor-{mine}-interface-{other}-content")
    text = editor.input_value() + f"\n\n{TEXT[other]} — 2026\n"
    editor.fill(text)
    page.get_by_role("button", name=WORDS[mine]["save"], exact=True).click()
    page.wait_for_url(f"**{EDIT}?content={other}")
    interface_is(page, mine)
    assert page.locator(".flash-success").count() == 1
    assert page.locator(f"#markdown-{other}").input_value().rstrip() == text.rstrip()

    page.goto(f"{base}/studio/auto-obd-diagnostics")
    interface_is(page, mine)  # the whole Studio still speaks the expert's language
    with app.app_context():
        course = db.session.query(Course).filter_by(slug="auto-obd-diagnostics").one()
        lesson = course.modules[0].lessons[0]
        assert lesson.content(other).markdown.rstrip().endswith(f"{TEXT[other]} — 2026")
        assert not lesson.content(mine).markdown.rstrip().endswith("— 2026")
