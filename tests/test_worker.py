"""Background jobs with real processes: a web server and ``elearn worker`` sharing one
instance folder and one SQLite database, on the default queue (a SQLite file of the
instance) and on Redis; a worker killed with SIGKILL mid-import leaves no half course and
the job runs again, once; a queue that does not answer is a 503 that keeps nothing; a
message delivered twice runs once."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from elearn import create_app
from elearn.core import edge
from elearn.core.db import utcnow
from elearn.extensions import db
from elearn.jobs import runner, services
from elearn.jobs.queue import get_queue
from elearn.media.storage import get_storage
from tests.factories import Factory, package
from tests.harness import VENV_BIN, base_config, free_port, redis_url

pytestmark = pytest.mark.fault

ROOT = Path(__file__).resolve().parent.parent
ELEARN = str(VENV_BIN / "elearn")
SECRET = "worker-test-secret-key-" + "x" * 30
EXPERT = "expert@example.org"
EXPERT_PASSWORD = "worker-test-password-42"
HEARTBEAT = 2  # ELEARN_JOB_HEARTBEAT_SECONDS of the processes
REDIS_URL = redis_url(0)  # flushed by the Redis test: this worker's own database


class Deployment:
    """One machine of ``docs/ops.md``: gunicorn and ``elearn worker`` processes on one
    instance folder, one SQLite database and one queue."""

    def __init__(self, root: Path, queue_url: str = ""):
        self.root = root
        self.database = root / "elearn.sqlite3"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ELEARN_INSTANCE_DIR": str(root / "instance"),
            "ELEARN_DATABASE_URL": f"sqlite:///{self.database}",
            "ELEARN_SECRET_KEY": SECRET,
            "ELEARN_MAIL_BACKEND": "console",
            "ELEARN_RATELIMIT_ENABLED": "false",
            "ELEARN_JOB_HEARTBEAT_SECONDS": str(HEARTBEAT),
            "ELEARN_JOB_RETRY_SECONDS": "1",
            "ELEARN_QUEUE_URL": queue_url,
        }
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []
        self.url = ""
        self.token = ""

    # -- processes --------------------------------------------------------------------------

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [ELEARN, *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, f"elearn {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = self.root / f"{name}-{len(self.logs)}.log"
        self.logs.append(log)
        with open(log, "w") as output:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        return process

    def start_web(self) -> None:
        """Start gunicorn; ``wait_for_web`` waits until it answers."""
        port = free_port()
        self._spawn(
            "gunicorn",
            [
                str(VENV_BIN / "gunicorn"),
                "--workers=1",
                "--threads=4",
                f"--bind=127.0.0.1:{port}",
                "wsgi:app",
            ],
        )
        self.url = f"http://127.0.0.1:{port}"

    def wait_for_web(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the web server did not come up:\n{self.output()}")

    def start_worker(self) -> subprocess.Popen:
        return self._spawn("worker", [ELEARN, "worker", "--threads", "2"])

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)

    def output(self) -> str:
        return "\n".join(f"== {log.name}\n{log.read_text()[-4000:]}" for log in self.logs)

    # -- what a user does ---------------------------------------------------------------------

    def set_up(self) -> None:
        """Migrate, an expert of DMK and their token, a web server."""
        self.cli("db", "upgrade")
        self.start_web()  # boots while the accounts are made
        self.cli(
            "users", "create", EXPERT, "--name", "Expert", "--role", "expert",
            "--network", "DMK", stdin=f"{EXPERT_PASSWORD}\n{EXPERT_PASSWORD}\n",
        )  # fmt: skip
        self.token = self.cli("tokens", "create", EXPERT).strip().splitlines()[-1]
        self.wait_for_web()

    def get(self, path: str) -> requests.Response:
        return requests.get(
            f"{self.url}{path}", headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )

    def upload(self, data: bytes) -> dict:
        """POST the package; the job the 202 names, as its owner reads it."""
        response = requests.post(
            f"{self.url}/api/v1/courses/import",
            headers={"Authorization": f"Bearer {self.token}"},
            files={"file": ("course.zip", data, "application/zip")},
            timeout=60,
        )
        assert response.status_code == 202, response.text[:500]
        location = response.headers["Location"]
        assert location == f"/api/v1/jobs/{response.json()['job']['id']}"
        job = self.get(location)
        assert job.status_code == 200, job.text[:500]
        return job.json()

    def job(self, job_id: int) -> dict:
        response = self.get(f"/api/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text[:500]
        return response.json()

    def wait_until(self, job_id: int, done, what: str, *, timeout: float = 60) -> dict:
        """Poll the job until ``done(job)``; fails with the processes' output."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if done(job):
                return job
            if job["status"] == "failed":
                raise AssertionError(f"job failed: {job}\n{self.output()}")
            time.sleep(0.02)
        raise AssertionError(f"job {job_id} never {what}: {job}\n{self.output()}")

    def rows(self) -> tuple[int, int]:
        """(courses, lessons) in the database file, read beside the processes."""
        engine = sa.create_engine(f"sqlite:///{self.database}")
        try:
            with engine.connect() as conn:
                return (
                    conn.execute(sa.text("SELECT count(*) FROM courses")).scalar(),
                    conn.execute(sa.text("SELECT count(*) FROM lessons")).scalar(),
                )
        finally:
            engine.dispose()


