"""An upload ticket replayed (issue 13, item 5): after a completion checked the object,
a second POST with the same still-valid signed form overwrote it with other bytes (HTML
served as ``image/png``) for the rest of the ticket's lifetime. S3 honours a presigned
POST as many times as it is sent, so the fix cannot rely on the storage refusing it.

A ticket is good for one upload now: completion moves the object to a key no ticket
writes to (``uploads.kept_key``; S3: copy, then delete the upload key), checks the copy
(so what is checked is what readers get), and the local endpoint refuses a ticket that
is completed or unknown before reading the body. Both backends: local files and a real
S3 API server (moto, server mode).

Cases and where each is covered:

- After completion, the same form again: ``test_a_replayed_form_cannot_change_what_readers_
  get`` (local: 409 before a byte is read; S3: the bucket takes it under the upload key,
  readers still get the checked PNG, and ``elearn media gc`` removes the stray object).
  Before: readers got the HTML.
- During completion, between the check and the use: ``test_bytes_sent_while_completion_
  checks_never_reach_readers`` (the same form arrives right after completion read the
  file's first bytes). Before: the check passed on the PNG, readers got the HTML.
- A part sent again after a multipart upload was completed:
  ``test_a_replayed_part_cannot_change_what_readers_get`` (local: refused; S3: the upload
  id is gone). This held before too (the parts are gone once assembled); kept as a guard.
- Completing twice is 409: tests/test_uploads.py::test_upload_then_use_it_in_a_lesson.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests import uploadkit
from tests.factories import PNG
from tests.uploadkit import (
    put_part,
    send,
    stored_keys,
    ticket,
)

course = uploadkit.course  # the published engine-basics course (a fixture)

pytestmark = pytest.mark.adversarial


BASE = "/api/v1/courses/engine-basics/media/uploads"
HTML = b"<html><script>alert(document.cookie)</script></html>"


@pytest.fixture
def app_config(media_config):
    return media_config


@pytest.fixture
def expert(make, signed_in):
    user = make.user("expert", network="DMK")
    return {"token": make.token(user.email), "browser": signed_in(user.email)}


def served(browser, url: str) -> tuple[bytes, str]:
    """What a reader of the course ends up with: the bytes and their type."""
    answer = browser.get(url)
    assert answer.status_code == 302, answer.status_code
    location = answer.headers["Location"]
    if location.startswith("/"):
        got = browser.get(location)
        return got.data, got.mimetype
    with urllib.request.urlopen(location, timeout=10) as fetched:  # noqa: S310 - loopback
        return fetched.read(), fetched.headers.get_content_type()


def same_size_html() -> bytes:
    return (HTML + b" " * len(PNG))[: len(PNG)]


def test_a_replayed_form_cannot_change_what_readers_get(app, api, course, expert, media_config):
    issued = ticket(api, expert["token"]).get_json()
    assert send(api, issued, PNG) in (200, 204)
    done = api.post(f"{BASE}/{issued['id']}/complete", token=expert["token"])
    assert done.status_code == 201
    url = done.get_json()["url"]
    assert served(expert["browser"], url) == (PNG, "image/png")
    status = send(api, issued, same_size_html())
    if media_config["STORAGE"] == "local":
        assert status == 409
    assert served(expert["browser"], url) == (PNG, "image/png")
    # what the replay stored (S3 took it) is nobody's: gc removes it, readers keep theirs
    app.test_cli_runner().invoke(args=["media", "gc", "--delete", "--grace-hours", "0"])
    assert not [k for k in stored_keys(app) if "/uploads/" in k]
    assert served(expert["browser"], url) == (PNG, "image/png")


def test_bytes_sent_while_completion_checks_never_reach_readers(
    app, api, course, expert, monkeypatch
):
    from elearn.media.storage import get_storage

    issued = ticket(api, expert["token"]).get_json()
    assert send(api, issued, PNG) in (200, 204)
    with app.app_context():
        storage = get_storage()
    read_head = storage.read_head

    def replay_right_after_the_check(key, n):
        head = read_head(key, n)
        send(api, issued, same_size_html())  # the ticket is not spent yet: this is allowed
        return head

    monkeypatch.setattr(storage, "read_head", replay_right_after_the_check)
    done = api.post(f"{BASE}/{issued['id']}/complete", token=expert["token"])
    monkeypatch.undo()
    assert done.status_code == 201
    assert served(expert["browser"], done.get_json()["url"]) == (PNG, "image/png")


def test_a_replayed_part_cannot_change_what_readers_get(app, api, course, expert, monkeypatch):
    from elearn.media import uploads

    monkeypatch.setattr(uploads, "MULTIPART_THRESHOLD", 1024 * 1024)
    size = uploads.PART_SIZE + 1024
    video = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (size - 12)
    issued = ticket(
        api, expert["token"], filename="v.mp4", content_type="video/mp4", size=size
    ).get_json()
    parts = f"{BASE}/{issued['id']}/parts"
    urls = api.post(parts, token=expert["token"], json={"numbers": [1, 2]}).get_json()["urls"]
    assert put_part(api, urls["1"], video[: uploads.PART_SIZE]) == 200
    assert put_part(api, urls["2"], video[uploads.PART_SIZE :]) == 200
    done = api.post(f"{BASE}/{issued['id']}/complete", token=expert["token"])
    assert done.status_code == 201
    url = done.get_json()["url"]
    try:
        status = put_part(api, urls["1"], same_size_html() * 1000)
    except urllib.error.HTTPError as exc:  # S3: the multipart upload is gone
        status = exc.code
    assert status >= 400
    assert served(expert["browser"], url) == (video, "video/mp4")
