"""Faults: the database restarts under load, the storage stops answering, an import is
killed halfway, a quiz submission is retried after the client gave up. Each time the
platform answers clearly (503 with Retry-After, never a 500), recovers on its own, and
loses nothing it acknowledged."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.browser import LiveServer
from tests.harness import PG_URL, VENV_BIN, s3_config
from tests.quizkit import QUIZ, RIGHT, SLUG, answers_for, publish

pytestmark = pytest.mark.fault
ROOT = Path(__file__).resolve().parent.parent


# -- a storage that can stop answering ----------------------------------------------------


class Blackhole:
    """A TCP proxy in front of the S3 server that can stop answering: connections are then
    accepted and never answered, exactly what a hung storage looks like to a client."""

    def __init__(self, target: str):
        host, port = target.rsplit("//", 1)[1].split(":")
        self.target = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.answering = True
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            if not self.answering:
                self.held.append(client)  # never read, never answered
                continue
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.listener.close()
        for s in self.held:
            s.close()


@pytest.fixture
def hole(s3_bucket):
    proxy = Blackhole(s3_bucket.endpoint)
    yield proxy
    proxy.close()


@pytest.fixture
def app_config(request):
    if "hole" not in request.fixturenames:
        return {}
    hole, bucket = request.getfixturevalue("hole"), request.getfixturevalue("s3_bucket")
    return {**s3_config(bucket), "S3_ENDPOINT_URL": hole.url, "S3_TIMEOUT": 1}


def test_storage_that_stops_answering_gives_503s_then_recovers(app, api, make, hole):
    from tests.factories import PNG, imported, package, upload
    from tests.uploadkit import send

    admin = make.token(make.user("admin").email)
    expert = make.token(make.user("expert", network="DMK").email)
    assert imported(api, admin, package(), "?publish=true")["status"] == "published"
    uploads = "/api/v1/courses/engine-basics/media/uploads"
    ticket = api.post(
        uploads,
        token=expert,
        json={"filename": "vue.png", "content_type": "image/png", "size": len(PNG)},
    ).get_json()
    assert send(api, ticket, PNG) in (200, 204)

    hole.answering = False
    started = time.monotonic()
    done = api.post(f"{uploads}/{ticket['id']}/complete", token=expert)
    assert done.status_code == 503 and done.headers["Retry-After"]
    assert done.content_type.startswith("application/problem+json")
    assert time.monotonic() - started < 15  # a worker is held seconds, not minutes
    refused = upload(api, admin, package(), "?publish=true")  # media must be stored first
    assert refused.status_code == 503
    course = api.get("/api/v1/courses/engine-basics", token=admin).get_json()
    assert "media/vue.png" not in str(course)  # nothing recorded while storage was away

    hole.answering = True  # the storage is back: the same requests now succeed
    again = api.post(f"{uploads}/{ticket['id']}/complete", token=expert)
    assert again.status_code == 201, again.get_json()
    assert imported(api, admin, package(), "?publish=true")["status"] == "published"


# -- the database restarts under load -----------------------------------------------------


def restart_postgresql() -> None:
    version = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(x) for x in v.split(".")])[
        -1
    ]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.mark.postgres_only
@pytest.mark.exclusive
@pytest.mark.parametrize("backend", ["postgresql"] if PG_URL else [], indirect=True)
def test_a_postgresql_restart_under_load_loses_no_acknowledged_work(
    app, api, make, backend, request
):
    if not shutil.which("pg_ctlcluster"):
        pytest.fail("pg_ctlcluster is needed to restart PostgreSQL")
    publish(api, make, max_attempts=0)
    trainees = [make.user("trainee", email=f"r{n}@ofppt.example").email for n in range(8)]
    tokens = {email: make.token(email) for email in trainees}
    for token in tokens.values():
        assert api.post(f"/api/v1/courses/{SLUG}/enrolment", token=token).status_code in (
            200,
            201,
        )
    acknowledged: list[tuple[str, str]] = []  # (email, what) the server said 200 to
    unavailable: list[int] = []
    errors: list[str] = []
    stop = threading.Event()

    with LiveServer(app) as server:

        def call(method, path, token, **kw):
            """A client that honours 503 + Retry-After (shortened) and retries."""
            for _try in range(200):
                try:
                    response = requests.request(
                        method,
                        server.url + path,
                        headers={"Authorization": f"Bearer {token}"},
                        timeout=30,
                        **kw,
                    )
                except requests.ConnectionError:
                    time.sleep(0.1)
                    continue
                if response.status_code == 503:
                    assert response.headers.get("Retry-After")
                    unavailable.append(503)
                    time.sleep(0.2)
                    continue
                return response
            raise AssertionError(f"{path} never recovered")

        def trainee(email):
            token = tokens[email]
            try:
                rounds = 0
                while not stop.is_set() or rounds < 2:
                    rounds += 1
                    attempt = call("POST", QUIZ, token)
                    assert attempt.status_code in (200, 201), attempt.text
                    body = attempt.json()
                    answers = answers_for(body, RIGHT)
                    done = call(
                        "POST",
                        f"/api/v1/attempts/{body['id']}/submit",
                        token,
                        json={"answers": answers},
                    )
                    if done.status_code == 200:
                        acknowledged.append((email, f"attempt:{body['id']}"))
                    else:
                        assert done.status_code == 409, done.text  # a retry of a graded one
                    for path in ("pads", "fluid"):
                        url = f"/api/v1/courses/{SLUG}/modules/checks/lessons/{path}/complete"
                        completed = call("POST", url, token)
                        assert completed.status_code == 200, completed.text
                        acknowledged.append((email, f"lesson:{path}"))
            except Exception as exc:  # reported below, with the thread's name
                errors.append(f"{email}: {exc!r}")

        threads = [threading.Thread(target=trainee, args=(e,)) for e in trainees]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        restart_postgresql()
        time.sleep(1.0)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    request.getfixturevalue("pg_baseline").engine.dispose()  # its connections died too

    assert not errors, errors
    assert unavailable, "the restart happened while nobody was asking: no 503 seen"
    with app.app_context():
        from elearn.extensions import db

        graded = {
            row.id: row
            for row in db.session.execute(
                sa.text("SELECT id, status, score FROM quiz_attempts WHERE status != 'open'")
            )
        }
        for _email, what in acknowledged:
            if what.startswith("attempt:"):
                attempt = graded[int(what.split(":")[1])]
                assert attempt.status == "submitted" and attempt.score > 0
        done = db.session.execute(
            sa.text(
                "SELECT u.email, l.slug FROM lesson_completions c "
                "JOIN users u ON u.id = c.user_id JOIN lessons l ON l.id = c.lesson_id"
            )
        ).all()
    stored = {(email, f"lesson:{slug}") for email, slug in done}
    assert {a for a in acknowledged if a[1].startswith("lesson:")} <= stored


# -- an import killed halfway -------------------------------------------------------------


def test_an_import_killed_halfway_leaves_nothing_and_can_be_run_again(app, tmp_path):
    """``elearn courses import`` of a 300-lesson course is killed with SIGKILL while it
    works; the database shows no trace of the course, and running it again imports it."""
    sys.path.insert(0, str(ROOT))
    from bench.dataset import write_package

    package = write_package(tmp_path / "pkg", "killed-course", lessons=300)
    env = {
        **os.environ,
        "ELEARN_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "ELEARN_INSTANCE_DIR": str(tmp_path / "instance"),
        "ELEARN_MEDIA_DIR": str(tmp_path / "media"),
        "ELEARN_SECRET_KEY": "k" * 40,
    }
    command = [str(VENV_BIN / "elearn"), "courses", "import", str(package), "--publish"]
    with app.app_context():
        from elearn.extensions import db

        db.session.remove()
        db.engine.dispose()  # SQLite: let the child take the write lock
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not _someone_is_writing(app) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # well into its transaction: rows written, nothing committed
    assert child.poll() is None, "the import finished before it could be killed"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert _course_rows(app) == (0, 0, 0)

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _course_rows(app) == (1, 30, 600)  # one course, 30 modules, 300 lessons × fr/ar


def _someone_is_writing(app) -> bool:
    """Another process holds an open write transaction on the test database."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        import sqlite3

        probe = sqlite3.connect(uri.split("///", 1)[1], timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True  # "database is locked": the import is writing
        finally:
            probe.close()
    import psycopg

    with psycopg.connect(PG_URL) as probe:
        return bool(
            probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
            ).fetchone()[0]
        )


