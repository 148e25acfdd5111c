"""Who may read a course's lessons, and who follows a learner: predicates and query twins.

Each rule is written twice on purpose, side by side: a predicate for one loaded course and
the same rule as a SQL condition for lists; ``tests/test_policy.py`` checks they agree.

Trainers read what their cohorts follow, but cohorts build on learning, so learning cannot
ask cohorts. Cohorts declare that rule as ``Followers`` and the app's wiring registers it
here (``register_followers``); until then nobody but the learner and the authors reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort
from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true

from elearn.accounts.models import User
from elearn.authoring.models import Course
from elearn.authoring.policy import authored_by, may_author
from elearn.learning.models import Certificate, Enrolment
from elearn.learning.progress import find_certificate


@dataclass(frozen=True)
class Followers:
    """Who, besides learners themselves, follows a course or a learner (cohorts' trainers).

    Each rule comes as a predicate and its twin: a subquery of ids, empty for a user who
    follows nothing.
    """

    teaches_course: Callable[[object, User, int], bool]
    taught_course_ids: Callable[[User], Select]
    follows_trainee: Callable[[object, User, int], bool]
    followed_trainee_ids: Callable[[User], Select]


NOBODY = Followers(
    teaches_course=lambda session, user, course_id: False,
    taught_course_ids=lambda user: select(Course.id).where(false()),
    follows_trainee=lambda session, user, trainee_id: False,
    followed_trainee_ids=lambda user: select(User.id).where(false()),
)
_followers = NOBODY


def register_followers(followers: Followers) -> None:
    """Called once by the app's wiring with cohorts' rule (idempotent: a slot, not a list)."""
    global _followers
    _followers = followers


def enrolled(session, user: User | None, course: Course) -> bool:
    if user is None or not user.is_authenticated:
        return False
    found = select(Enrolment.course_id).where(
        Enrolment.user_id == user.id, Enrolment.course_id == course.id
    )
    return session.scalar(found) is not None


def may_read_course(session, user: User | None, course: Course) -> bool:
    """Authors and admins read the working copy; trainees the published one once enrolled,
    and trainers when one of their cohorts follows the course."""
    if may_author(user, course):
        return True
    if not course.is_live or user is None or not user.is_authenticated:
        return False
    return enrolled(session, user, course) or _followers.teaches_course(session, user, course.id)


def readable_by(user: User | None) -> ColumnElement[bool]:
    """``may_read_course`` as a condition on ``Course``."""
    if user is None or not user.is_authenticated:
        return false()
    mine = select(Enrolment.course_id).where(Enrolment.user_id == user.id)
    taught = _followers.taught_course_ids(user)
    return or_(
        authored_by(user),
        and_(Course.is_live, or_(Course.id.in_(mine), Course.id.in_(taught))),
    )


def follows_trainee(session, user: User | None, trainee_id: int) -> bool:
    """Whether ``user`` follows the trainee as a trainer (sees their attempts and progress)."""
    if user is None or not user.is_authenticated:
        return False
    return _followers.follows_trainee(session, user, trainee_id)


def followed_trainee_ids(user: User | None) -> Select:
    """``follows_trainee`` as a subquery of user ids."""
    if user is None or not user.is_authenticated:
        return NOBODY.followed_trainee_ids(user)
    return _followers.followed_trainee_ids(user)


def live_course_or_404(session, slug: str) -> Course:
    """A live course's description, for anyone signed in; 404 when it is not live."""
    course = session.scalar(select(Course).where(Course.slug == slug, Course.is_live))
    return course if course is not None else abort(404)


def may_see_certificate(user: User | None, certificate: Certificate) -> bool:
    """Its holder and admins (anyone may check a code on the public /verify page, which
    shows less)."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_admin or certificate.user_id == user.id


def seen_certificates(user: User | None) -> ColumnElement[bool]:
    """``may_see_certificate`` as a condition on ``Certificate``."""
    if user is None or not user.is_authenticated:
        return false()
    return true() if user.is_admin else Certificate.user_id == user.id


def certificate_or_404(session, user: User | None, code: str) -> Certificate:
    """The certificate if ``user`` may see it; 404 otherwise (never confirms it exists)."""
    found = find_certificate(session, code)
    return found if found is not None and may_see_certificate(user, found) else abort(404)
