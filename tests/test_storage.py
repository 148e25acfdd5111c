"""One storage suite for both backends: local files and S3 through a real S3 API server."""

from __future__ import annotations

import io
import urllib.request
import zipfile

import pytest

from elearn import create_app
from elearn.media.storage import StorageError, build_storage
from tests.factories import PNG, Factory, package
from tests.harness import base_config, s3_config
from tests.uploadkit import stored_keys


@pytest.fixture
def app_config(media_config):
    return media_config


def test_put_get_exists_delete(app):
    with app.app_context():
        from elearn.media.storage import get_storage

        storage = get_storage()
        storage.put("courses/x/abc.png", PNG, "image/png")
        assert storage.exists("courses/x/abc.png") and storage.get("courses/x/abc.png") == PNG
        assert storage.keys("courses/x/") == ["courses/x/abc.png"]
        storage.delete("courses/x/abc.png")
        assert not storage.exists("courses/x/abc.png")
        with pytest.raises(ValueError):
            storage.put("../../etc/passwd", b"x", "text/plain")


@pytest.fixture(scope="module")
def s3_elsewhere():
    """moto's S3 server in a process of its own, so that the memory measured in this one is
    the client's alone (the session's server runs in a thread here)."""
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "no moto server"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


def test_files_go_in_and_come_out_a_chunk_at_a_time(request, media_config, tmp_path):
    """A package's video goes to storage from its file on disk, and an export reads it back
    in chunks: neither holds it whole (40 MiB through, a few MiB held)."""
    import hashlib
    import tracemalloc

    from elearn.media.s3 import S3Storage
    from elearn.media.storage import LocalStorage

    if media_config["STORAGE"] == "local":
        storage = LocalStorage(tmp_path / "media")
    else:
        endpoint = request.getfixturevalue("s3_elsewhere")
        storage = S3Storage(
            bucket="elearn-chunks",
            endpoint_url=endpoint,
            region="us-east-1",
            addressing_style="path",
        )
        storage.client.create_bucket(Bucket="elearn-chunks")
    video = tmp_path / "demo.mp4"
    with video.open("wb") as fh:
        for n in range(40):
            fh.write(bytes([n]) * 1024 * 1024)
    expected = hashlib.sha256(video.read_bytes()).hexdigest()
    tracemalloc.start()
    try:
        storage.put_file("courses/x/demo.mp4", video, "video/mp4")
        sha, size = hashlib.sha256(), 0
        with storage.open_stream("courses/x/demo.mp4") as fh:
            while chunk := fh.read(1024 * 1024):
                sha.update(chunk)
                size += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (size, sha.hexdigest()) == (40 * 1024 * 1024, expected)
    assert storage.size("courses/x/demo.mp4") == size
    assert peak < 16 * 1024 * 1024, f"{peak / 2**20:.0f} MiB held"
    with pytest.raises(StorageError):
        storage.open_stream("courses/x/missing.mp4").read()
    with pytest.raises(StorageError):
        storage.put_file("courses/x/b.mp4", tmp_path / "missing.mp4", "video/mp4")


def import_engine(app, tmp_path, *extra):
    with zipfile.ZipFile(io.BytesIO(package())) as archive:
        archive.extractall(tmp_path)
    return app.test_cli_runner().invoke(
        args=["courses", "import", str(tmp_path / "engine-basics"), *extra]
    )


