"""Fixtures: an app per test on a database of its own (SQLite, and PostgreSQL when
``ELEARN_TEST_DATABASE_URL`` is set), clients signed in per role, small factories."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

os.environ.setdefault("ELEARN_INSTANCE_DIR", tempfile.mkdtemp(prefix="elearn-test-instance-"))
for _name in list(os.environ):  # the developer's own settings must not leak into tests
    if _name.startswith("ELEARN_") and _name not in {
        "ELEARN_TEST_DATABASE_URL",
        "ELEARN_INSTANCE_DIR",
    }:
        del os.environ[_name]

from elearn import create_app  # noqa: E402
from elearn.accounts import services  # noqa: E402
from elearn.core.db import utcnow  # noqa: E402
from elearn.extensions import db  # noqa: E402

pytest_plugins = ("tests.browser",)

# S3 is a real S3 API server (moto's server mode) on a loopback port; never our own code
# patched. These credentials only ever talk to it.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "elearn-test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "elearn-test-secret")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

PASSWORD = "correct-horse-42"
PG_URL = os.environ.get("ELEARN_TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
FAST_HASH = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def pytest_configure(config):
    if IN_CI and not PG_URL:
        raise pytest.UsageError(
            "CI=true needs ELEARN_TEST_DATABASE_URL: tests must run on PostgreSQL"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI nothing may be skipped: a skip there is a failure."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which is not allowed: {report.longrepr}"


def base_config(url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH_COST": FAST_HASH,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_BACKEND": "memory",
    }


def normalized_pg_url() -> str:
    from elearn.config import load_config

    return load_config(
        {"ELEARN_DATABASE_URL": PG_URL, "ELEARN_SECRET_KEY": "x" * 40}, Path(tempfile.gettempdir())
    )["SQLALCHEMY_DATABASE_URI"]


def migrate_to_head(url: str) -> None:
    from elearn.core.migrations import upgrade

    app = create_app(base_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate_to_head(f"sqlite:///{path}")
    with sa.create_engine(f"sqlite:///{path}").connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    return path


@pytest.fixture(scope="session")
def pg_baseline():
    """Migrate the test database once; remember the rows migrations put there (networks)."""
    url = normalized_pg_url()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    migrate_to_head(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        rows = {
            t.name: [dict(r._mapping) for r in conn.execute(t.select())]
            for t in meta.sorted_tables
            if t.name != "alembic_version"
        }
    yield SimpleNamespace(url=url, engine=engine, meta=meta, rows=rows)
    engine.dispose()


def _reset_pg(baseline) -> None:
    tables = [t for t in baseline.meta.sorted_tables if t.name != "alembic_version"]
    with baseline.engine.begin() as conn:
        conn.exec_driver_sql(
            "TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
        for table in tables:
            if baseline.rows[table.name]:
                conn.execute(table.insert(), baseline.rows[table.name])
        for table in tables:  # keep sequences past the restored ids
            if "id" in table.c and baseline.rows[table.name]:
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'(SELECT MAX(id) FROM "{table.name}"))'
                )


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server in a thread on a free loopback port, for the whole session."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_server):
    """A fresh bucket per test: (endpoint, bucket name, boto3 client)."""
    import secrets

    import boto3

    name = f"elearn-{secrets.token_hex(4)}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    yield SimpleNamespace(endpoint=s3_server, name=name, client=client)
    for item in client.list_objects_v2(Bucket=name).get("Contents", []):
        client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)


def s3_config(bucket) -> dict:
    return {
        "STORAGE": "s3",
        "S3_ENDPOINT_URL": bucket.endpoint,
        "S3_BUCKET": bucket.name,
        "S3_REGION": "us-east-1",
        "S3_ADDRESSING_STYLE": "path",
    }


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path):
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.sqlite3"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
    else:
        baseline = request.getfixturevalue("pg_baseline")
        yield baseline.url
        _reset_pg(baseline)


@pytest.fixture
def app_config():
    """Override in a test module to change settings."""
    return {}


@pytest.fixture
def app(database_url, app_config):
    app = create_app({**base_config(database_url), **app_config})
    app.test_client_class = Client
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Client(FlaskClient):
    """A browser-like client: keeps cookies, knows the page's CSRF token, can sign in."""

    def csrf_token(self) -> str:
        html = self.get("/language").get_data(as_text=True)
        return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)

    def login(self, email: str, password: str = PASSWORD):
        return self.post_form("/login", {"email": email, "password": password})

    def logout(self):
        return self.post_form("/logout")


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def signed_in(app):
    """``signed_in(email)``: a new browser-like client signed in as that account (or
    anonymous with None), each with its own cookies."""

    def open_as(email: str | None = None, password: str = PASSWORD) -> Client:
        browser = app.test_client()
        if email:
            response = browser.login(email, password)
            assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return browser

    return open_as


