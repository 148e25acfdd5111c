"""A job: what was asked, by whom, and how it went.

The row is the truth and the queue only a delivery: a job is created in the transaction
that asks for it (an import, an e-mail to send), and handed to the queue once that
transaction commits. A message that is lost (a worker killed, the queue restarted) is
delivered again by the sweep (``runner.sweep``); a message delivered twice runs once,
because a worker must first claim the row (``queued`` → ``running``).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.core.db import UTCDateTime, utcnow
from elearn.extensions import db


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_created", "status", "created_at"),
        Index("ix_jobs_owner", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Which handler runs it (``import``, ``mail``, ``export``…).
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED)
    #: Who asked (they and admins may read it); None for the platform's own jobs.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The interface language of whoever asked: messages and results are written in it.
    locale: Mapped[str | None] = mapped_column(String(8))
    #: The handler's input: ids and settings, never a secret.
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Where a long job that commits as it goes got to (an e-mail batch's next message).
    checkpoint: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict | None] = mapped_column(JSON)
    #: Why it failed, in words an admin can act on.
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When it was last handed to the queue (None: not yet, or the queue was down).
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Not before (the back-off after a failed attempt).
    run_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    #: Named by string: accounts sits above jobs and is not imported here.
    owner = relationship("User", viewonly=True, lazy="raise")

    def summary(self, progress: int) -> dict:
        return {"id": self.id, "kind": self.kind, "status": self.status, "progress": progress}
