"""The queue under the jobs: huey, on a SQLite file by default, on Redis in production.

``ELEARN_QUEUE_URL`` chooses:

- empty (default): a SQLite file in the instance folder. No server to run; the web
  server and ``elearn worker`` on the same machine share it (``make run``).
- ``redis://host:6379/1``: Redis, which workers on several machines share.
- ``immediate:``: no queue at all; a job runs in the process that asked for it, right
  after the commit (tests and demos; refused in production).

huey carries only a job's id. Its own retries are not used: the job row counts attempts
and schedules the back-off (``runner``), so what an admin sees is what happened. Its
key-value store holds what changes too often for the database — a running job's progress
and heartbeat — so that a long import's transaction never waits on its own progress bar.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from elearn.core.errors import DomainError
from elearn.jobs import runner
from elearn.jobs.registry import PERIODIC, Periodic

log = logging.getLogger(__name__)


class QueueUnavailable(DomainError):  # noqa: N818 - reads as "the queue is unavailable"
    """The queue does not answer: the request that needs it says so and keeps nothing."""

    status = 503
    headers = {"Retry-After": "30"}

    def __init__(self):
        super().__init__(
            _l(
                "Background work is unavailable for the moment. Nothing was changed: "
                "try again in a minute."
            )
        )


@dataclass
class Queue:
    """The app's queue: hand it job ids; read and write the fast-changing bits."""

    app: Flask
    huey: object | None  # huey.Huey, or None when immediate
    _run_task: Callable | None = None
    _memory: dict = field(default_factory=dict)

    @property
    def immediate(self) -> bool:
        return self.huey is None

    def enqueue(self, job_id: int, *, delay: float | None = None) -> None:
        if self.immediate:
            if delay is None:
                runner.run(self.app, job_id)
            return  # a back-off in immediate mode waits for the next sweep or a retry
        if delay:
            self._run_task.schedule(args=(job_id,), delay=delay)
        else:
            self._run_task(job_id)

    def ping(self) -> None:
        """Raise QueueUnavailable unless the queue answers now."""
        if self.immediate:
            return
        try:
            self.huey.storage.put_data("elearn:ping", b"1")
        except Exception as exc:  # noqa: BLE001 - any storage error means "not now"
            log.warning("The job queue does not answer: %s", exc)
            raise QueueUnavailable() from exc

    # the fast-changing bits: progress and heartbeat, per job
    def put(self, key: str, value: str) -> None:
        if self.immediate:
            self._memory[key] = value
            return
        self.huey.storage.put_data(f"elearn:{key}", value.encode())

    def read(self, key: str) -> str | None:
        if self.immediate:
            return self._memory.get(key)
        try:
            raw = self.huey.storage.peek_data(f"elearn:{key}")
        except Exception:  # noqa: BLE001 - progress is a nicety: unknown when the queue is down
            return None
        from huey.constants import EmptyData

        return None if raw is EmptyData or raw is None else raw.decode()

    def forget(self, key: str) -> None:
        if self.immediate:
            self._memory.pop(key, None)
            return
        try:
            self.huey.storage.pop_data(f"elearn:{key}")
        except Exception:  # noqa: BLE001 - a leftover key is harmless
            log.debug("Could not forget %s", key, exc_info=True)

    def beat(self, job_id: int) -> None:
        self.put(f"beat:{job_id}", repr(time.time()))

    def last_beat(self, job_id: int) -> float | None:
        raw = self.read(f"beat:{job_id}")
        try:
            return float(raw) if raw else None
        except ValueError:
            return None


def _make_huey(url: str, instance_path: Path):
    from huey import RedisHuey, SqliteHuey

    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("elearn", url=url, utc=True)
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
    path = Path(path) if path else instance_path / "jobs.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("elearn", filename=str(path), utc=True, timeout=15)


def init_app(app: Flask) -> None:
    from huey import crontab

    url = app.config["QUEUE_URL"]
    if url == "immediate:":
        app.extensions["elearn.queue"] = Queue(app, None)
        return
    huey = _make_huey(url, Path(app.instance_path))
    run_task = huey.task(name="elearn.run_job")(lambda job_id: runner.run(app, job_id))
    for periodic in PERIODIC:
        wrapped = _periodic(app, huey, periodic)
        huey.periodic_task(crontab(**periodic.schedule), name=f"elearn.{periodic.name}")(wrapped)
    app.extensions["elearn.queue"] = Queue(app, huey, run_task)


def _periodic(app: Flask, huey, periodic: Periodic) -> Callable[[], None]:
    """A periodic job runs on one worker at a time however many run the scheduler."""

    def run() -> None:
        from huey.exceptions import TaskLockedException

        try:
            with huey.lock_task(f"elearn.{periodic.name}"):
                runner.run_periodic(app, periodic)
        except TaskLockedException:
            log.info("%s is already running elsewhere", periodic.name)

    return run


def get_queue() -> Queue:
    return current_app.extensions["elearn.queue"]
