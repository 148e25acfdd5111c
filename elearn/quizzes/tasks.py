"""Periodic work of quizzes: warn trainees whose timed attempt is about to end, and grade
the attempts whose trainee never came back."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from elearn.authoring.models import Quiz
from elearn.core import clock
from elearn.core.urls import path_for
from elearn.extensions import db
from elearn.jobs.registry import periodic
from elearn.notifications.services import notify
from elearn.quizzes import services
from elearn.quizzes.models import AttemptStatus, QuizAttempt


@periodic("settle_expired_attempts", minute="*/5")
def settle_expired_attempts() -> None:
    slack = timedelta(seconds=current_app.config["QUIZ_GRACE_SECONDS"])
    services.settle_expired(db.session, now=clock.now(), slack=slack)


#: A timed attempt this close to its end, and its trainee is told (once).
WARN_BEFORE = timedelta(minutes=5)
#: Attempts shorter than this are not worth a warning: the timer on the page is enough.
WARN_ONLY_LONGER_THAN = timedelta(minutes=10)


def warn_deadlines(session, *, now: datetime) -> int:
    """Tell each trainee whose timed attempt ends within ``WARN_BEFORE`` (a page closed, a
    connection lost): what was saved is graded at the deadline, whether or not they return."""
    rows = session.execute(
        select(QuizAttempt.id, QuizAttempt.user_id, QuizAttempt.deadline, Quiz)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(
            QuizAttempt.status == AttemptStatus.OPEN,
            QuizAttempt.deadline.is_not(None),
            QuizAttempt.deadline > now,
            QuizAttempt.deadline <= now + WARN_BEFORE,
            Quiz.time_limit_minutes > WARN_ONLY_LONGER_THAN.total_seconds() // 60,
        )
    ).all()
    told = 0
    for attempt_id, user_id, deadline, quiz in rows:
        title = (quiz.published or {}).get("title") or quiz.title
        minutes = max(1, round((deadline - now).total_seconds() / 60))
        told += notify(
            session,
            None,
            "quiz_deadline",
            [user_id],
            params={"quiz": title, "minutes": minutes},
            url=path_for("quizzes.attempt", attempt_id=attempt_id),
            key=f"deadline:{attempt_id}",
            now=now,
        )
    return told


@periodic("warn_quiz_deadlines", minute="*")
def warn_quiz_deadlines() -> None:
    warn_deadlines(db.session, now=clock.now())
