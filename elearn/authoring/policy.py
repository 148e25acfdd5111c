"""Who may author, and who may see, a course: each rule as a predicate and its query twin.

A predicate answers for one course already loaded (a page, a media request); its twin is
the same rule as a SQL condition on ``Course`` (a list, an API lookup). They sit side by
side so that changing one shows the other; ``tests/test_policy.py`` checks they agree for
every kind of user. The ``*_or_404`` lookups are the one guard pages and the API use: a
course someone may not see is a 404, never a hint that it exists.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, false, or_, select, true

from elearn.accounts.models import SIGNOFF_ROLES, NetworkReviewer, Role, User
from elearn.authoring.models import Course, CourseAuthor


def may_author(user: User | None, course: Course) -> bool:
    """Admins; experts of the course's network; experts listed as its authors."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    if Role.EXPERT not in user.roles:
        return False
    return user.network_id == course.network_id or any(a.id == user.id for a in course.authors)


def authored_by(user: User | None) -> ColumnElement[bool]:
    """``may_author`` as a condition on ``Course``."""
    if user is None or not user.is_authenticated:
        return false()
    if user.is_admin:
        return true()
    if Role.EXPERT not in user.roles:
        return false()
    listed = select(CourseAuthor.course_id).where(CourseAuthor.user_id == user.id)
    return or_(Course.network_id == user.network_id, Course.id.in_(listed))


def may_see(user: User | None, course: Course) -> bool:
    """Everyone sees a live course (its description, not its lessons: learning decides
    those); its authors also see it as a draft or archived."""
    return course.is_live or may_author(user, course)


def seen_by(user: User | None) -> ColumnElement[bool]:
    """``may_see`` as a condition on ``Course``."""
    return or_(Course.is_live, authored_by(user))


def may_review(user: User | None, course: Course) -> bool:
    """Admins, and the reviewers of the course's network (whatever role they sign off)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return any(r.user_id == user.id for r in course.network.reviewers)


def reviewed_by(user: User | None) -> ColumnElement[bool]:
    """``may_review`` as a condition on ``Course``."""
    if user is None or not user.is_authenticated:
        return false()
    if user.is_admin:
        return true()
    networks = select(NetworkReviewer.network_id).where(NetworkReviewer.user_id == user.id)
    return Course.network_id.in_(networks)


def review_roles(user: User | None, course: Course) -> list[str]:
    """The sign-off roles ``user`` holds for the course's network, in their usual order."""
    if user is None or not user.is_authenticated:
        return []
    held = {r.role for r in course.network.reviewers if r.user_id == user.id}
    return [role for role in SIGNOFF_ROLES if role in held]


def may_create_in(user: User | None, network_code: str) -> bool:
    """Who may create a course in a network: admins, its experts, and an operator at the
    command line (no user)."""
    if user is None:
        return True
    if user.is_admin:
        return True
    return (
        Role.EXPERT in user.roles and user.network is not None and user.network.code == network_code
    )


def authored_course_or_404(session, user: User | None, slug: str) -> Course:
    """The course if ``user`` may author it; 404 otherwise."""
    course = session.scalar(select(Course).where(Course.slug == slug, authored_by(user)))
    return course if course is not None else abort(404)


def visible_course_or_404(session, user: User | None, slug: str) -> Course:
    """The course if ``user`` may see it; 404 otherwise."""
    course = session.scalar(select(Course).where(Course.slug == slug, seen_by(user)))
    return course if course is not None else abort(404)


def reviewed_course_or_404(session, user: User | None, slug: str) -> Course:
    """The course if ``user`` may review it or author it (authors read and answer the
    review's comments); 404 otherwise."""
    course = session.scalar(
        select(Course).where(Course.slug == slug, or_(reviewed_by(user), authored_by(user)))
    )
    return course if course is not None else abort(404)
