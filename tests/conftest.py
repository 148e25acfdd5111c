"""Fixtures: an app per test on a database of its own (SQLite, and PostgreSQL when
``ELEARN_TEST_DATABASE_URL`` is set), clients signed in per role, the factory (``make``).

Under pytest-xdist (``make test``) every worker has its own PostgreSQL database
(``<db>_gw0``…, made at start and dropped at the end), its own instance folder, SQLite
files and S3 server; what the helpers need lives in tests/harness.py and tests/factories.py.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from elearn import create_app
from elearn.extensions import db
from tests import harness
from tests.factories import Factory
from tests.harness import (
    BACKENDS,
    IN_CI,
    PASSWORD,
    PG_URL,
    Client,
    Clock,
    base_config,
    count_queries,
    normalized_pg_url,
    s3_config,
)

pytest_plugins = ("tests.browser", "tests.pagekit")


def pytest_configure(config):
    if IN_CI and not PG_URL:
        raise pytest.UsageError(
            "CI=true needs ELEARN_TEST_DATABASE_URL: tests must run on PostgreSQL"
        )
    if PG_URL:
        harness.create_worker_database()


def pytest_unconfigure(config):
    """A worker leaves no database and no instance folder behind."""
    if PG_URL:
        harness.drop_worker_database()
    if harness.OWN_INSTANCE_DIR:
        shutil.rmtree(os.environ["ELEARN_INSTANCE_DIR"], ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Under pytest-xdist, a test marked ``exclusive`` runs while no other worker is inside
    a test (it restarts PostgreSQL under everyone's connections); the others wait."""
    workerinput = getattr(item.config, "workerinput", None)
    if workerinput is None:
        yield
        return
    exclusive = item.get_closest_marker("exclusive") is not None
    with harness.test_slot(workerinput["testrunuid"], exclusive=exclusive):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI nothing may be skipped: a skip there is a failure."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which is not allowed: {report.longrepr}"


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
    # pre-ping: the exclusive test restarts PostgreSQL under this pool's idle connections
    engine = sa.create_engine(url, pool_pre_ping=True)
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
    """moto's S3 server in a thread on a loopback port the system picks (so two workers
    never want the same one), for the whole session."""
    from moto.server import ThreadedMotoServer  # moto is slow to import: only when used

    # its request lines (werkzeug's, at INFO) stay out of the app's log and of commands' output
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_server):
    """A fresh bucket per test: (endpoint, bucket name, boto3 client)."""
    import boto3

    name = f"elearn-{secrets.token_hex(4)}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    yield SimpleNamespace(endpoint=s3_server, name=name, client=client)
    for item in client.list_objects_v2(Bucket=name).get("Contents", []):
        client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)


@pytest.fixture(params=["local", "s3"])
def media_config(request, tmp_path):
    """Settings for each storage backend; a module that takes it as its ``app_config`` runs
    every test on local files and on S3."""
    if request.param == "local":
        return {"STORAGE": "local", "MEDIA_DIR": str(tmp_path / "media")}
    return s3_config(request.getfixturevalue("s3_bucket"))


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
