"""Quiz attempts: one row per attempt, holding its order, deadline, answers and result."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from elearn.core.db import UTCDateTime, utcnow
from elearn.extensions import db


class AttemptStatus:
    OPEN = "open"
    SUBMITTED = "submitted"
    #: Finished after the deadline (and its grace): graded on what was saved in time.
    EXPIRED = "expired"


class QuizAttempt(db.Model):
    """An attempt at a module's quiz.

    Two constraints make the limits hold when twenty requests race: an attempt number is
    unique per trainee and quiz (so ``max_attempts`` numbers can never be exceeded), and at
    most one attempt per trainee and quiz is open (a double click resumes, never burns a
    second attempt).
    """

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "number"),
        Index(
            "uq_quiz_attempts_open",
            "user_id",
            "quiz_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # the unique index that starts with user_id serves lookups by user
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=AttemptStatus.OPEN)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: None when the quiz has no time limit.
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The order fixed at start: ``[{"q": question id, "key": "q1", "choices": [[token,
    #: author id], ...]}]``; choice tokens are random per attempt, so ids reveal no order.
    layout: Mapped[list] = mapped_column(JSON)
    #: Answers by question key, in the author's choice ids, with when each was last saved.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column()
    #: Per question key: ``{"correct": bool, "points": float}`` once graded.
    results: Mapped[dict | None] = mapped_column(JSON)

    @property
    def finished(self) -> bool:
        return self.status != AttemptStatus.OPEN


class AttemptAllowance(db.Model):
    """What a trainer changed in one trainee's attempt budget at one quiz.

    The budget itself is one rule, :func:`elearn.quizzes.services.attempt_limit`: the
    quiz's ``max_attempts``, plus the extra attempts granted, counted from the last time
    the module was reopened. No row: the quiz's own limit.
    """

    __tablename__ = "quiz_allowances"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    quiz_id: Mapped[int] = mapped_column(
        ForeignKey("quizzes.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: Attempts granted one by one on top of the quiz's limit (since the last reopening).
    extra: Mapped[int] = mapped_column(Integer, default=0)
    #: Attempts numbered up to this one came before the module was reopened: they no
    #: longer count against the budget, and the failure they ended on is cleared.
    reopened_after: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
