"""Running one job: claim it, do it, record how it went — each in its own transaction.

At least once, never twice at the same time: a worker claims the row (``queued`` →
``running``) before doing anything, so a duplicate message finds it claimed and does
nothing. What the job writes commits with its "done", or is rolled back with everything
else if the worker dies; the sweep then puts it back in the queue, once. A failure is
retried with a growing delay up to the kind's attempts, unless the job says its input is
invalid (``JobInvalid``, or a rule of the domain that said no), which fails at once with
its message.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from elearn.core import clock, edge
from elearn.core.errors import DomainError
from elearn.core.logs import bind
from elearn.extensions import db
from elearn.jobs.models import Job, JobStatus
from elearn.jobs.registry import KINDS, JobInvalid, Periodic

log = logging.getLogger(__name__)


def get_queue():
    """The app's queue (``jobs.queue``, which imports this module)."""
    return current_app.extensions["elearn.queue"]


class Context:
    """What a handler gets: the job, its arguments, and a way to report progress."""

    def __init__(self, job: Job, queue):
        self.job = job
        self.args = dict(job.args or {})
        self._queue = queue
        self._last = -1

    def progress(self, percent: float) -> None:
        value = max(0, min(99, int(percent)))
        if value != self._last:
            self._last = value
            self._queue.put(f"progress:{self.job.id}", str(value))
            self._queue.beat(self.job.id)

    def keep(self) -> None:
        """Commit what the job did so far (a batch of e-mails sent, with the checkpoint):
        a retry starts from there."""
        edge.commit_now()


class _Heartbeat(threading.Thread):
    """Says "still alive" while a job runs, so the sweep knows a long job from a dead one."""

    def __init__(self, queue, job_id: int, every: float):
        super().__init__(daemon=True, name=f"heartbeat-{job_id}")
        self.queue, self.job_id, self.every = queue, job_id, every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                self.queue.beat(self.job_id)
            except Exception:  # noqa: BLE001 - the next beat may get through
                log.warning("Heartbeat of job %s failed", self.job_id, exc_info=True)


def run(app: Flask, job_id: int) -> None:
    """Run job ``job_id`` if it is still waiting; what the queue's task calls."""
    with app.app_context(), bind(job_id=job_id):
        queue = get_queue()
        job = _claim(job_id)
        if job is None:
            return
        kind = KINDS.get(job.kind)
        heartbeat = None
        if not queue.immediate:
            queue.beat(job_id)
            heartbeat = _Heartbeat(queue, job_id, max(0.5, app.config["JOB_HEARTBEAT"] / 4))
            heartbeat.start()
        log.info("Job %s (%s) started, attempt %s", job_id, job.kind, job.attempts)
        try:
            with force_locale(job.locale or app.config["DEFAULT_LOCALE"]):
                if kind is None:
                    raise JobInvalid(_l("This kind of job (%(kind)s) is unknown.", kind=job.kind))
                with edge.unit_of_work():
                    job = db.session.get(Job, job_id)
                    result = kind.run(Context(job, queue))
                    job.status = JobStatus.DONE
                    job.result = _plain(result)
                    job.error = None
                    job.finished_at = clock.now()
                log.info("Job %s done", job_id)
        except (JobInvalid, DomainError) as exc:
            log.warning("Job %s failed: %s", job_id, exc)
            with force_locale(job.locale or app.config["DEFAULT_LOCALE"]):
                message = str(exc.message)
                result = _plain(getattr(exc, "result", None))
            _finish(job_id, JobStatus.FAILED, message, result)
        except Exception as exc:  # noqa: BLE001 - any other failure may pass: try again
            log.exception("Job %s failed (attempt %s)", job_id, job.attempts)
            _again_or_fail(job_id, f"{type(exc).__name__}: {exc}")
        finally:
            if heartbeat is not None:
                heartbeat.stopped.set()
            queue.forget(f"beat:{job_id}")


def _plain(value):
    """JSON as stored: lazy messages written out in the job's language, enums as text."""
    if value is None:
        return None
    return current_app.json.loads(current_app.json.dumps(value))


