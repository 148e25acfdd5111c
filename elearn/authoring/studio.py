"""Helpers shared by the Studio's views: finding what the signed-in author may touch, and
the panels higher domains add to it."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select

from elearn.authoring import policy, services
from elearn.authoring.models import Course, Lesson, Module
from elearn.core.security import SAFE_METHODS
from elearn.extensions import db
from elearn.i18n.languages import pick_language
from elearn.i18n.locale import wanted_content


def authored_courses() -> list[Course]:
    stmt = select(Course).where(policy.authored_by(current_user))
    return list(db.session.scalars(stmt.order_by(Course.updated_at.desc())))


def course_or_404(slug: str) -> Course:
    """The course if the current user may author it; 404 otherwise (no hint it exists).
    A form that changes it holds the course first (``services.lock``), so a publication
    never runs half-way through a change."""
    course = policy.authored_course_or_404(db.session, current_user, slug)
    if request.method not in SAFE_METHODS:
        services.lock(db.session, course)
    return course


def module_or_404(course: Course, slug: str) -> Module:
    module = next((m for m in course.modules if m.slug == slug), None)
    return module or abort(404)


def lesson_or_404(module: Module, slug: str) -> Lesson:
    lesson = next((x for x in module.lessons if x.slug == slug), None)
    return lesson or abort(404)


def _no_statistics(session, course: Course, *, quiz_id: int | None = None) -> list[dict]:
    return []


#: How trainees answer a course's questions, per live quiz (cohorts' item analysis,
#: ``cohorts.insight.items``), handed over by the app's wiring (``elearn._connect_domains``):
#: authoring sits below cohorts and never reads attempts itself.
_item_analysis: Callable[..., list[dict]] = _no_statistics


def show_item_analysis(items: Callable[..., list[dict]]) -> None:
    """Register what the Studio shows under its quizzes (idempotent: a slot, not a list)."""
    global _item_analysis
    _item_analysis = items


def item_analysis(course: Course, *, quiz_id: int | None = None) -> list[dict]:
    """Every trainee's first attempt at the course's live quizzes, without names; nothing
    before the course is published."""
    if course.published is None:
        return []
    return _item_analysis(db.session, course, quiz_id=quiz_id)


def content_language(course: Course) -> str:
    """The language version an editor or preview shows: ``?content=``, else the interface
    language, else the source language — among the course's languages. Never the interface:
    an expert editing the Arabic text keeps the Studio they read."""
    return pick_language(course.languages, wanted_content(), course.source_language) or (
        course.source_language
    )
