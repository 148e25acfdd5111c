"""Headers, error handling and the no-write-on-GET rule, across every route."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from elearn.extensions import db

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER)\b", re.I)


def get_routes(app):
    """Every GET route, with sample values for its arguments."""
    urls = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {arg: 1 for arg in rule.arguments}
        if "code" in rule.arguments:
            values["code"] = "SALE"
        if "kind" in rule.arguments:
            values["kind"] = "csv"
        urls.append(adapter.build(rule.endpoint, values))
    return sorted(set(urls))


def test_every_get_route_writes_nothing(app, as_admin, make):
    make.user("trainee")
    writes: list[str] = []

    def spy(conn, cursor, statement, *args):
        if WRITE.match(statement) and "access_tokens" not in statement:
            writes.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        for url in get_routes(app):
            response = as_admin.get(url)
            assert response.status_code < 500, url
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert writes == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/login",
        "/api/v1/openapi.json",
        "/healthz",
        "/no-such-page",
        "/api/v1/nothing",
        "/static/css/app.css",
    ],
)
def test_security_headers_everywhere(client, path):
    response = client.get(path)
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["Referrer-Policy"]


def test_pages_carry_no_inline_script_or_handler(as_admin):
    for path in [
        "/",
        "/account",
        "/admin/users",
        "/admin/users/new",
        "/admin/networks",
        "/api/v1/docs",
        "/language",
        "/account/password",
    ]:
        html = as_admin.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+\s*=", html), path


def test_signed_in_pages_are_not_cached(as_trainee):
    assert "no-store" in as_trainee.get("/account").headers["Cache-Control"]


def test_health_check_answers_and_reports_a_dead_database(app, client):
    assert client.get("/healthz").json == {"status": "ok", "database": True}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    with app.app_context():
        db.engine.dispose()
        engine = db.engine

    def broken(*args, **kwargs):
        raise db.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    event.listen(engine, "before_cursor_execute", broken)
    try:
        response = client.get("/healthz")
    finally:
        event.remove(engine, "before_cursor_execute", broken)
    assert response.status_code == 503 and response.json["database"] is False


def test_an_unexpected_error_is_a_translated_500_page_not_a_traceback(app):
    app.config["HANDLE_UNEXPECTED_IN_TESTS"] = True
    from elearn.core import errors

    errors.init_app(app)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    client = app.test_client()
    page = client.get("/boom?lang=ar")
    assert page.status_code == 500 and "secret internals" not in page.get_data(as_text=True)
    assert 'dir="rtl"' in page.get_data(as_text=True)
    api = client.get("/boom", headers={"Accept": "application/json"})
    assert api.status_code == 500


def test_oversized_body_is_refused_with_413(client):
    big = b"x" * (33 * 1024 * 1024)
    response = client.post("/login", data=big, content_type="application/octet-stream")
    assert response.status_code == 413


def test_a_lost_database_gives_a_503_page_with_retry_advice(app, make):
    user = make.user("trainee")
    client = app.test_client()
    with app.app_context():
        engine = db.engine

    def broken(*args, **kwargs):
        raise db.exc.OperationalError("SELECT", {}, Exception("terminating connection"))

    event.listen(engine, "before_cursor_execute", broken)
    try:
        page = client.get("/?lang=ar")
        api = client.get("/api/v1/me", headers={"Authorization": "Bearer elearn_x"})
        form = client.post("/login", data={"email": user.email, "password": "x"})
    finally:
        event.remove(engine, "before_cursor_execute", broken)
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert 'dir="rtl"' in page.get_data(as_text=True)
    assert api.status_code == 503 and api.mimetype == "application/problem+json"
    assert form.status_code in (400, 503)  # the CSRF check may answer first
    assert client.get("/").status_code == 200  # and all is well once it is back


def test_static_files_are_versioned_and_cached_long(client):
    html = client.get("/").get_data(as_text=True)
    href = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{10})"', html).group(1)
    response = client.get(href)
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