def _hold_the_attempt(app, attempt_id: int):
    """Another connection that keeps the attempt's row (PostgreSQL) or the whole database
    (SQLite, one writer at a time) locked until it rolls back."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        import sqlite3

        blocker = sqlite3.connect(
            uri.split("///", 1)[1], isolation_level=None, check_same_thread=False
        )
        blocker.execute("BEGIN IMMEDIATE")
        return blocker
    import psycopg

    blocker = psycopg.connect(PG_URL)
    blocker.execute("SELECT id FROM quiz_attempts WHERE id = %s FOR UPDATE", (attempt_id,))
    return blocker


def _course_rows(app) -> tuple[int, int, int]:
    with app.app_context():
        from elearn.extensions import db

        counts = tuple(
            db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
            for table in ("courses", "modules", "lesson_contents")
        )
        db.session.remove()
        return counts


# -- a submission retried after a client timeout ------------------------------------------


def test_a_submission_retried_after_a_client_timeout_is_graded_once(app, api, make):
    """The first submit waits behind a lock, the client gives up after a second and sends
    it again; the server finishes the first, and the retry neither grades again nor changes
    the result."""
    publish(api, make, max_attempts=0)
    email = make.user("trainee").email
    token = make.token(email)
    api.post(f"/api/v1/courses/{SLUG}/enrolment", token=token)
    attempt = api.post(QUIZ, token=token).get_json()
    answers = answers_for(attempt, RIGHT)
    url = f"/api/v1/attempts/{attempt['id']}/submit"
    with LiveServer(app) as server:
        blocker = _hold_the_attempt(app, attempt["id"])

        def release_later():
            time.sleep(2.0)
            blocker.rollback()
            blocker.close()

        threading.Thread(target=release_later, daemon=True).start()
        headers = {"Authorization": f"Bearer {token}"}
        with pytest.raises(requests.Timeout):
            requests.post(server.url + url, json={"answers": answers}, headers=headers, timeout=1)
        time.sleep(2.5)  # the lock is gone; the first request has been graded
        retry = requests.post(
            server.url + url, json={"answers": answers}, headers=headers, timeout=30
        )
        result = requests.get(
            server.url + f"/api/v1/attempts/{attempt['id']}", headers=headers, timeout=30
        )
    assert retry.status_code == 409, retry.text
    assert result.status_code == 200
    graded = result.json()
    assert graded["status"] == "submitted" and graded["passed"] is True
    with app.app_context():
        from elearn.extensions import db

        rows = db.session.execute(
            sa.text("SELECT count(*), min(submitted_at), max(submitted_at) FROM quiz_attempts")
        ).one()
    assert rows[0] == 1 and rows[1] == rows[2]  # one attempt, graded once
