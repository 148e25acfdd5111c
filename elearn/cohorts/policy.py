"""Who manages a cohort, and whom and what its trainers follow: predicates and query twins.

Trainers manage the cohorts of their own centre and those they are listed on; admins
manage all; everyone else manages none. Each rule is a predicate next to the same rule as
SQL (``tests/test_policy.py`` checks they agree). ``FOLLOWERS`` hands the trainer's reach
to learning and quizzes, which sit below cohorts and never import it: the app's wiring
registers it (``elearn.learning.policy.register_followers``).
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, Select, false, or_, select, true

from elearn.accounts.models import Role, User
from elearn.cohorts.models import Cohort, CohortCourse, CohortMember, CohortTrainer
from elearn.learning.policy import Followers


def is_trainer(user: User | None) -> bool:
    return user is not None and user.is_authenticated and Role.TRAINER in user.roles


def may_manage(user: User | None, cohort: Cohort) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return is_trainer(user) and (
        cohort.centre_id == user.centre_id or user.id in cohort.trainer_ids
    )


def managed_by(user: User | None) -> ColumnElement[bool]:
    """``may_manage`` as a condition on ``Cohort``."""
    if user is not None and user.is_authenticated and user.is_admin:
        return true()
    if not is_trainer(user):
        return false()
    listed = select(CohortTrainer.cohort_id).where(CohortTrainer.user_id == user.id)
    return or_(Cohort.centre_id == user.centre_id, Cohort.id.in_(listed))


def _taught_cohort_ids(user: User) -> Select:
    """The live (not archived) cohorts a trainer manages: the ones that give them reach."""
    return select(Cohort.id).where(Cohort.archived_at.is_(None), managed_by(user))


def follows_trainee(session, user: User | None, trainee_id: int) -> bool:
    """Whether ``user`` trains a live cohort ``trainee_id`` is in (they may see their
    attempts)."""
    if not is_trainer(user):
        return False
    found = (
        select(CohortMember.user_id)
        .where(CohortMember.user_id == trainee_id)
        .where(CohortMember.cohort_id.in_(_taught_cohort_ids(user)))
        .limit(1)
    )
    return session.scalar(found) is not None


def followed_trainee_ids(user: User | None) -> Select:
    """``follows_trainee`` as a subquery of user ids."""
    if not is_trainer(user):
        return select(CohortMember.user_id).where(false())
    return select(CohortMember.user_id).where(CohortMember.cohort_id.in_(_taught_cohort_ids(user)))


def teaches_course(session, user: User | None, course_id: int) -> bool:
    """Whether ``user`` trains a live cohort following the course (they may read its
    lessons)."""
    if not is_trainer(user):
        return False
    found = (
        select(CohortCourse.course_id)
        .where(CohortCourse.course_id == course_id)
        .where(CohortCourse.cohort_id.in_(_taught_cohort_ids(user)))
        .limit(1)
    )
    return session.scalar(found) is not None


def taught_course_ids(user: User | None) -> Select:
    """``teaches_course`` as a subquery of course ids."""
    if not is_trainer(user):
        return select(CohortCourse.course_id).where(false())
    return select(CohortCourse.course_id).where(
        CohortCourse.cohort_id.in_(_taught_cohort_ids(user))
    )


FOLLOWERS = Followers(
    teaches_course=teaches_course,
    taught_course_ids=taught_course_ids,
    follows_trainee=follows_trainee,
    followed_trainee_ids=followed_trainee_ids,
)


def cohort_or_404(session, user: User | None, cohort_id: int) -> Cohort:
    """The cohort if ``user`` manages it; 404 otherwise (never confirms it exists)."""
    cohort = session.get(Cohort, cohort_id)
    return cohort if cohort is not None and may_manage(user, cohort) else abort(404)
