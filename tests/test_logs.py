"""What an operator reads in the logs: one JSON object per line in production (readable
text on a laptop) with the request, the user and the job it was written for; the request
id echoed to the client and taken from nginx; errors reaching Sentry when it is set up."""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
import secrets
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import g

from elearn import create_app
from elearn.accounts.models import User
from elearn.config import ConfigError, load_config
from elearn.core import logs
from elearn.extensions import db
from tests.harness import count_queries

log = logging.getLogger("elearn.tests")
GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def lines():
    """The JSON lines written while the test runs (our formatter on a handler of its own,
    on the root logger as the configured one is), parsed."""
    stream = io.StringIO()
    handler = logs.handler(stream, "json")
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def access(found: list[dict]) -> list[dict]:
    return [line for line in found if line["logger"] == "elearn.access"]


def test_a_json_line_holds_time_level_logger_message_and_the_ids(client, lines):
    response = client.get("/healthz?probe=1", headers={"X-Request-ID": "nginx-7f3a.1_b"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "nginx-7f3a.1_b"
    (line,) = access(lines())
    assert line["level"] == "INFO"
    assert line["request_id"] == "nginx-7f3a.1_b"
    assert line["user_id"] is None and line["job_id"] is None
    assert line["message"].startswith("GET /healthz 200 ")  # no query string
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert line["duration_ms"] >= 0
    assert line["time"].endswith("Z")
    assert datetime.fromisoformat(line["time"]).utcoffset().total_seconds() == 0


def test_an_exception_is_one_line_with_its_traceback(lines):
    try:
        {}["missing"]
    except KeyError:
        log.exception("Could not read\nthe settings")
    (line,) = lines()
    assert line["level"] == "ERROR" and line["logger"] == "elearn.tests"
    assert line["message"] == "Could not read\nthe settings"
    assert "Traceback" in line["exc_info"] and "KeyError: 'missing'" in line["exc_info"]
    assert set(line) >= {"time", "request_id", "user_id", "job_id"}


@pytest.mark.parametrize(
    "sent",
    ["abc\ninjected: yes", "x" * 200, "two words", "", "id;drop", "é"],
    ids=["newline", "200-chars", "space", "empty", "semicolon", "non-ascii"],
)
def test_an_unusable_request_id_is_replaced(client, lines, sent):
    # past the test client's own header checks, as a raw client could send it
    response = client.get("/healthz", environ_overrides={"HTTP_X_REQUEST_ID": sent})
    given = response.headers["X-Request-ID"]
    assert GENERATED.fullmatch(given)
    assert [line["request_id"] for line in access(lines())] == [given]


def test_each_request_has_its_own_id_and_none_is_left_after_it(client, lines):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert first != second
    log.warning("between requests")
    assert [line["request_id"] for line in lines()] == [first, second, None]


def test_a_64_character_id_is_kept(client):
    wanted = "a" * 64
    assert (
        client.get("/healthz", headers={"X-Request-ID": wanted}).headers["X-Request-ID"] == wanted
    )


@pytest.fixture
def app_config():
    return {"HANDLE_UNEXPECTED_IN_TESTS": True}  # a 500 page, as in production


def test_not_found_and_server_errors_carry_the_request_id(app, client, lines):
    def boom():
        raise RuntimeError("the disk is full")

    app.add_url_rule("/boom", "boom", boom)
    missing = client.get("/no-such-page", headers={"X-Request-ID": "r404"})
    failed = client.get("/boom", headers={"X-Request-ID": "r500"})
    assert (missing.status_code, missing.headers["X-Request-ID"]) == (404, "r404")
    assert (failed.status_code, failed.headers["X-Request-ID"]) == (500, "r500")
    found = lines()
    assert [(line["request_id"], line["status"]) for line in access(found)] == [
        ("r404", 404),
        ("r500", 500),
    ]
    (error,) = [line for line in found if line["level"] == "ERROR"]
    assert error["request_id"] == "r500"
    assert "RuntimeError: the disk is full" in error["exc_info"]


def test_static_files_write_no_access_line(client, lines):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])
    assert access(lines()) == []


def test_a_signed_in_request_carries_the_user_id(client, make, lines):
    user = make.user("trainee")
    assert client.login(user.email).status_code == 303
    lines_before = len(lines())
    assert client.get("/").status_code == 200
    (line,) = access(lines()[lines_before:])
    assert line["user_id"] == user.id
    client.logout()
    client.get("/")
    assert access(lines())[-1]["user_id"] is None


def test_an_api_request_carries_the_token_owner_id(api, make, lines):
    user = make.user("expert")
    token = make.token(user.email)
    assert api.get("/api/v1/me", token=token).status_code == 200
    assert access(lines())[-1]["user_id"] == user.id


def test_reading_the_user_id_never_queries(app, make, lines):
    """After a rollback the user's columns are expired: the line still names them, and
    writing it sends nothing to the database (which may be what just went down)."""
    user_id = make.user("trainee").id
    with app.test_request_context("/"):
        g._login_user = db.session.get(User, user_id)
        db.session.rollback()  # expires every loaded object
        with count_queries(app) as statements:
            log.warning("the database is down")
        assert statements == []
    assert lines()[-1]["user_id"] == user_id


def test_bind_puts_the_job_id_on_every_line_in_the_block(lines):
    with logs.bind(job_id=42):
        log.info("importing")
        with logs.bind(job_id=43):
            log.info("nested")
        log.info("imported")
    log.info("after")
    assert [(line["message"], line["job_id"]) for line in lines()] == [
        ("importing", 42),
        ("nested", 43),
        ("imported", 42),
        ("after", None),
    ]
    with pytest.raises(TypeError, match="job"):
        with logs.bind(jobid=1):
            pass


