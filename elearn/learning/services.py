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


# -- progress -----------------------------------------------------------------------------


def live_lessons(session, course_ids: list[int]) -> dict[int, list[tuple[int, str, str]]]:
    """Published, live lessons per course in reading order, as (id, module slug, lesson
    slug): one query for any number of courses."""
    from elearn.authoring.models import Lesson, Module

    rows = session.execute(
        select(
            Module.course_id,
            Lesson.id,
            Module.slug,
            Lesson.slug,
            Module.published,
            Lesson.published,
        )
        .join(Lesson, Lesson.module_id == Module.id)
        .where(
            Module.course_id.in_(course_ids),
            Module.published.is_not(None),
            Lesson.published.is_not(None),
        )
    ).all()
    rows.sort(key=lambda r: (r[0], r[4]["position"], r[5]["position"]))
    found: dict[int, list[tuple[int, str, str]]] = {cid: [] for cid in course_ids}
    for course_id, lesson_id, module_slug, lesson_slug, *_positions in rows:
        found[course_id].append((lesson_id, module_slug, lesson_slug))
    return found


def my_courses(session, user) -> list[dict]:
    """Each enrolled course with its progress and where to continue (constant queries)."""
    from elearn.learning.models import Enrolment

    rows = session.execute(
        select(Enrolment, Course)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.created_at.desc())
    ).all()
    lessons = live_lessons(session, [course.id for _e, course in rows])
    done = completed_ids(session, user, [lid for ls in lessons.values() for lid, _m, _s in ls])
    out = []
    for enrolled, course in rows:
        course_lessons = lessons[course.id]
        finished = [lid for lid, _m, _s in course_lessons if lid in done]
        upcoming = next(((m, s) for lid, m, s in course_lessons if lid not in done), None)
        out.append(
            {
                "course": course,
                "enrolment": enrolled,
                "completed": len(finished),
                "total": len(course_lessons),
                "percent": percent(len(finished), len(course_lessons)),
                "next": {"module": upcoming[0], "lesson": upcoming[1]} if upcoming else None,
            }
        )
    return out


def completed_ids(session, user, lesson_ids: list[int]) -> set[int]:
    from elearn.learning.models import LessonCompletion

    if not lesson_ids:
        return set()
    return set(
        session.scalars(
            select(LessonCompletion.lesson_id).where(
                LessonCompletion.user_id == user.id, LessonCompletion.lesson_id.in_(lesson_ids)
            )
        )
    )


def percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def complete_lesson(session, user, course: Course, lesson, *, now: datetime) -> int:
    """Record the completion once and return the course's progress percent."""
    from elearn.learning.models import LessonCompletion

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
    row.last_activity_at = now
    session.flush()
    ids = [lid for lid, _m, _s in live_lessons(session, [course.id])[course.id]]
    return percent(len(completed_ids(session, user, ids)), len(ids))


def catalogue_query(
    *, q: str = "", domain: str = "", network: str = "", level: str = "", language: str = ""
):
    """Published courses matching the filters; the search folds accents and Arabic variants
    ("صيانه" finds "صيانة"). Unknown filter values simply match nothing."""
    from sqlalchemy import String, cast

    from elearn.accounts.models import Network
    from elearn.core.text import fold

    stmt = (
        select(Course)
        .where(Course.published.is_not(None), Course.status != CourseStatus.ARCHIVED)
        .order_by(Course.slug)
    )
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
