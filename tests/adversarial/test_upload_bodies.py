"""Bodies read before the ticket is checked (issue 13, item 6): with local storage the
upload endpoint parsed the form — buffering the file to a temporary file — to find the
signed token inside it, so an anonymous 300 MB POST was written to disk before its 403.

The grant now rides in the URL the ticket hands out (the form fields stay, as S3's do),
and ``media.views._refusal`` answers from the URL and the headers alone: a forged or
expired grant is 403, a ticket already used 409, a ``Content-Length`` over what the
ticket allows 413 — all before a byte of the body is read; what is read stops at that
limit. The same holds for parts (``PUT /media/uploads/parts``). Tested at the WSGI level
with a body that counts what the application reads from it.

Cases and where each is covered:

- ``test_a_body_is_not_read_before_its_ticket_is_checked`` (anonymous with no token, a
  forged one, a token moved into the form as before; a real ticket announcing more than
  it allows; a completed ticket): nothing read. Before: the whole body was read.
- ``test_a_part_is_not_read_before_its_grant_is_checked`` (forged grant; a real one
  announcing more than a part; a part of a completed upload).
- ``test_what_is_read_stops_at_what_the_ticket_allows`` (no ``Content-Length``: chunked):
  the read stops at the ticket's size plus the form's envelope.
- A real ticket with an honest body still uploads: tests/test_uploads.py (every test on
  the ``local`` backend) and the browser: tests/test_browser_media.py.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Response
from werkzeug.test import EnvironBuilder, run_wsgi_app

from tests import uploadkit
from tests.factories import PNG
from tests.uploadkit import (
    multipart,
    put_part,
    send,
    ticket,
)

course = uploadkit.course  # the published engine-basics course (a fixture)

pytestmark = pytest.mark.adversarial


MiB = 1024 * 1024
BASE = "/api/v1/courses/engine-basics/media/uploads"


@pytest.fixture
def app_config(tmp_path):
    return {"STORAGE": "local", "MEDIA_DIR": str(tmp_path / "media")}


@pytest.fixture
def expert(make):
    return make.token(make.user("expert", network="DMK").email)


class CountingBody:
    """A request body of ``size`` bytes, made up as it is read, that remembers how much."""

    def __init__(self, size: int, head: bytes = b""):
        self.size, self.head, self.read_bytes = size, head, 0

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.read_bytes
        n = left if n is None or n < 0 else min(n, left)
        start = self.read_bytes
        self.read_bytes += n
        head = self.head[start : start + n]
        return head + b"x" * (n - len(head))

    def readline(self, limit: int = -1) -> bytes:
        return self.read(min(limit, 65536) if limit and limit > 0 else 65536)


def post(app, url: str, body: CountingBody, *, length: int | None, method="POST"):
    """The request as a WSGI server hands it over: the body is a stream the application
    reads (or not) as it likes."""
    path, _, query = url.partition("?")
    environ = EnvironBuilder(
        path=path,
        query_string=query,
        method=method,
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    ).get_environ()
    environ["wsgi.input"] = body
    if length is None:  # chunked: the server says where it ends, not the client
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(length)
    chunks, status, headers = run_wsgi_app(app, environ, buffered=True)
    return Response(b"".join(chunks), status=status, headers=headers)


def test_a_body_is_not_read_before_its_ticket_is_checked(app, api, course, expert):
    big = 300 * MiB
    issued = ticket(api, expert).get_json()
    token = parse_qs(urlsplit(issued["url"]).query).get("token", [None])[0]
    token = token or issued["fields"]["token"]  # where it was before
    form_token, _ = multipart({"token": token, **issued["fields"]}, PNG)
    cases = [
        ("/media/uploads", CountingBody(big), 403),
        ("/media/uploads?token=forged", CountingBody(big), 403),
        ("/media/uploads", CountingBody(big, form_token), 403),  # the form no longer says
        (issued["url"], CountingBody(big), 413),  # the ticket allows 68 bytes and a form
    ]
    for url, body, status in cases:
        answer = post(app, url, body, length=body.size)
        assert answer.status_code == status, (url, answer.data)
        assert answer.mimetype == "application/problem+json"
        assert body.read_bytes == 0, (url, body.read_bytes)
    # spent: once completed, the ticket opens nothing
    assert send(api, issued, PNG) == 204
    assert api.post(f"{BASE}/{issued['id']}/complete", token=expert).status_code == 201
    body = CountingBody(len(PNG) + 1024)
    answer = post(app, issued["url"], body, length=body.size)
    assert answer.status_code == 409 and body.read_bytes == 0
    assert "nouveau" in json.loads(answer.data)["detail"]


def test_a_part_is_not_read_before_its_grant_is_checked(app, api, course, expert, monkeypatch):
    from elearn.media import uploads

    monkeypatch.setattr(uploads, "MULTIPART_THRESHOLD", 1024 * 1024)
    size = 2 * MiB
    video = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (size - 12)
    issued = ticket(api, expert, filename="v.mp4", content_type="video/mp4", size=size).get_json()
    url = api.post(f"{BASE}/{issued['id']}/parts", token=expert, json={"numbers": [1]})
    url = url.get_json()["urls"]["1"]
    for target, length, status in (
        ("/media/uploads/parts?token=forged", 300 * MiB, 403),
        (url, uploads.PART_SIZE + 1, 413),
    ):
        body = CountingBody(length)
        answer = post(app, target, body, length=length, method="PUT")
        assert answer.status_code == status, answer.data
        assert body.read_bytes == 0
    assert put_part(api, url, video) == 200
    assert api.post(f"{BASE}/{issued['id']}/complete", token=expert).status_code == 201
    body = CountingBody(MiB)
    answer = post(app, url, body, length=MiB, method="PUT")
    assert answer.status_code == 409 and body.read_bytes == 0


def test_what_is_read_stops_at_what_the_ticket_allows(app, api, course, expert):
    issued = ticket(api, expert).get_json()
    body = CountingBody(300 * MiB, b"--xyz\r\n")
    answer = post(app, issued["url"], body, length=None)  # chunked: no Content-Length
    assert answer.status_code == 413, answer.data
    assert body.read_bytes <= len(PNG) + 128 * 1024  # the file and its form's envelope
    assert json.loads(answer.data)["detail"]
