"""Asking for a job and reading how it goes."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import has_request_context
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from elearn.core import edge
from elearn.extensions import db
from elearn.jobs.models import Job, JobStatus
from elearn.jobs.queue import Queue
from elearn.jobs.registry import KINDS

log = logging.getLogger(__name__)


def submit(
    session,
    queue: Queue,
    kind: str,
    *,
    owner_id: int | None,
    args: dict,
    locale: str | None = None,
    need_queue: bool = False,
    now: datetime,
) -> Job:
    """A new job, handed to the queue once the caller's transaction commits.

    ``need_queue``: its owner waits for it (an import, an export), so a queue that does not
    answer is a 503 now rather than a job that waits unseen. Without it (e-mails) the row
    is the outbox: the job is kept and the sweep delivers it when the queue is back."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    if need_queue:
        queue.ping()
    if locale is None and has_request_context():
        from elearn.i18n.locale import current_language

        locale = current_language()
    job = Job(
        kind=kind,
        owner_id=owner_id,
        args=args,
        locale=locale,
        status=JobStatus.QUEUED,
        max_attempts=KINDS[kind].max_attempts,
        created_at=now,
        enqueued_at=now,
    )
    session.add(job)
    session.flush()
    job_id = job.id
    edge.on_commit(lambda: _hand_over(queue, job_id))
    return job


def _hand_over(queue: Queue, job_id: int) -> None:
    """Give the committed job to the queue; if the queue does not take it, say so on the
    row (``enqueued_at`` empty), which the next sweep delivers."""
    try:
        queue.enqueue(job_id)
    except Exception:  # noqa: BLE001 - the row is the outbox: nothing is lost
        log.warning("The queue did not take job %s; the sweep will", job_id, exc_info=True)
        with db.engine.begin() as conn:
            conn.execute(update(Job).where(Job.id == job_id).values(enqueued_at=None))


def progress_of(queue: Queue, job: Job) -> int:
    if job.status == JobStatus.DONE:
        return 100
    if job.status == JobStatus.QUEUED and not job.started_at:
        return 0
    raw = queue.read(f"progress:{job.id}")
    try:
        return max(0, min(99, int(raw))) if raw else 0
    except ValueError:
        return 0


def may_read(user, job: Job) -> bool:
    """Its owner and admins; anyone else is told it does not exist."""
    return bool(user and getattr(user, "is_authenticated", False)) and (
        job.owner_id == user.id or bool(getattr(user, "is_admin", False))
    )


def readable(session, job_id: int, user) -> Job | None:
    job = session.get(Job, job_id)
    return job if job is not None and may_read(user, job) else None


def retry(session, queue: Queue, job: Job, *, now: datetime) -> bool:
    """An admin tries a failed job again, from where it stopped, with fresh attempts.
    Returns False, changing nothing, for a job that did not fail."""
    if job.status != JobStatus.FAILED:
        return False
    job.status = JobStatus.QUEUED
    job.attempts = 0
    job.run_after = None
    job.finished_at = None
    job.enqueued_at = now
    session.flush()
    job_id = job.id
    edge.on_commit(lambda: _hand_over(queue, job_id))
    return True


def failed(session, *, offset: int = 0, limit: int = 50) -> tuple[list[Job], int]:
    where = Job.status == JobStatus.FAILED
    total = session.scalar(select(func.count()).select_from(Job).where(where))
    rows = session.scalars(
        select(Job)
        .where(where)
        .options(selectinload(Job.owner))
        .order_by(Job.finished_at.desc(), Job.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), total


def purge(session, queue: Queue | None = None, *, now: datetime, keep_days: int = 30) -> int:
    """Forget finished jobs after a while (failed ones too: an admin had a month), and,
    once that commits, their progress in ``queue``'s store (nothing else removes it: one
    entry per job, kept for ever, in Redis's memory)."""
    old = (
        Job.status.in_([JobStatus.DONE, JobStatus.FAILED]),
        Job.finished_at < now - timedelta(days=keep_days),
    )
    ids = session.scalars(select(Job.id).where(*old)).all() if queue is not None else []
    count = session.execute(delete(Job).where(*old)).rowcount
    if ids:

        def forget() -> None:
            for job_id in ids:
                queue.forget(f"progress:{job_id}")

        edge.on_commit(forget)
    return count
