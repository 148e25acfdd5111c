"""The lesson editor in a real Chromium: French and Arabic side by side on a desktop and
stacked on a 360 px phone, live previews, an image pasted into the text uploaded and
inserted, the media picker's PDF link, and autosave's status online and offline."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from elearn.authoring.models import Course
from elearn.extensions import db
from elearn.media.models import MediaAsset
from tests.browser import screenshot, sign_in
from tests.factories import PNG, package_files, zipped

pytestmark = pytest.mark.browser

EDIT = "/studio/engine-basics/modules/basics/lessons/cycle/edit"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def app_config(tmp_path):
    return {"MEDIA_DIR": str(tmp_path / "media"), "EDITOR_AUTOSAVE_SECONDS": 1}


@pytest.fixture
def course(make):
    files = package_files()
    files["media/fiche-securite.pdf"] = PDF
    return make.course(zipped("engine-basics", files)).slug


def _open(browser, live_server, user, lang, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server.url, user.email, user.password, lang)
    page.goto(f"{live_server.url}{EDIT}")
    return context, page


def _box(page, lang):
    return page.locator(f".editor-column[data-lang={lang}]").bounding_box()


def _markdown(app, lang):
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "engine-basics"))
        return course.modules[0].lessons[0].content(lang).markdown


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_side_by_side_on_a_desktop_stacked_on_a_phone(
    browser, live_server, make, course, backend, lang
):
    expert = make.user("expert", network="DMK", locale=lang)
    context, page = _open(browser, live_server, expert, lang, 1280, 900)
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    fr, ar = _box(page, "fr"), _box(page, "ar")
    assert abs(fr["y"] - ar["y"]) < 2 and fr["width"] > 400 and ar["width"] > 400
    # columns follow the page's direction: French first, at the start of the line
    assert (fr["x"] < ar["x"]) == (lang == "fr")
    assert page.locator("#markdown-ar").get_attribute("dir") == "rtl"
    assert page.locator("#markdown-fr").get_attribute("dir") == "ltr"
    if backend == "sqlite":
        screenshot(page, f"editor-desktop-{lang}")
    context.close()

    context, page = _open(browser, live_server, expert, lang, 360, 780)
    fr, ar = _box(page, "fr"), _box(page, "ar")
    assert ar["y"] >= fr["y"] + fr["height"] - 1  # one under the other
    assert fr["width"] <= 360 and ar["width"] <= 360
    no_scroll = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_scroll)
    if backend == "sqlite":
        screenshot(page, f"editor-phone-{lang}")
    context.close()


def test_live_preview_paste_an_image_and_pick_a_pdf(app, browser, live_server, make, course):
    expert = make.user("expert", network="DMK", locale="fr")
    context, page = _open(browser, live_server, expert, "fr", 1280, 900)

    page.locator("#markdown-ar").fill("# الأشواط الأربعة\n\nنص **مهم**.")
    heading = page.locator("[data-live-preview=ar] .lesson-body h2")
    heading.wait_for()
    assert heading.inner_text() == "الأشواط الأربعة"
    assert page.locator("[data-live-preview=ar] .lesson-body").get_attribute("dir") == "rtl"

    # paste a screenshot into the French text: uploaded straight away, then inserted
    textarea = page.locator("#markdown-fr")
    textarea.fill("Avant.\n")
    textarea.evaluate("t => t.setSelectionRange(t.value.length, t.value.length)")
    page.evaluate(
        """png => {
            const bytes = Uint8Array.from(atob(png), c => c.charCodeAt(0));
            const data = new DataTransfer();
            data.items.add(new File([bytes], "image.png", { type: "image/png" }));
            const t = document.getElementById("markdown-fr");
            t.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
        }""",
        base64.b64encode(PNG).decode(),
    )
    status = page.locator(".editor-column[data-lang=fr] .upload-status")
    page.wait_for_function(
        "() => /media\\/pasted-\\d+\\.png\\)/.test(document.getElementById('markdown-fr').value)"
    )
    assert status.inner_text() == "Fichier ajouté au cours et inséré dans le texte."
    assert textarea.input_value().startswith("Avant.\n\n![pasted ")  # a paragraph of its own
    with app.app_context():
        paths = set(db.session.scalars(select(MediaAsset.path)))
    assert any(p.startswith("media/pasted-") for p in paths)
    image = page.locator("[data-live-preview=fr] .lesson-body img")
    image.wait_for()
    assert "/courses/engine-basics/media/pasted-" in image.get_attribute("src")

    # a file that is not an image is refused with the server's reason
    page.evaluate(
        """() => {
            const data = new DataTransfer();
            data.items.add(new File(["MZ"], "devoir.exe", { type: "application/x-msdownload" }));
            const t = document.getElementById("markdown-fr");
            t.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
        }"""
    )
    page.wait_for_function(
        "() => document.querySelector('.editor-column[data-lang=fr] .upload-status')"
        ".getAttribute('data-state') === 'error'"
    )
    assert "pas accepté" in status.inner_text()

    # the picker inserts the PDF as a link to the course's file
    picker = page.locator(".editor-column[data-lang=fr] details.media-picker")
    picker.locator("summary").click()
    picker.get_by_role("button", name="Insérer").nth(
        [s.inner_text() for s in picker.locator("code").all()].index(
            "[fiche securite](media/fiche-securite.pdf)"
        )
    ).click()
    assert "[fiche securite](media/fiche-securite.pdf)" in textarea.input_value()
    link = page.locator("[data-live-preview=fr] .lesson-body a[href$='/media/fiche-securite.pdf']")
    link.wait_for()
    assert link.inner_text() == "fiche securite"
    screenshot(page, "editor-pasted-and-picked-fr")
    context.close()


def test_autosave_says_when_it_saved_and_keeps_the_text_offline(
    app, browser, live_server, make, course
):
    expert = make.user("expert", network="DMK", locale="ar")
    context, page = _open(browser, live_server, expert, "ar", 1280, 900)
    status = page.locator(".autosave-status")

    page.locator("#markdown-fr").fill("Brouillon enregistré tout seul.")
    page.wait_for_function(
        "() => document.querySelector('.autosave-status').getAttribute('data-state') === 'saved'"
    )
    assert status.inner_text().startswith("حُفظ في")
    assert _markdown(app, "fr") == "Brouillon enregistré tout seul."

    # the connection drops: the text is kept on this device and offered back after a reload
    page.route("**/autosave*", lambda route: route.abort("internetdisconnected"))
    page.locator("#markdown-fr").fill("Écrit sans réseau.")
    page.wait_for_function(
        "() => document.querySelector('.autosave-status').getAttribute('data-state') === 'offline'"
    )
    assert status.inner_text() == "لم يُحفَظ: لا اتصال — محفوظ على هذا الجهاز"
    screenshot(page, "editor-offline-ar")
    page.reload()
    assert page.locator("#markdown-fr").input_value() == "Brouillon enregistré tout seul."
    restore = page.locator(".restore")
    restore.wait_for()
    page.unroute("**/autosave*")
    restore.locator("[data-restore]").click()
    assert page.locator("#markdown-fr").input_value() == "Écrit sans réseau."
    page.wait_for_function(
        "() => document.querySelector('.autosave-status').getAttribute('data-state') === 'saved'"
    )
    assert _markdown(app, "fr") == "Écrit sans réseau."
    context.close()


def test_a_conflict_shows_their_version_and_keeps_mine(app, browser, live_server, make, course):
    me = make.user("expert", network="DMK", locale="ar", name="سميرة")
    colleague = make.user("expert", network="DMK", locale="fr", name="Youssef")
    mine, page = _open(browser, live_server, me, "ar", 1280, 900)
    theirs, other = _open(browser, live_server, colleague, "fr", 1280, 900)
    other.locator("#markdown-ar").fill("# أربعة أشواط\n\nنص الزميل.")
    other.locator("button[value=save]").click()
    other.wait_for_url("**/edit?content=fr")
    theirs.close()

    page.locator("#markdown-ar").fill("# أربعة أشواط\n\nنصي أنا.")
    page.locator("button[value=save]").click()
    box = page.locator("#conflict-ar")
    box.wait_for()
    assert "Youssef" in box.inner_text() and "نص الزميل." in box.inner_text()
    assert box.locator(".diff .add").inner_text() == "+نصي أنا."
    assert page.locator("#markdown-ar").input_value() == "# أربعة أشواط\n\nنصي أنا."
    screenshot(page, "editor-conflict-ar")
    page.locator("#markdown-ar").fill("# أربعة أشواط\n\nنص الزميل.\n\nنصي أنا.")
    page.locator("button[value=save]").click()
    page.wait_for_url("**/edit?content=ar")
    merged = _markdown(app, "ar").replace("\r\n", "\n")  # forms send CRLF
    assert merged == "# أربعة أشواط\n\nنص الزميل.\n\nنصي أنا."
    mine.close()