@pytest.fixture
def deploy(tmp_path):
    """``deploy(queue_url)``: a set-up deployment, its processes ended after the test."""
    made: list[Deployment] = []

    def start(queue_url: str = "") -> Deployment:
        deployment = Deployment(tmp_path, queue_url)
        made.append(deployment)
        deployment.set_up()
        return deployment

    try:
        yield start
    finally:
        for deployment in made:
            deployment.stop()


def long_package(slug: str, lessons: int) -> bytes:
    """A bilingual course of ``lessons`` long lessons (bench/dataset.py's), as a .zip."""
    sys.path.insert(0, str(ROOT))
    from bench.dataset import write_package

    with tempfile.TemporaryDirectory() as folder:
        course = write_package(Path(folder), slug, lessons=lessons)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for path in sorted(course.rglob("*")):
                if path.is_file():
                    archive.write(path, f"{slug}/{path.relative_to(course)}")
        return buffer.getvalue()


def _journey(deployment: Deployment) -> None:
    job = deployment.upload(package())
    assert job["kind"] == "import" and job["status"] == "queued" and job["progress"] == 0
    assert deployment.get("/api/v1/courses/engine-basics").status_code == 404
    deployment.start_worker()
    job = deployment.wait_until(job["id"], lambda j: j["status"] == "done", "finished")
    assert job["progress"] == 100 and job["attempts"] == 1 and job["error"] is None
    assert job["result"]["slug"] == "engine-basics"
    assert job["result"]["status"] == "draft"
    course = deployment.get("/api/v1/courses/engine-basics")
    assert course.status_code == 200, course.text[:500]
    assert deployment.rows() == (1, 2)


def test_a_worker_process_imports_what_the_web_server_queued(deploy):
    """The default queue: a SQLite file in the instance folder both processes share."""
    deployment = deploy()
    _journey(deployment)
    assert (deployment.root / "instance" / "jobs.sqlite3").exists()


def test_a_worker_process_on_redis(deploy):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    deployment = deploy(REDIS_URL)
    _journey(deployment)
    assert not (deployment.root / "instance" / "jobs.sqlite3").exists()


