"""The review page of a course: what changed, the comments per lesson, the sign-offs the
network requires, and — apart from each other — Publish and Send back with comments.

Open to the course's reviewers (the network's, and admins) and to its authors, who read and
answer the comments; only reviewers sign off, only admins publish or send back.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from elearn.authoring import policy, services
from elearn.authoring import review as reviews
from elearn.authoring import signoffs as signoff_rules
from elearn.authoring.changes import course_changes
from elearn.authoring.models import CourseStatus, Lesson, Module
from elearn.core.db import utcnow
from elearn.core.edge import attempt
from elearn.extensions import db
from elearn.i18n.formatting import SIGNOFF_LABELS

bp = Blueprint("studio_review", __name__, url_prefix="/studio", template_folder="templates")


@bp.before_request
@login_required
def _signed_in():
    return None


def _course_or_404(slug: str):
    course = policy.reviewed_course_or_404(db.session, current_user, slug)
    if request.method == "POST":
        services.lock(db.session, course)
    return course


def _back(course, anchor: str | None = None):
    return redirect(url_for(".review", slug=course.slug, _anchor=anchor), code=303)


def _lessons(course) -> list[tuple[Module, Lesson]]:
    """The course's live lessons in outline order (one query, their titles selected in)."""
    rows = db.session.execute(
        select(Module, Lesson)
        .join(Lesson, Lesson.module_id == Module.id)
        .where(
            Module.course_id == course.id,
            Module.archived_at.is_(None),
            Lesson.archived_at.is_(None),
        )
        .order_by(Module.position, Lesson.position)
    ).all()
    return [(m, lesson) for m, lesson in rows]


@bp.get("/<slug>/review")
def review(slug: str):
    course = _course_or_404(slug)
    current = services.revision(db.session, course)
    given = signoff_rules.given_on(db.session, course, current)
    required = signoff_rules.required_roles(course)
    missing = [r for r in required if r not in {s.role for s in given}]
    reviewer = policy.may_review(current_user, course)
    author = policy.may_author(current_user, course) and not current_user.is_admin
    held = policy.review_roles(current_user, course)
    if current_user.is_admin:
        held = list(dict.fromkeys(held + required))
    mine = {s.role for s in given if s.user_id == current_user.id}
    held = [role for role in held if role not in mine]  # given already on this revision
    return render_template(
        "authoring/review_page.html",
        course=course,
        revision=current,
        changed=course.status == CourseStatus.IN_REVIEW and current != course.submitted_revision,
        changes=course_changes(db.session, course),
        required=required,
        given=given,
        missing=missing,
        missing_labels=[str(SIGNOFF_LABELS[role]) for role in missing],
        may_sign=reviewer and not author,
        held=held,
        author=author,
        threads=reviews.threads(db.session, course),
        lessons=_lessons(course),
    )


@bp.post("/<slug>/review/signoffs")
def sign_off(slug: str):
    course = _course_or_404(slug)
    attempt(
        lambda: reviews.sign_off(
            db.session, course, current_user, request.form.get("role", ""), utcnow()
        ),
        _("Signed off: thank you."),
    )
    return _back(course, "signoffs")


@bp.post("/<slug>/review/comments")
def add_comment(slug: str):
    course = _course_or_404(slug)
    form = request.form

    def write():
        lesson, parent = reviews.comment_target(
            db.session, course, _int(form.get("lesson")), _int(form.get("parent"))
        )
        body = form.get("body", "")
        return reviews.comment(
            db.session, course, current_user, body, now=utcnow(), lesson=lesson, parent=parent
        )

    ok, row = attempt(write, _("Comment added."))
    return _back(course, f"comment-{row.id}" if ok and row else "comments")


def _int(value: str | None) -> int | None:
    """A form's id: absent or empty is None; anything else not a number is refused
    like an id that is not in the course."""
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) < 12 else -1
