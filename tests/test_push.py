"""An expert abroad pushes a package from a laptop to the platform over HTTP."""

from __future__ import annotations

import os
import zipfile

from elearn.authoring.push import package_file
from tests.browser import LiveServer
from tests.factories import package


def write_folder(tmp_path, data: bytes):
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
    return tmp_path / "engine-basics"


def test_push_a_folder_then_see_it_on_the_platform(app, make, tmp_path, api):
    folder = write_folder(tmp_path, package())
    token = make.token(make.user("expert", network="DMK").email)
    runner = app.test_cli_runner()
    with LiveServer(app) as server:
        dry = runner.invoke(
            args=["push", str(folder), "--server", server.url, "--token", token, "--dry-run"]
        )
        assert dry.exit_code == 0, dry.output
        assert api.get("/api/v1/courses/engine-basics", token=token).status_code == 404
        sent = runner.invoke(args=["push", str(folder), "--server", server.url, "--token", token])
    assert sent.exit_code == 0, sent.output
    assert "engine-basics" in sent.output
    course = api.get("/api/v1/courses/engine-basics", token=token).get_json()
    assert [m["slug"] for m in course["modules"]] == ["basics"]


def test_push_reports_errors_as_path_line_message(app, make, tmp_path):
    folder = write_folder(tmp_path, package(network="NOPE"))
    token = make.token(make.user("admin").email)
    with LiveServer(app) as server:
        result = app.test_cli_runner().invoke(
            args=["push", str(folder), "--server", server.url, "--token", token]
        )
    assert result.exit_code == 1
    assert "course.yml:3:" in result.output and "'NOPE'" in result.output


def test_push_with_a_bad_token_or_server_fails_cleanly(app, tmp_path):
    folder = write_folder(tmp_path, package())
    runner = app.test_cli_runner()
    with LiveServer(app) as server:
        denied = runner.invoke(
            args=["push", str(folder), "--server", server.url, "--token", "elearn_wrong"]
        )
    assert denied.exit_code == 1 and "401" in denied.output
    unreachable = runner.invoke(
        args=["push", str(folder), "--server", "http://127.0.0.1:9", "--token", "x"]
    )
    assert unreachable.exit_code == 3
    assert (
        runner.invoke(args=["push", str(folder), "--server", "ftp://x", "--token", "x"]).exit_code
        == 2
    )


def test_folder_is_zipped_without_hidden_files(tmp_path):
    folder = write_folder(tmp_path, package())
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("secret")
    with package_file(folder) as (name, fh, size):
        with zipfile.ZipFile(fh) as archive:
            names = archive.namelist()
            stored = archive.getinfo("engine-basics/media/engine.png").compress_type
        assert size == fh.seek(0, 2)
    assert name == "engine-basics.zip" and "engine-basics/course.yml" in names
    assert not any(".git" in n for n in names)
    assert stored == zipfile.ZIP_STORED  # media are compressed already


def test_pushing_a_course_with_a_large_video_holds_none_of_it(app, make, tmp_path, api):
    """The laptop zips the folder into a temporary file and sends it a chunk at a time; the
    platform (here in the same process) spools and streams it too: 64 MiB through, little
    held either side. Before, the laptop built the .zip and then the request body in
    memory (twice the course), and the server held it again while reading it."""
    import tracemalloc

    folder = write_folder(tmp_path, package())
    lesson = folder / "01-basics" / "01-cycle.fr.md"
    lesson.write_text(lesson.read_text() + "\n![Démo](media/demo.mp4)\n")
    with (folder / "media" / "demo.mp4").open("wb") as fh:
        fh.write(b"\x00\x00\x00\x18ftypmp42")
        for _ in range(64):
            fh.write(os.urandom(1024 * 1024))
    app.config["MAX_CONTENT_LENGTH"] = 128 * 1024 * 1024
    token = make.token(make.user("expert", network="DMK").email)
    with LiveServer(app) as server:
        tracemalloc.start()
        try:
            sent = app.test_cli_runner().invoke(
                args=["push", str(folder), "--server", server.url, "--token", token]
            )
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert sent.exit_code == 0, sent.output
    assert peak < 24 * 1024 * 1024, f"{peak / 2**20:.0f} MiB held"
    with app.app_context():
        from sqlalchemy import select

        from elearn.extensions import db
        from elearn.media.models import MediaAsset

        video = db.session.scalar(select(MediaAsset).where(MediaAsset.path == "media/demo.mp4"))
        assert video.size == 64 * 1024 * 1024 + 12