def test_the_text_format_shows_the_ids_when_there_are_some():
    stream = io.StringIO()
    handler = logs.handler(stream, "text")
    record = logging.makeLogRecord({"name": "elearn.jobs", "levelno": 20, "levelname": "INFO"})
    with logs.bind(job_id=7, request_id="r1"):
        handler.handle(logging.makeLogRecord({**record.__dict__, "msg": "sent 3 e-mails"}))
    handler.handle(logging.makeLogRecord({**record.__dict__, "msg": "idle"}))
    first, second = stream.getvalue().splitlines()
    assert first.endswith("INFO elearn.jobs [request=r1 job=7]: sent 3 e-mails")
    assert second.endswith("INFO elearn.jobs: idle")


def test_apps_built_again_and_again_write_each_line_once(database_url, capsys):
    from tests.harness import base_config

    for _ in range(3):
        create_app(base_config(database_url))
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_elearn", False)]
    assert len(ours) == 1
    assert logging.getLogger("elearn").handlers == []  # not Flask's default one besides
    capsys.readouterr()
    logging.getLogger("elearn").warning("once")
    assert capsys.readouterr().err.count("once") == 1


def test_production_writes_json_lines_and_a_laptop_text(tmp_path):
    production = {"ELEARN_ENV": "production", "ELEARN_SECRET_KEY": "s" * 48}
    production["ELEARN_BASE_URL"] = "https://academy.example.org"
    assert load_config(production, tmp_path)["LOG_FORMAT"] == "json"
    assert load_config({}, tmp_path)["LOG_FORMAT"] == "text"
    assert load_config({}, tmp_path)["LOG_LEVEL"] == "INFO"
    chosen = load_config({"ELEARN_LOG_FORMAT": "text", **production}, tmp_path)
    assert chosen["LOG_FORMAT"] == "text"
    assert load_config({"ELEARN_LOG_LEVEL": "warning"}, tmp_path)["LOG_LEVEL"] == "WARNING"


@pytest.mark.parametrize(
    ("name", "value"),
    [("ELEARN_LOG_FORMAT", "xml"), ("ELEARN_LOG_LEVEL", "LOUD"), ("ELEARN_LOG_LEVEL", "10")],
)
def test_an_unknown_format_or_level_stops_the_start(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config({name: value}, tmp_path)


# --- Sentry ---------------------------------------------------------------------------


class Collector(BaseHTTPRequestHandler):
    """Sentry's ingestion address, as far as the SDK can tell: keeps what it is sent."""

    received: list[tuple[str, bytes]]

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        elif self.headers.get("Content-Encoding") == "br":
            import brotli

            body = brotli.decompress(body)
        self.server.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    import sentry_sdk

    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)  # no later test reports anywhere
    server.shutdown()
    server.server_close()


def events(received: list[tuple[str, bytes]]) -> list[dict]:
    """The error events among the envelopes (a header line, then item header and payload
    pairs; sessions and other items are skipped)."""
    found = []
    for _path, body in received:
        parts = body.split(b"\n")
        for header, payload in zip(parts[1::2], parts[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def test_an_error_in_a_page_reaches_sentry_with_its_request_id(
    database_url, sentry_server, tmp_path
):
    import sentry_sdk

    from tests.harness import base_config

    port = sentry_server.server_address[1]
    dsn = f"http://public-key@127.0.0.1:{port}/1"
    settings = load_config({"ELEARN_SENTRY_DSN": dsn}, tmp_path)
    assert settings["SENTRY_DSN"] == dsn
    app = create_app(
        {
            **base_config(database_url),
            "SENTRY_DSN": dsn,
            "ENV_NAME": "staging",
            "HANDLE_UNEXPECTED_IN_TESTS": True,
        }
    )

    def boom():
        raise RuntimeError("the disk is full")

    app.add_url_rule("/boom", "boom", boom)
    client = app.test_client()
    cookie = secrets.token_hex(16)  # not in this file: Sentry sends the source around
    client.set_cookie("elearn_session", cookie)
    response = client.get("/boom", headers={"X-Request-ID": "req-sentry-1"})
    assert response.status_code == 500
    sentry_sdk.flush(timeout=10)

    (event,) = events(sentry_server.received)
    assert all(path == "/api/1/envelope/" for path, _ in sentry_server.received)
    (exception,) = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "the disk is full")
    assert event["environment"] == "staging"
    assert re.fullmatch(r"elearn@\d+\.\d+\.\d+.*", event["release"])
    assert event["tags"]["request_id"] == "req-sentry-1"
    assert event["request"]["url"].endswith("/boom")
    raw = b"".join(body for _path, body in sentry_server.received)
    assert cookie.encode() not in raw  # send_default_pii=False: no cookie, no session


def test_a_sentry_dsn_without_the_sdk_says_what_to_install(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sentry_sdk", None)  # as if not installed
    with pytest.raises(ConfigError, match=re.escape("pip install 'elearn[sentry]'")):
        load_config({"ELEARN_SENTRY_DSN": "https://key@sentry.example.org/4"}, tmp_path)


def test_a_malformed_sentry_dsn_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="ELEARN_SENTRY_DSN"):
        load_config({"ELEARN_SENTRY_DSN": "sentry.example.org"}, tmp_path)
    assert load_config({}, tmp_path)["SENTRY_DSN"] == ""
