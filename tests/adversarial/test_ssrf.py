"""T46, SSRF: the platform never fetches a URL a user gave it.

What the code does (``grep`` of ``elearn/`` for requests, urllib, httpx, http.client,
socket, boto3 endpoints): there is no media import from a URL, no webhook, no avatar, no
link preview, no remote image proxy. The only outbound calls are to places an operator
configured, never a user: the database, S3 (``ELEARN_S3_ENDPOINT_URL``), SMTP and Redis.
``elearn push`` (``authoring/push.py``, http.client) runs on the expert's laptop and sends
a package to the server the expert names: a client, not the server fetching. Markdown is
rendered once at save time by Python-Markdown + nh3, which never fetch anything; media are
only files inside the package (``media/…``), and a reference outside ``media/`` is a
validation error (course-package.md), while an ``<img src>`` that is not a path on this
site is dropped by the sanitiser (no tracking pixels).

So there is nothing to resolve, pin or re-check on redirect; these tests hold the
behaviour in place. A loopback HTTP server stands in for the internal targets
(``169.254.169.254``, ``[::ffff:127.0.0.1]``, ``0x7f000001``, ``localhost``, ``gopher://``),
and an audit hook records every socket connection and DNS lookup the request thread makes:
importing, saving and reading lessons that reference them must make none.

- ``test_media_urls_outside_the_package_are_refused_and_never_fetched``
- ``test_links_and_raw_html_pointing_inside_are_inert_for_server_and_reader``
- ``test_saving_a_lesson_with_internal_urls_fetches_nothing``
- ``test_an_upload_named_like_a_url_is_only_a_name``
"""

from __future__ import annotations

import sys
import threading
import urllib.request
from contextlib import contextmanager
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask_babel import force_locale, gettext

from tests.factories import imported, package, upload

pytestmark = pytest.mark.adversarial

SLUG = "engine-basics"
LESSON = "01-basics/01-cycle.fr.md"
READ = f"/api/v1/courses/{SLUG}/modules/basics/lessons/cycle"
PAGE = f"/courses/{SLUG}/modules/basics/lessons/cycle"


# -- what the process does on the network ---------------------------------------------------

_WATCHED = {"thread": None, "events": []}
_NETWORK_EVENTS = {
    "socket.connect",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyname_ex",
    "http.client.connect",
    "urllib.Request",
}


def _audit(event: str, args) -> None:
    if event in _NETWORK_EVENTS and _WATCHED["thread"] == threading.get_ident():
        _WATCHED["events"].append((event, repr(args)[:200]))


_HOOKED = []


@contextmanager
def network_watch():
    """Every connection and DNS lookup the current thread makes inside the block (the test
    client runs the app in this thread)."""
    if not _HOOKED:  # audit hooks cannot be removed: one for the session, armed per block
        sys.addaudithook(_audit)
        _HOOKED.append(True)
    _WATCHED["events"] = []
    _WATCHED["thread"] = threading.get_ident()
    try:
        yield _WATCHED["events"]
    finally:
        _WATCHED["thread"] = None


@pytest.fixture
def internal():
    """A loopback HTTP server that plays the metadata service: it records every request."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's API
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"AccessKeyId: ASIA-SECRET")

        do_POST = do_HEAD = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    # both instruments see a fetch when there is one, so "nothing seen" means something
    with network_watch() as events:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/probe", timeout=5) as r:  # noqa: S310
            assert r.read() == b"AccessKeyId: ASIA-SECRET"
    assert hits == ["/probe"] and any(e[0] == "socket.connect" for e in events), events
    hits.clear()
    yield type(
        "Internal",
        (),
        {
            "hits": hits,
            "port": port,
            "urls": [
                f"http://127.0.0.1:{port}/latest/meta-data/iam/security-credentials/",
                "http://169.254.169.254/latest/meta-data/",
                f"http://[::ffff:127.0.0.1]:{port}/v6",
                f"http://0x7f000001:{port}/hex",
                f"http://localhost:{port}/name",
                f"gopher://127.0.0.1:{port}/_GET%20/",
                "file:///etc/passwd",
                "http://metadata.google.internal/computeMetadata/v1/",
            ],
        },
    )
    server.shutdown()
    server.server_close()


def said(app, msgid: str, **values) -> str:
    with app.test_request_context(), force_locale("fr"):
        return gettext(msgid, **values)


def with_lesson(body: str) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package())) as source:
        with zipfile.ZipFile(out, "w") as archive:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == f"{SLUG}/{LESSON}":
                    data = ("---\ntitle: Le cycle\n---\n\n" + body).encode()
                archive.writestr(info.filename, data)
    return out.getvalue()


class Attributes(HTMLParser):
    """(tag, attribute, value) of every attribute in a piece of HTML."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, str, str]] = []
        self.rels: dict[str, str] = {}
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            self.found.append((tag, name, value or ""))
        if tag == "a" and values.get("href"):
            self.rels[values["href"]] = values.get("rel") or ""


