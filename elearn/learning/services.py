"""Learning rules: who may read a course, enrolling.

Plain functions over an explicit session; they flush and never commit.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from elearn.authoring.models import Course, CourseStatus
from elearn.authoring.services import may_author
from elearn.core.errors import DomainError
from elearn.learning.models import Enrolment


class LearningError(DomainError):
    """A learning action that is not possible, with what to do instead."""


def is_live(course: Course) -> bool:
    return course.published is not None and course.status != CourseStatus.ARCHIVED


def enrolment(session, user, course: Course) -> Enrolment | None:
    if user is None or not user.is_authenticated:
        return None
    return session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )


def may_read(session, user, course: Course) -> bool:
    """Authors and admins read the working copy; others the published one once enrolled."""
    if may_author(user, course):
        return True
    return is_live(course) and enrolment(session, user, course) is not None


def enrol(session, user, course: Course, *, now: datetime, source: str = "self"):
    """Enrol once (a retry or a double click changes nothing). Returns (row, created)."""
    if not is_live(course):
        raise LearningError(_l("This course is not published."), status=404)
    existing = enrolment(session, user, course)
    if existing is not None:
        return existing, False
    if source == "self" and not course.open_enrolment:
        raise LearningError(
            _l("This course is followed through a cohort of your centre: ask your trainer."),
            status=403,
        )
    row = Enrolment(user_id=user.id, course_id=course.id, source=source, created_at=now)
    try:
        with session.begin_nested():  # two clicks at once: the unique constraint decides
            session.add(row)
            session.flush()
    except IntegrityError:
        return enrolment(session, user, course), False
    return row, True