def _claim(job_id: int) -> Job | None:
    now = clock.now()
    with edge.unit_of_work():
        claimed = db.session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.status == JobStatus.QUEUED,
                or_(Job.run_after.is_(None), Job.run_after <= now),
            )
            .values(status=JobStatus.RUNNING, attempts=Job.attempts + 1, started_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    if not claimed:
        log.info("Job %s is not waiting (done, running elsewhere, or not due): skipped", job_id)
        return None
    return db.session.get(Job, job_id, populate_existing=True)


def _finish(job_id: int, status: str, error: str | None, result: dict | None = None) -> None:
    with edge.unit_of_work():
        job = db.session.get(Job, job_id, populate_existing=True)
        job.status = status
        job.error = error
        if result is not None:
            job.result = result
        job.finished_at = clock.now()


def backoff(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: doubling from the base, at most an hour."""
    base = current_app.config["JOB_RETRY_SECONDS"]
    return min(3600.0, base * 2 ** max(0, attempts - 1))


def _again_or_fail(job_id: int, error: str) -> None:
    queue = get_queue()
    with edge.unit_of_work():
        job = db.session.get(Job, job_id, populate_existing=True)
        if job.attempts >= job.max_attempts:
            job.status = JobStatus.FAILED
            job.error = error
            job.finished_at = clock.now()
            return
        delay = backoff(job.attempts)
        job.status = JobStatus.QUEUED
        job.error = error
        job.run_after = clock.now() + timedelta(seconds=delay)
        # without a queue (immediate) nothing holds the delayed message: the sweep delivers it
        job.enqueued_at = None if queue.immediate else job.run_after
        edge.on_commit(lambda: queue.enqueue(job_id, delay=delay))


def sweep(app: Flask) -> int:
    """Deliver again what was lost: jobs whose worker stopped beating (killed, machine
    gone) and jobs the queue never got (it was down at the commit). Returns how many."""
    with app.app_context():
        return _sweep(app)


def _sweep(app: Flask) -> int:
    queue = get_queue()
    now = clock.now()
    heartbeat = app.config["JOB_HEARTBEAT"]
    again: list[int] = []
    with edge.unit_of_work():
        running = db.session.scalars(
            select(Job).where(
                Job.status == JobStatus.RUNNING,
                Job.started_at < now - timedelta(seconds=heartbeat),
            )
        ).all()
        for job in running:
            beat = queue.last_beat(job.id)
            if beat is not None and beat > time.time() - heartbeat:
                continue
            if job.attempts >= job.max_attempts:
                job.status = JobStatus.FAILED
                with force_locale(job.locale or app.config["DEFAULT_LOCALE"]):
                    job.error = _("The worker stopped during the last attempt.")
                job.finished_at = now
                continue
            log.warning("Job %s lost its worker: queued again", job.id)
            job.status = JobStatus.QUEUED
            job.run_after = None
            job.enqueued_at = now
            again.append(job.id)
        lost = db.session.scalars(
            select(Job).where(
                Job.status == JobStatus.QUEUED,
                or_(Job.run_after.is_(None), Job.run_after <= now - timedelta(seconds=60)),
                or_(
                    Job.enqueued_at.is_(None) & (Job.created_at < now - timedelta(seconds=30)),
                    Job.enqueued_at < now - timedelta(minutes=10),
                ),
            )
        ).all()
        for job in lost:
            job.enqueued_at = now
            again.append(job.id)
    for job_id in again:
        try:
            queue.enqueue(job_id)
        except Exception:  # noqa: BLE001 - the next sweep tries again
            log.warning("Could not queue job %s again", job_id, exc_info=True)
    return len(again)


def run_periodic(app: Flask, periodic: Periodic) -> None:
    with app.app_context(), bind(job_id=f"periodic:{periodic.name}"):
        try:
            with edge.unit_of_work():
                periodic.run()
        except Exception:  # noqa: BLE001 - the next run tries again
            log.exception("Periodic job %s failed", periodic.name)