def mentions(value: str, internal) -> bool:
    hosts = (f":{internal.port}", "169.254.169.254", "metadata.google", "/etc/passwd")
    return any(h in value for h in hosts)


@pytest.fixture
def people(make):
    return {
        "admin": make.token(make.user("admin").email),
        "expert": make.token(make.user("expert", network="DMK").email),
        "trainee": make.user("trainee"),
    }


# -- tests ----------------------------------------------------------------------------------


def test_media_urls_outside_the_package_are_refused_and_never_fetched(app, api, people, internal):
    body = "".join(f"![carte]({url})\n\n" for url in internal.urls)
    body += f"![ref][meta]\n\n[meta]: {internal.urls[0]}\n"
    with network_watch() as events:
        dry = upload(api, people["expert"], with_lesson(body), "?dry_run=true")
        pushed = upload(api, people["expert"], with_lesson(body))
    assert internal.hits == [] and events == []
    assert dry.status_code == 200 and dry.get_json()["valid"] is False
    assert pushed.status_code == 422
    messages = {e["message"] for e in pushed.get_json()["errors"] if e["path"] == LESSON}
    for url in internal.urls:
        assert said(app, "media must be a file under media/, not %(target)s", target=url[:80]) in (
            messages
        ), (url, messages)
    assert api.get(f"/api/v1/courses/{SLUG}", token=people["expert"]).status_code == 404


def test_links_and_raw_html_pointing_inside_are_inert_for_server_and_reader(
    app, api, people, internal, signed_in
):
    lines = []
    for url in internal.urls:
        lines += [
            f"[la doc]({url})",
            f"<{url}>",
            f'<img src="{url}" alt="pixel">',
            f'<video src="{url}" poster="{url}"><source src="{url}"></video>',
            f'<iframe src="{url}"></iframe><object data="{url}"></object><embed src="{url}">',
            f'<link rel="stylesheet" href="{url}"><form action="{url}"><button>ok</button></form>',
            f'<p style="background:url({url})">fond</p>',
            f'<img srcset="{url} 2x" src="/x.png">',
        ]
    body = "\n\n".join(lines) + "\n"
    with network_watch() as events:
        imported(api, people["admin"], with_lesson(body), "?publish=true")
        trainee = signed_in(people["trainee"].email)
        assert (
            trainee.post(
                f"/api/v1/courses/{SLUG}/enrolment",
                headers={"X-CSRFToken": trainee.csrf_token()},
            ).status_code
            == 201
        )
        page = trainee.get(PAGE)
        read = trainee.get(READ)
    assert internal.hits == [], internal.hits
    assert events == [], events
    assert page.status_code == 200 and read.status_code == 200
    for html in (page.get_data(as_text=True), read.get_json()["html"]):
        parsed = Attributes(html)
        fetched_by_browser = [
            (tag, name, value)
            for tag, name, value in parsed.found
            if name != "href" and mentions(value, internal)
        ]
        assert fetched_by_browser == []  # no pixel, frame, player, style or form to them
        for href, rel in parsed.rels.items():
            if mentions(href, internal):
                assert href.startswith(("http://", "https://")), href  # no file:, gopher:
                assert {"noopener", "noreferrer"} <= set(rel.split()), (href, rel)
    lesson = Attributes(read.get_json()["html"])
    assert [t for t, _n, _v in lesson.found if t in {"iframe", "object", "embed", "form"}] == []
    links = lesson.rels
    assert any(href == internal.urls[0] for href in links)  # still a link one may click


def test_saving_a_lesson_with_internal_urls_fetches_nothing(app, api, people, internal):
    assert imported(api, people["expert"], package())
    for url in internal.urls:
        with network_watch() as events:
            response = api.call(
                "PUT",
                READ,
                token=people["expert"],
                json={"lang": "fr", "title": "Le cycle", "markdown": f"![x]({url})\n\n[y]({url})"},
            )
        assert events == [] and internal.hits == []
        assert response.status_code == 422, (url, response.status_code)
        assert response.mimetype == "application/problem+json"
        assert url[:40] in response.get_data(as_text=True)  # says which reference to fix


def test_an_upload_named_like_a_url_is_only_a_name(app, api, people, internal):
    assert imported(api, people["expert"], package())
    with network_watch() as events:
        response = api.post(
            f"/api/v1/courses/{SLUG}/media/uploads",
            token=people["expert"],
            json={"filename": internal.urls[0] + "a.png", "content_type": "image/png", "size": 68},
        )
    assert events == [] and internal.hits == []
    assert response.status_code == 201
    assert response.get_json()["path"] == "media/a.png"
