"""Who may see a quiz attempt: the predicate and its query twin, side by side.

The trainer's part of the rule ("follows the trainee") is cohorts', reached through
``elearn.learning.policy.follows_trainee`` where the app's wiring registered it: quizzes
sit below cohorts and never import them. ``tests/test_policy.py`` checks both agree.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, false, or_, true

from elearn.accounts.models import User
from elearn.learning.policy import followed_trainee_ids, follows_trainee
from elearn.quizzes.models import QuizAttempt


def may_see_attempt(session, user: User | None, attempt: QuizAttempt) -> bool:
    """The owner, admins, and the trainers of a cohort the owner is in."""
    if user is None or not user.is_authenticated:
        return False
    if user.id == attempt.user_id or user.is_admin:
        return True
    return follows_trainee(session, user, attempt.user_id)


def seen_attempts(user: User | None) -> ColumnElement[bool]:
    """``may_see_attempt`` as a condition on ``QuizAttempt``."""
    if user is None or not user.is_authenticated:
        return false()
    if user.is_admin:
        return true()
    return or_(QuizAttempt.user_id == user.id, QuizAttempt.user_id.in_(followed_trainee_ids(user)))


def attempt_or_404(session, user: User | None, attempt_id: int) -> QuizAttempt:
    """The attempt if ``user`` may see it; 404 otherwise (never confirms it exists)."""
    attempt = session.get(QuizAttempt, attempt_id)
    return (
        attempt if attempt is not None and may_see_attempt(session, user, attempt) else abort(404)
    )