class Factory:
    """Make rows through the real services, committed, and hand back plain values."""

    def __init__(self, app):
        self.app = app
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def centre(self, code: str = "SALE", name: str = "Centre de Salé", city: str = "Salé"):
        with self.app.app_context():
            found = services.centre_by_code_or_none(db.session, code)
            centre = found or services.save_centre(
                db.session, None, code=code, name=name, city=city
            )
            db.session.commit()
            return SimpleNamespace(id=centre.id, code=centre.code)

    def user(
        self,
        role: str = "trainee",
        *,
        roles=None,
        email=None,
        name=None,
        centre="SALE",
        network="DMK",
        locale="fr",
        password=PASSWORD,
        active=True,
    ):
        roles = list(roles or [role])
        email = email or f"{'-'.join(roles)}{self._next()}@example.org"
        if set(roles) & {"trainer", "trainee"}:
            self.centre(centre)
        with self.app.app_context():
            user = services.create_user(
                db.session,
                email=email,
                name=name or f"Test {roles[0].title()}",
                roles=roles,
                network=services.network_by_code(db.session, network)
                if "expert" in roles
                else None,
                centre=services.centre_by_code(db.session, centre)
                if set(roles) & {"trainer", "trainee"}
                else None,
                locale=locale,
                password=password,
            )
            user.active = active
            db.session.commit()
            return SimpleNamespace(id=user.id, email=user.email, password=password, roles=roles)

    def token(self, email: str, name: str = "test") -> str:
        with self.app.app_context():
            user = services.find_user(db.session, email)
            _token, plain = services.create_token(
                db.session, user, name, now=utcnow(), lifetime_days=30
            )
            db.session.commit()
            return plain


@pytest.fixture
def make(app) -> Factory:
    return Factory(app)


def _signed_in(app, make, role):
    user = make.user(role)
    client = app.test_client()
    response = client.login(user.email)
    assert response.status_code == 303, response.get_data(as_text=True)
    client.user = user
    return client


@pytest.fixture
def as_admin(app, make):
    return _signed_in(app, make, "admin")


@pytest.fixture
def as_expert(app, make):
    return _signed_in(app, make, "expert")


@pytest.fixture
def as_trainer(app, make):
    return _signed_in(app, make, "trainer")


@pytest.fixture
def as_trainee(app, make):
    return _signed_in(app, make, "trainee")


@pytest.fixture
def api(app):
    """A JSON client: ``api.get(url, token=...)``."""

    class Api:
        def __init__(self):
            self.client = app.test_client()

        def call(self, method, url, token=None, json=None, headers=None, **kw):
            headers = dict(headers or {})
            if token:
                headers["Authorization"] = f"Bearer {token}"
            return self.client.open(url, method=method, json=json, headers=headers, **kw)

        def get(self, url, **kw):
            return self.call("GET", url, **kw)

        def post(self, url, **kw):
            return self.call("POST", url, **kw)

        def patch(self, url, **kw):
            return self.call("PATCH", url, **kw)

        def delete(self, url, **kw):
            return self.call("DELETE", url, **kw)

    return Api()


@contextmanager
def count_queries(app):
    """Count SQL statements sent while the block runs."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


class Clock:
    """The time the app sees (``app.config["TEST_CLOCK"]``): moved by the test, never by
    waiting."""

    def __init__(self):
        self.moment = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

    def __call__(self):
        return self.moment

    def advance(self, **delta):
        self.moment += timedelta(**delta)


@pytest.fixture
def clock(app) -> Clock:
    clock = Clock()
    app.config["TEST_CLOCK"] = clock
    return clock


@pytest.fixture
def outbox(app) -> list:
    """E-mails the app sent (the ``memory`` backend), as ``email.message.EmailMessage``."""
    return app.extensions.setdefault("mail_outbox", [])


@pytest.fixture
def queries(app):
    return lambda: count_queries(app)
