"""Who follows which course."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from elearn.core.db import UTCDateTime, utcnow
from elearn.extensions import db


class Enrolment(db.Model):
    """A trainee follows a course; progress and attempts hang off the (user, course) pair."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # the unique index that starts with user_id serves lookups by user
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: How it came about: "self" (the trainee enrolled) or, later, "cohort".
    source: Mapped[str] = mapped_column(String(16), default="self")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Last time the trainee did something in the course (a completion, a quiz attempt).
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When every module was first complete (lessons read, quizzes passed).
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LessonCompletion(db.Model):
    """A lesson a trainee marked as done: once (a retry or a double click adds nothing)."""

    __tablename__ = "lesson_completions"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # the unique index that starts with user_id serves lookups by user
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Certificate(db.Model):
    """Proof that a trainee completed a course, checkable by anyone who has its code.

    Name, course title and network are copied at issue: the certificate says what was true
    that day, even if the account or the course is renamed later.
    """

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # the unique index that starts with user_id serves lookups by user
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: ``XXXX-XXXX-XXXX`` from an alphabet without look-alikes (no 0/O, 1/I/L).
    code: Mapped[str] = mapped_column(String(16), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    holder_name: Mapped[str] = mapped_column(String(120))
    course_title: Mapped[dict] = mapped_column(JSON)
    network_name: Mapped[dict] = mapped_column(JSON)
    estimated_hours: Mapped[float | None] = mapped_column()