def test_a_worker_killed_mid_import_leaves_nothing_and_the_job_runs_again_once(deploy):
    deployment = deploy()
    job = deployment.upload(long_package("long-course", lessons=300))
    worker = deployment.start_worker()
    # into the import itself (past the checks, 50 %): rows written, nothing committed
    job = deployment.wait_until(
        job["id"],
        lambda j: j["status"] == "running" and 50 < j["progress"] < 90,
        "got half-way",
    )
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=15)
    killed = deployment.job(job["id"])
    assert killed["status"] == "running", "the import finished before it could be killed"
    assert killed["attempts"] == 1
    assert deployment.get("/api/v1/courses/long-course").status_code == 404
    assert deployment.rows() == (0, 0)

    time.sleep(HEARTBEAT + 1)  # its last heartbeat is older than the heartbeat period
    deployment.start_worker()  # sweeps at start-up: the lost job is queued again
    job = deployment.wait_until(job["id"], lambda j: j["status"] == "done", "finished")
    assert job["attempts"] == 2 and job["result"]["slug"] == "long-course"
    course = deployment.get("/api/v1/courses/long-course")
    assert course.status_code == 200, course.text[:500]
    assert deployment.rows() == (1, 300)


# -- in-process: the queue down, a message delivered twice ---------------------------------


def _app(database_url: str, queue_url: str, media: Path):
    return create_app(
        {**base_config(database_url), "QUEUE_URL": queue_url, "MEDIA_DIR": str(media)}
    )


def _upload(app, token: str):
    return app.test_client().post(
        "/api/v1/courses/import",
        headers={"Authorization": f"Bearer {token}"},
        data={"file": (io.BytesIO(package()), "course.zip")},
        content_type="multipart/form-data",
    )


def _count(app, table: str) -> int:
    with app.app_context():
        return db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608


@pytest.fixture
def in_process(database_url, tmp_path):
    """``in_process(queue_url)``: an app on the test database, an expert and their token."""
    apps = []

    def start(queue_url: str):
        app = _app(database_url, queue_url, tmp_path / "media")
        apps.append(app)
        make = Factory(app)
        app.token = make.token(make.user("expert").email)
        return app

    try:
        yield start
    finally:
        for app in apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def test_the_queue_down_is_a_503_that_keeps_nothing_and_pages_still_read(in_process):
    app = in_process(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    response = _upload(app, app.token)
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert int(response.headers["Retry-After"]) > 0
    assert response.mimetype == "application/problem+json"
    assert (
        "Nothing was changed" in response.get_json()["detail"]
        or "Rien n’a été modifié" in (response.get_json()["detail"])
    )
    client = app.test_client()
    headers = {"Authorization": f"Bearer {app.token}"}
    assert client.get("/api/v1/courses/engine-basics", headers=headers).status_code == 404
    assert _count(app, "jobs") == 0 and _count(app, "courses") == 0
    with app.app_context():
        assert get_storage().objects("jobs/imports/") == []  # the package was not kept
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/courses", headers=headers).status_code == 200


def test_a_message_delivered_twice_runs_once(in_process, tmp_path):
    app = in_process(f"sqlite:///{tmp_path / 'q.db'}")
    response = _upload(app, app.token)
    assert response.status_code == 202, response.get_data(as_text=True)[:500]
    job_id = response.get_json()["job"]["id"]
    runner.run(app, job_id)
    runner.run(app, job_id)  # the same message again (a redelivery)
    job = app.test_client().get(
        f"/api/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {app.token}"}
    )
    assert job.get_json()["status"] == "done"
    assert job.get_json()["attempts"] == 1
    assert _count(app, "courses") == 1 and _count(app, "lessons") == 2


def test_old_jobs_are_purged_with_their_progress(in_process, tmp_path):
    """The queue's store keeps each job's progress: the purge forgets it with the job
    (in Redis it would otherwise stay in memory for ever)."""
    app = in_process(f"sqlite:///{tmp_path / 'q.db'}")
    job_id = _upload(app, app.token).get_json()["job"]["id"]
    runner.run(app, job_id)
    with app.app_context():
        queue = get_queue()
        assert queue.read(f"progress:{job_id}") is not None
        with edge.unit_of_work():
            assert services.purge(db.session, queue, now=utcnow() + timedelta(days=31)) == 1
        assert queue.read(f"progress:{job_id}") is None
    assert _count(app, "jobs") == 0 and _count(app, "courses") == 1
