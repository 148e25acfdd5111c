"""Helpers shared by the Studio's views: finding what the signed-in author may touch."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user
from sqlalchemy import or_, select

from elearn.authoring import services
from elearn.authoring.models import Course, CourseAuthor, Lesson, Module
from elearn.core.security import SAFE_METHODS
from elearn.extensions import db


def authored_courses() -> list[Course]:
    stmt = select(Course).order_by(Course.updated_at.desc())
    if not current_user.is_admin:
        stmt = stmt.where(
            or_(
                Course.network_id == current_user.network_id,
                Course.id.in_(
                    select(CourseAuthor.course_id).where(CourseAuthor.user_id == current_user.id)
                ),
            )
        )
    return list(db.session.scalars(stmt))


def course_or_404(slug: str) -> Course:
    """The course if the current user may author it; 404 otherwise (no hint it exists).
    A form that changes it holds the course first (``services.lock``), so a publication
    never runs half-way through a change."""
    course = services.course_by_slug(db.session, slug)
    if course is None or not services.may_author(current_user, course):
        abort(404)
    if request.method not in SAFE_METHODS:
        services.lock(db.session, course)
    return course


def module_or_404(course: Course, slug: str) -> Module:
    module = next((m for m in course.modules if m.slug == slug), None)
    return module or abort(404)


def lesson_or_404(module: Module, slug: str) -> Lesson:
    lesson = next((x for x in module.lessons if x.slug == slug), None)
    return lesson or abort(404)
