"""An expert edits an Arabic lesson in the Studio, previews and submits it; an admin
publishes; a trainee reads it — all in a real Chromium."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.browser import screenshot, sign_in
from tests.factories import package

pytestmark = pytest.mark.browser


def sign_out(page):
    page.locator(".account-menu summary").click()
    page.locator(".account-menu form button").click()


def test_expert_edits_in_arabic_admin_publishes_trainee_reads(
    app, live_server, browser, make, tmp_path, backend
):
    expert = make.user("expert", network="DMK", locale="ar")
    admin = make.user("admin")
    trainee = make.user("trainee", locale="ar")
    with zipfile.ZipFile(io.BytesIO(package())) as archive:
        archive.extractall(tmp_path)
    result = app.test_cli_runner().invoke(
        args=["courses", "import", str(tmp_path / "engine-basics")]
    )
    assert result.exit_code == 0, result.output
    base = live_server.url
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)

    # the expert, in Arabic, opens the Arabic version of the first lesson
    sign_in(page, base, expert.email, expert.password, "ar")
    page.goto(f"{base}/studio/engine-basics")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.goto(f"{base}/studio/engine-basics/modules/basics/lessons/cycle/edit?lang=ar")
    assert "Quatre temps" in page.locator("#markdown-fr").input_value()  # the French beside
    page.locator("#title-ar").fill("دورة المحرك رباعي الأشواط")
    page.locator("#markdown-ar").fill(
        "# الأشواط الأربعة\n\nالسحب، الضغط، الاحتراق، العادم: "
        "محرك **4T** بقوة 90 ch.\n\n![المحرك](media/engine.png)"
    )
    # the live preview refreshes by itself a moment after typing stops
    live = page.locator("[data-live-preview=ar] .lesson-body h2")
    live.wait_for()
    assert live.inner_text() == "الأشواط الأربعة"
    page.locator("button[value=preview]").click()  # and the button works as without script
    preview = page.locator("[data-live-preview=ar] .lesson-body")
    assert preview.get_attribute("dir") == "rtl"
    assert "الأشواط الأربعة" in preview.inner_text()
    assert preview.locator("img").get_attribute("src") == "/courses/engine-basics/media/engine.png"
    screenshot(page, f"studio-preview-ar-{backend}")
    page.locator("button[value=save]").click()
    page.wait_for_url("**/edit?content=ar")
    assert page.locator(".flash-success").count() == 1
    page.goto(f"{base}/studio/engine-basics")
    page.locator("form[action$='/submit'] button").click()
    assert page.locator(".badge[data-status]").get_attribute("data-status") == "in_review"
    sign_out(page)

    # the administrator finds it in the review queue and publishes it
    sign_in(page, base, admin.email, admin.password, "fr")
    page.goto(f"{base}/studio/review")
    page.get_by_role("link", name="Moteur").click()
    page.locator("form[action$='/publish'] button").click()
    assert page.locator(".flash-success").count() == 1
    sign_out(page)
    context.close()

    # the trainee, on a phone, in Arabic, reads the published lesson
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, trainee.email, trainee.password, "ar")
    page.goto(f"{base}/courses/engine-basics")
    page.locator("form[action$='/enrol'] button").click()  # enrolling opens the first lesson
    body = page.locator(".lesson-body")
    assert body.get_attribute("dir") == "rtl" and body.get_attribute("lang") == "ar"
    assert page.locator("#lesson-title").inner_text() == "دورة المحرك رباعي الأشواط"
    assert body.locator("h2").first.inner_text() == "الأشواط الأربعة"  # "#" sits under the title
    image = page.locator(".lesson-body img")
    # lesson images load lazily, after the page's load event: wait for this one to arrive
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 1
    screenshot(page, f"trainee-reads-ar-{backend}")
    phone.close()
