"""Learning rules: enrolling, reading, progress (who may read a course: ``policy.py``).

Plain functions over an explicit session; they flush and never commit.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, exists, select
from sqlalchemy.exc import IntegrityError

from elearn.accounts.models import Network
from elearn.authoring.models import Course
from elearn.core.errors import DomainError
from elearn.core.text import fold
from elearn.learning import progress
from elearn.learning.models import Certificate, Enrolment, LessonCompletion


class LearningError(DomainError):
    """A learning action that is not possible, with what to do instead."""


def enrolment(session, user, course: Course) -> Enrolment | None:
    if user is None or not user.is_authenticated:
        return None
    return session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )


def reader_state(session, user, course: Course, lesson_id: int) -> tuple[bool, bool]:
    """(enrolled in the course, completed this lesson) in one round-trip: the lesson page
    is the page trainees open most."""
    if user is None or not user.is_authenticated:
        return False, False
    enrolled = exists().where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    done = exists().where(
        LessonCompletion.user_id == user.id, LessonCompletion.lesson_id == lesson_id
    )
    row = session.execute(select(enrolled, done)).one()
    return bool(row[0]), bool(row[1])


def enrol(session, user, course: Course, *, now: datetime, source: str = "self"):
    """Enrol once (a retry or a double click changes nothing). Returns (row, created)."""
    if not course.is_live:
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


# -- progress -----------------------------------------------------------------------------


def my_courses(session, user) -> list[dict]:
    """Each enrolled course with its progress, quiz results, where to continue and the
    certificate once earned: a constant number of queries for any number of courses."""
    rows = session.execute(
        select(Enrolment, Course, Certificate.code)
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(
            Certificate,
            (Certificate.course_id == Course.id) & (Certificate.user_id == Enrolment.user_id),
        )
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.completed_at.is_not(None), Enrolment.created_at.desc())
    ).all()
    found = progress.states(session, user.id, [course for _e, course, _c in rows])
    out = []
    for enrolled, course, code in rows:
        state = found[course.id]
        out.append(
            {
                "course": course,
                "enrolment": enrolled,
                "completed": state.completed_lessons,
                "total": state.total_lessons,
                "percent": state.percent,
                "next": state.next_lesson,
                "next_quiz": state.next_quiz,
                "quizzes": state.quiz_results(),
                "complete": enrolled.completed_at is not None,
                "certificate": code,
            }
        )
    return out


def completed_ids(session, user, lesson_ids: list[int]) -> set[int]:
    return progress.completed_ids(session, user.id, lesson_ids)


def complete_lesson(session, user, course: Course, lesson, *, now: datetime) -> int:
    """Record the completion once and return the course's progress percent."""
    row = enrolment(session, user, course)
    if row is None:
        raise LearningError(_l("Enrol in the course to read its lessons."), status=403)
    if not completed_ids(session, user, [lesson.id]):
        try:
            with session.begin_nested():
                session.add(
                    LessonCompletion(user_id=user.id, lesson_id=lesson.id, completed_at=now)
                )
                session.flush()
        except IntegrityError:
            pass  # the same click, twice at once: it is recorded
    return progress.record_activity(session, user, course, row, now=now).percent


def catalogue_query(
    *, q: str = "", domain: str = "", network: str = "", level: str = "", language: str = ""
):
    """Published courses matching the filters; the search folds accents and Arabic variants
    ("صيانه" finds "صيانة"). Unknown filter values simply match nothing."""

    stmt = select(Course).where(Course.is_live).order_by(Course.slug)
    if q.strip():
        stmt = stmt.where(Course.search_text.contains(fold(q)))
    if domain:
        stmt = stmt.where(Course.domain == domain)
    if network:
        stmt = stmt.join(Network).where(Network.code == network.upper())
    if level:
        stmt = stmt.where(Course.level == level)
    if language:
        stmt = stmt.where(cast(Course.languages, String).like(f'%"{language[:8]}"%'))
    return stmt
