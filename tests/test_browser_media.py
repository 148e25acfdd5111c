"""An expert uploads an image in the Studio, inserts it in a lesson and sees it in the
preview (real Chromium, local storage)."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.browser import screenshot, sign_in
from tests.factories import PNG, package

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(tmp_path):
    return {"MEDIA_DIR": str(tmp_path / "media")}


def test_expert_uploads_inserts_and_previews_an_image(
    app, live_server, browser, make, tmp_path, backend
):
    expert = make.user("expert", network="DMK")
    with zipfile.ZipFile(io.BytesIO(package())) as archive:
        archive.extractall(tmp_path)
    target = str(tmp_path / "engine-basics")
    assert app.test_cli_runner().invoke(args=["courses", "import", target]).exit_code == 0
    image = tmp_path / "Schéma du moteur.png"
    image.write_bytes(PNG)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server.url, expert.email, expert.password, "fr")

    page.goto(f"{live_server.url}/studio/engine-basics/media")
    page.locator("#upload-file").set_input_files(str(image))
    row = page.locator("tr", has_text="media/schema-du-moteur.png")
    row.wait_for()
    snippet = row.locator("code.snippet").inner_text()
    assert snippet == "![schema du moteur](media/schema-du-moteur.png)"
    screenshot(page, f"studio-media-{backend}")

    page.goto(f"{live_server.url}/studio/engine-basics/modules/basics/lessons/cycle/edit?lang=fr")
    page.locator("#markdown-fr").fill("Voici le schéma :\n\n" + snippet)
    page.locator("button[value=preview]").click()
    img = page.locator("[data-live-preview=fr] .lesson-body img")
    assert img.get_attribute("src") == "/courses/engine-basics/media/schema-du-moteur.png"
    # lesson images load lazily, after the page's load event: wait for this one to arrive
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
    assert img.evaluate("i => i.naturalWidth") == 1
    context.close()


def test_a_big_video_survives_a_dropped_connection(
    app, live_server, browser, make, tmp_path, monkeypatch
):
    from elearn.media import uploads

    monkeypatch.setattr(uploads, "MULTIPART_THRESHOLD", 1024 * 1024)
    expert = make.user("expert", network="DMK")
    with zipfile.ZipFile(io.BytesIO(package())) as archive:
        archive.extractall(tmp_path)
    target = str(tmp_path / "engine-basics")
    assert app.test_cli_runner().invoke(args=["courses", "import", target]).exit_code == 0
    video = tmp_path / "atelier.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (13 * 1024 * 1024))
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, live_server.url, expert.email, expert.password, "fr")
    calls = []

    def flaky(route):
        calls.append(route.request.url)
        if len(calls) == 2:
            route.abort("connectionreset")  # the line drops during the second part
        else:
            route.continue_()

    page.route("**/media/uploads/parts?*", flaky)
    page.goto(f"{live_server.url}/studio/engine-basics/media")
    page.locator("#upload-file").set_input_files(str(video))
    page.locator("tr", has_text="media/atelier.mp4").wait_for()
    assert len(calls) == 4  # three parts, one of them sent twice
    context.close()