def test_imported_media_are_stored_and_served_to_readers_only(app, make, tmp_path, media_config):
    result = import_engine(app, tmp_path, "--publish")
    assert result.exit_code == 0, result.output
    keys = stored_keys(app)
    assert len(keys) == 1 and keys[0].startswith("courses/engine-basics/")
    reader = app.test_client()
    reader.login(make.user("trainee").email)
    assert reader.get("/courses/engine-basics/media/engine.png").status_code == 404
    reader.post_form("/courses/engine-basics/enrol")
    response = reader.get("/courses/engine-basics/media/engine.png")
    assert response.status_code == 302 and response.headers["Cache-Control"] == "private, no-store"
    if media_config["STORAGE"] == "local":
        url = response.headers["Location"]
        assert url.startswith("/media/files/")
        served = reader.get(url)
        assert served.status_code == 200 and served.data == PNG
        assert served.mimetype == "image/png"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        ranged = reader.get(url, headers={"Range": "bytes=0-7"})
        assert ranged.status_code == 206 and ranged.data == PNG[:8]
        assert reader.get(url[:-3] + "xyz").status_code == 403  # tampered signature
    else:
        assert response.status_code == 302
        url = response.headers["Location"]
        assert url.startswith(media_config["S3_ENDPOINT_URL"]) and "X-Amz-Signature" in url
        with urllib.request.urlopen(url, timeout=10) as fetched:  # noqa: S310 - loopback
            assert fetched.read() == PNG
            assert fetched.headers["Content-Type"] == "image/png"
        request = urllib.request.Request(url, headers={"Range": "bytes=0-7"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as part:  # noqa: S310 - loopback
            assert part.status == 206 and part.read() == PNG[:8]
    assert app.test_client().get("/courses/engine-basics/media/engine.png").status_code == 302


def test_an_import_failing_halfway_leaves_no_object(app, tmp_path, monkeypatch):
    from elearn.authoring.package import importer

    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(importer, "_quiz", explode)
    result = import_engine(app, tmp_path)
    assert result.exit_code != 0
    assert stored_keys(app) == []


def test_unreachable_s3_gives_503_with_retry_advice(database_url):
    config = {
        **base_config(database_url),
        "STORAGE": "s3",
        "S3_BUCKET": "nowhere",
        "S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "S3_REGION": "us-east-1",
        "S3_ADDRESSING_STYLE": "path",
    }
    app = create_app(config)
    token = make_token(app)
    response = app.test_client().post(
        "/api/v1/courses/import",
        headers={"Authorization": f"Bearer {token}"},
        data={"file": (io.BytesIO(package()), "engine-basics.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.mimetype == "application/problem+json"
    assert app.test_client().get("/healthz").status_code == 200  # the rest keeps working


def make_token(app):
    factory = Factory(app)
    return factory.token(factory.user("admin").email)


def test_s3_settings_are_required():
    with pytest.raises(ValueError, match="ELEARN_S3_BUCKET"):
        build_storage(
            {
                "STORAGE": "s3",
                "S3_BUCKET": "",
                "S3_ENDPOINT_URL": "",
                "S3_REGION": "",
                "S3_ADDRESSING_STYLE": "auto",
            }
        )


def test_storage_errors_are_storage_errors(s3_server):
    storage = build_storage(
        {
            "STORAGE": "s3",
            "S3_BUCKET": "missing-bucket",
            "S3_ENDPOINT_URL": s3_server,
            "S3_REGION": "us-east-1",
            "S3_ADDRESSING_STYLE": "path",
        }
    )
    with pytest.raises(StorageError):
        storage.put("courses/x/a.png", PNG, "image/png")


def test_storage_check_reports_each_capability(app, media_config):
    result = app.test_cli_runner().invoke(args=["storage", "check"])
    if media_config["STORAGE"] == "local":
        assert result.exit_code == 0 and result.output.count("✓") == 3
    else:
        assert result.exit_code == 1 and "✗" in result.output  # no CORS rule yet
        with app.app_context():
            from elearn.media.storage import get_storage

            storage = get_storage()
            storage.client.put_bucket_cors(
                Bucket=storage.bucket,
                CORSConfiguration={
                    "CORSRules": [
                        {
                            "AllowedMethods": ["POST", "PUT"],
                            "AllowedOrigins": ["*"],
                            "AllowedHeaders": ["*"],
                            "ExposeHeaders": ["ETag"],
                        }
                    ]
                },
            )
        again = app.test_cli_runner().invoke(args=["storage", "check"])
        assert again.exit_code == 0 and again.output.count("✓") == 4


def test_media_gc_lists_then_deletes_orphans_only(app, tmp_path):
    assert import_engine(app, tmp_path).exit_code == 0
    with app.app_context():
        from elearn.media.storage import get_storage

        get_storage().put("courses/engine-basics/orphan.png", PNG, "image/png")
    # just written: it may be an import that has not committed yet
    spared = app.test_cli_runner().invoke(args=["media", "gc", "--delete"])
    assert spared.exit_code == 0 and "orphan.png" not in spared.output
    listed = app.test_cli_runner().invoke(args=["media", "gc", "--grace-hours", "0"])
    assert listed.output.splitlines()[0] == "courses/engine-basics/orphan.png"
    assert len(stored_keys(app)) == 2
    app.test_cli_runner().invoke(args=["media", "gc", "--delete", "--grace-hours", "0"])
    remaining = stored_keys(app)
    assert len(remaining) == 1 and "orphan" not in remaining[0]


def test_content_security_policy_lets_pages_reach_the_bucket_only_on_s3(app, client, media_config):
    csp = client.get("/").headers["Content-Security-Policy"]
    if media_config["STORAGE"] == "s3":
        origin = media_config["S3_ENDPOINT_URL"]
        for directive in ("img-src", "media-src", "connect-src"):
            assert f"{origin}" in next(d for d in csp.split("; ") if d.startswith(directive))
        assert origin not in next(d for d in csp.split("; ") if d.startswith("script-src"))
    else:
        assert "http" not in csp


def test_the_sample_courses_import_their_media_to_the_storage(app):
    from pathlib import Path

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    courses = Path(__file__).resolve().parent.parent / "courses"
    expected = sorted(p.name for p in courses.glob("*/media/*"))
    keys = stored_keys(app)
    assert len(keys) == len(expected) >= 5
    assert all(k.startswith("courses/") and k.rsplit(".", 1)[-1] == "png" for k in keys)


def test_a_cdn_in_front_of_the_bucket_serves_the_presigned_urls(s3_bucket):
    storage = build_storage(
        {**s3_config(s3_bucket), "S3_PUBLIC_BASE_URL": "https://cdn.academy.example/"}
    )
    storage.put("courses/x/a.png", PNG, "image/png")
    url = storage.url("courses/x/a.png", content_type="image/png")
    assert url.startswith(f"https://cdn.academy.example/{s3_bucket.name}/courses/x/a.png?")
    assert "X-Amz-Signature=" in url and storage.origin == "https://cdn.academy.example"


def test_media_urls_expire(app, make, tmp_path, media_config, monkeypatch):
    assert import_engine(app, tmp_path, "--publish").exit_code == 0
    reader = app.test_client()
    reader.login(make.user("trainee").email)
    reader.post_form("/courses/engine-basics/enrol")
    url = reader.get("/courses/engine-basics/media/engine.png").headers["Location"]
    if media_config["STORAGE"] == "s3":
        assert "X-Amz-Expires=900" in url  # the S3 server refuses it afterwards
        return
    with app.app_context():
        from elearn.media.storage import get_storage

        monkeypatch.setattr(get_storage(), "url_ttl", -1)
    assert reader.get(url).status_code == 403
