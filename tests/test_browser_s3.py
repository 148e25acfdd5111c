"""With S3 storage, the browser sends the bytes straight to the bucket (never through the
app) and reads lesson media from presigned URLs — in a real Chromium against an S3 server."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.browser import screenshot, sign_in
from tests.factories import PNG, package
from tests.harness import s3_config

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(s3_bucket):
    s3_bucket.client.put_bucket_cors(
        Bucket=s3_bucket.name,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedMethods": ["POST", "PUT", "GET", "HEAD"],
                    "AllowedOrigins": ["*"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                }
            ]
        },
    )
    return s3_config(s3_bucket)


def test_upload_to_the_bucket_and_read_through_presigned_urls(
    app, live_server, browser, make, tmp_path, s3_bucket, backend
):
    expert = make.user("expert", network="DMK")
    with zipfile.ZipFile(io.BytesIO(package())) as archive:
        archive.extractall(tmp_path)
    target = str(tmp_path / "engine-basics")
    assert (
        app.test_cli_runner().invoke(args=["courses", "import", target, "--publish"]).exit_code == 0
    )
    image = tmp_path / "carte.png"
    image.write_bytes(PNG)
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    app_requests = []
    page.on(
        "request",
        lambda r: (
            app_requests.append(r)
            if r.url.startswith(live_server.url)
            and r.method == "POST"
            and r.url[len(live_server.url) :].startswith("/media/uploads")
            else None
        ),
    )
    sign_in(page, live_server.url, expert.email, expert.password, "fr")
    page.goto(f"{live_server.url}/studio/engine-basics/media")
    page.locator("#upload-file").set_input_files(str(image))
    page.locator("tr", has_text="media/carte.png").wait_for()
    assert app_requests == []  # the bytes went to the bucket, not to the app
    keys = [
        o["Key"]
        for o in s3_bucket.client.list_objects_v2(Bucket=s3_bucket.name).get("Contents", [])
    ]
    # checked, then kept where no upload ticket writes (tests/adversarial/test_upload_replay.py)
    assert not [k for k in keys if k.startswith("courses/engine-basics/uploads/")]
    assert len([k for k in keys if k.startswith("courses/engine-basics/")]) == 2

    page.goto(f"{live_server.url}/courses/engine-basics/modules/basics/lessons/cycle")
    img = page.locator(".lesson-body img")
    # lesson images load lazily, after the page's load event: wait for this one to arrive
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
    assert img.evaluate("i => i.naturalWidth") == 1  # loaded from the bucket
    screenshot(page, f"s3-lesson-{backend}")
    context.close()


def test_a_workshop_video_goes_to_the_bucket_in_parts_with_a_progress_bar(
    app, live_server, browser, make, tmp_path, s3_bucket, monkeypatch
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
    page.set_default_timeout(30_000)
    sign_in(page, live_server.url, expert.email, expert.password, "fr")
    page.goto(f"{live_server.url}/studio/engine-basics/media")
    progress = []
    page.expose_function("recordProgress", lambda value: progress.append(value))
    page.evaluate("""() => {
        const bar = document.querySelector('.upload-progress');
        new MutationObserver(() => window.recordProgress(bar.value))
            .observe(bar, {attributes: true});
        setInterval(() => window.recordProgress(bar.value), 50);
    }""")
    page.locator("#upload-file").set_input_files(str(video))
    page.locator("tr", has_text="media/atelier.mp4").wait_for()
    assert max(progress) >= 90 and any(0 < p < 100 for p in progress)  # the bar moved
    objects = s3_bucket.client.list_objects_v2(Bucket=s3_bucket.name).get("Contents", [])
    videos = [o for o in objects if o["Key"].endswith(".mp4")]
    assert len(videos) == 1 and videos[0]["Size"] == video.stat().st_size
    context.close()
