"""What every test process needs before the app is built: a clean environment, its own
instance folder and PostgreSQL database (one per pytest-xdist worker), the settings of a
test app, a browser-like client, a clock the test moves, and free ports.

Tests import these from here (and people, courses, cohorts and attempts from
``tests.factories``); ``conftest.py`` only turns them into fixtures. Importing this module
first cleans ``ELEARN_*`` out of the environment, so it is imported before ``elearn``."""

from __future__ import annotations

import fcntl
import os
import re
import socket
import sys
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

for _name in list(os.environ):  # the developer's own settings must not leak into tests
    if _name.startswith("ELEARN_") and _name not in {
        "ELEARN_TEST_DATABASE_URL",
        "ELEARN_INSTANCE_DIR",
    }:
        del os.environ[_name]

#: "gw0", "gw1"… under pytest-xdist (set before the worker imports conftest), "" when serial.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_INDEX = int(WORKER[2:]) if WORKER.startswith("gw") else 0

# Workers inherit the controller's environment: each makes an instance folder of its own,
# so that nothing one writes there (SQLite defaults, local media) is seen by the other.
OWN_INSTANCE_DIR = WORKER != "" or "ELEARN_INSTANCE_DIR" not in os.environ
if OWN_INSTANCE_DIR:
    os.environ["ELEARN_INSTANCE_DIR"] = tempfile.mkdtemp(
        prefix=f"elearn-test-instance-{WORKER or 'main'}-"
    )

import sqlalchemy as sa  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from elearn.config import load_config  # noqa: E402
from elearn.extensions import db  # noqa: E402

# S3 is a real S3 API server (moto's server mode) on a loopback port; never our own code
# patched. These credentials only ever talk to it.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "elearn-test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "elearn-test-secret")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

IN_CI = os.environ.get("CI", "").lower() == "true"
#: The scripts (``elearn``, ``gunicorn``) of the environment running the tests: ``.venv/bin``
#: under ``make test``, the shared one in a git worktree that has no ``.venv`` of its own.
VENV_BIN = Path(sys.executable).parent
FAST_HASH = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}

#: The database CI (or the developer) created; under xdist only a door to create others.
SHARED_PG_URL = os.environ.get("ELEARN_TEST_DATABASE_URL", "")


def worker_database(url: str, worker: str = WORKER) -> str:
    """``<db>_<worker>``: two workers truncating one database would wipe each other's rows."""
    if not url or not worker:
        return url
    parsed = sa.engine.make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


#: This process's PostgreSQL database ("" without PostgreSQL).
PG_URL = worker_database(SHARED_PG_URL)
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def normalized(url: str) -> str:
    """The URL as the app's settings spell it (the psycopg driver), for SQLAlchemy here."""
    return load_config(
        {"ELEARN_DATABASE_URL": url, "ELEARN_SECRET_KEY": "x" * 40},
        Path(tempfile.gettempdir()),
    )["SQLALCHEMY_DATABASE_URI"]


def normalized_pg_url() -> str:
    return normalized(PG_URL)


@contextmanager
def _server():
    """An AUTOCOMMIT connection to the shared database, to create or drop others."""
    engine = sa.create_engine(normalized(SHARED_PG_URL), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def create_worker_database() -> None:
    """Create this worker's database unless a previous run left it (it is reset anyway)."""
    if PG_URL == SHARED_PG_URL:
        return
    name = sa.engine.make_url(PG_URL).database
    with _server() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')


def drop_worker_database() -> None:
    if PG_URL == SHARED_PG_URL:
        return
    name = sa.engine.make_url(PG_URL).database
    with _server() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def test_slot(run_id: str, *, exclusive: bool):
    """Hold this worker's place in a test: shared by every worker, or ``exclusive`` for a
    test that restarts a service all of them use (PostgreSQL). A turnstile gives the
    exclusive test its turn: once it waits, no worker starts another test before it ran.

    Locks are files of this run (``run_id``: pytest-xdist's testrunuid) in the temporary
    folder; the system releases them should a worker die."""
    base = Path(tempfile.gettempdir()) / f"elearn-tests-{run_id}"
    with open(f"{base}.turnstile", "a") as turnstile, open(f"{base}.lock", "a") as lock:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        if not exclusive:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            if exclusive:
                fcntl.flock(turnstile, fcntl.LOCK_UN)


def redis_url(slot: int) -> str:
    """A Redis database of this worker's own for one test module (``slot`` 0 or 1): a test
    that flushes its database must not flush another worker's counters."""
    return f"redis://127.0.0.1:6379/{(15 - slot - 2 * WORKER_INDEX) % 16}"


def free_port() -> int:
    """A loopback port nobody listens on now (for servers that cannot take port 0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_config(url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH_COST": FAST_HASH,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_BACKEND": "memory",
        # jobs run in the request that asks for them, right after its commit; the worker's
        # own tests (tests/test_worker.py) run a real `elearn worker` on SQLite and Redis
        "QUEUE_URL": "immediate:",
    }


def s3_config(bucket) -> dict:
    return {
        "STORAGE": "s3",
        "S3_ENDPOINT_URL": bucket.endpoint,
        "S3_BUCKET": bucket.name,
        "S3_REGION": "us-east-1",
        "S3_ADDRESSING_STYLE": "path",
    }


#: Every account the factories make signs in with this password.
PASSWORD = "correct-horse-42"


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
