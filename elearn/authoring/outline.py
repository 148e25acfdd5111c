"""Changing a course's outline in the Studio: add, rename, reorder and archive modules and
lessons. Archived items keep their rows (and learners' data); positions stay contiguous."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from elearn.accounts.models import User
from elearn.authoring.models import Course, CourseStatus, Lesson, Module
from elearn.authoring.package.validate import SLUG
from elearn.authoring.services import AuthoringError, save_content
from elearn.core.text import clean_text


def _slug(value: str, taken: set[str]) -> str:
    slug = (value or "").strip().lower()
    if not SLUG.match(slug):
        raise AuthoringError(
            _l("Use lowercase letters, digits and '-' for the identifier (e.g. fault-codes)."),
            field="slug",
        )
    if slug in taken:
        raise AuthoringError(_l("This identifier is already used here."), field="slug")
    return slug


def _title(value: str) -> str:
    title = clean_text(value)
    if not title or len(title) > 300:
        raise AuthoringError(_l("Give a title of 1 to 300 characters."), field="title")
    return title


def _touch(course: Course, now: datetime) -> None:
    if course.status in (CourseStatus.PUBLISHED, CourseStatus.IN_REVIEW):
        course.status = CourseStatus.DRAFT
    course.updated_at = now


def add_module(session, course: Course, *, slug: str, title: str, now: datetime) -> Module:
    module = Module(
        slug=_slug(slug, {m.slug for m in course.modules}),
        title={course.source_language: _title(title)},
        summary={},
        lessons=[],
        position=max((m.position for m in course.modules), default=0) + 1,
    )
    course.modules.append(module)
    _touch(course, now)
    session.flush()
    return module


def add_lesson(
    session,
    course: Course,
    module: Module,
    *,
    slug: str,
    title: str,
    kind: str,
    user: User,
    now: datetime,
) -> Lesson:
    if kind not in ("theory", "practical"):
        raise AuthoringError(_l("Choose theory or practical."), field="kind")
    lesson = Lesson(
        slug=_slug(slug, {lesson.slug for lesson in module.lessons}),
        kind=kind,
        position=max((x.position for x in module.lessons), default=0) + 1,
        competencies=[],
        equipment={},
        safety={},
        contents=[],
    )
    module.lessons.append(lesson)
    save_content(
        session,
        lesson,
        course.source_language,
        title=_title(title),
        markdown="",
        html="",
        user=user,
        now=now,
        source_language=course.source_language,
    )
    _touch(course, now)
    session.flush()
    return lesson


def rename(course: Course, item: Module, lang: str, title: str, now: datetime) -> None:
    if lang not in course.languages:
        raise AuthoringError(_l("This course is not offered in that language."), field="lang")
    item.title = {**item.title, lang: _title(title)}
    _touch(course, now)


def move(course: Course, items: list, item, offset: int, now: datetime) -> None:
    """Swap with the live neighbour above (-1) or below (+1)."""
    live = [x for x in sorted(items, key=lambda x: x.position) if x.archived_at is None]
    index = live.index(item)
    other = index + offset
    if 0 <= other < len(live):
        live[index], live[other] = live[other], live[index]
        for position, x in enumerate(live, start=1):
            x.position = position
        _touch(course, now)


def archive(course: Course, item, now: datetime) -> None:
    item.archived_at = now
    _touch(course, now)


def restore(course: Course, items: list, item, now: datetime) -> None:
    item.position = max((x.position for x in items if x.archived_at is None), default=0) + 1
    item.archived_at = None
    _touch(course, now)
