"""How trainees did at quizzes, for progress and the trainer's dashboard.

Progress (``learning/progress.py``) decides what a passed quiz means for a module; this
module says which quiz was passed, once, for one trainee or a whole cohort. ``create_app``
hands :func:`of` to progress, which sits below this package and cannot import it.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, select

from elearn.learning.progress import QuizResult
from elearn.quizzes.models import AttemptStatus, QuizAttempt


def of(session, user_ids, quiz_ids: list[int]) -> dict[tuple[int, int], QuizResult]:
    """Per (trainee, quiz), in one ``GROUP BY`` whatever their numbers: the best percent,
    whether a finished attempt passed, the attempts used (an open one counts: it took a
    try), and whether the last finished attempt passed — its number equals the last
    passing one. ``user_ids`` is a list or a subquery (a cohort's members)."""
    if not quiz_ids:
        return {}
    finished = QuizAttempt.status != AttemptStatus.OPEN
    passing = and_(finished, QuizAttempt.passed.is_(True))
    rows = session.execute(
        select(
            QuizAttempt.user_id,
            QuizAttempt.quiz_id,
            func.max(QuizAttempt.percent),
            func.count(),
            func.max(case((finished, QuizAttempt.number), else_=None)),
            func.max(case((passing, QuizAttempt.number), else_=None)),
        )
        .where(QuizAttempt.user_id.in_(user_ids), QuizAttempt.quiz_id.in_(quiz_ids))
        .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id)
    ).all()
    return {
        (user_id, quiz_id): QuizResult(
            best,
            passed is not None,
            used,
            None if last is None else last == passed,
        )
        for user_id, quiz_id, best, used, last, passed in rows
    }
