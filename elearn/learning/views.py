"""Catalogue, course page and lesson reader: only published versions, for signed-in people."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from elearn.accounts.models import Network
from elearn.authoring import policy as authoring_policy
from elearn.authoring import reading
from elearn.core.db import utcnow
from elearn.core.edge import attempt
from elearn.core.pagination import paginate
from elearn.extensions import db
from elearn.i18n.locale import wanted_content
from elearn.learning import policy, progress
from elearn.learning import services as learning

bp = Blueprint("learning", __name__, template_folder="templates")


@bp.get("/courses")
@login_required
def catalogue():
    filters = {
        key: request.args.get(key, "")[:200]
        for key in ("q", "domain", "network", "level", "language")
    }
    stmt = learning.catalogue_query(**filters)
    page = paginate(db.session, stmt, request.args.get("page", 1, type=int) or 1, 24, clamp=True)
    networks = db.session.scalars(select(Network.code).order_by(Network.code)).all()
    return render_template(
        "learning/catalogue.html",
        page=page,
        filters=filters,
        q=filters["q"],
        networks=networks,
        mine=learning.progress_in(db.session, current_user, list(page.items)),
    )


@bp.get("/courses/<slug>")
@login_required
def course(slug: str):
    course = policy.live_course_or_404(db.session, slug)
    row = learning.enrolment(db.session, current_user, course)
    state = progress.course_state(db.session, current_user.id, course) if row else None
    return render_template(
        "learning/course.html",
        course=course,
        detail=reading.course_detail(course, draft=False),
        enrolled=row is not None,
        state=state,
        modules={m.slug: m for m in state.modules} if state else {},
        certificate=progress.certificate_for(db.session, current_user.id, course.id)
        if row and row.completed_at
        else None,
    )


@bp.post("/courses/<slug>/enrol")
@login_required
def enrol(slug: str):
    course = policy.live_course_or_404(db.session, slug)
    enrolled, value = attempt(
        lambda: learning.enrol(db.session, current_user, course, now=utcnow())
    )
    if not enrolled:
        return redirect(url_for(".course", slug=slug), code=303)
    _row, created = value
    if created:
        flash(_("You are enrolled. Good learning!"), "success")
    first = next(iter(reading.ordered_lessons(course, draft=False)), None)
    if first is None:
        return redirect(url_for(".course", slug=slug), code=303)
    return redirect(
        url_for(".lesson", slug=slug, module=first.module.slug, lesson=first.lesson.slug), code=303
    )


@bp.get("/courses/<slug>/modules/<module>/lessons/<lesson>")
@login_required
def lesson(slug: str, module: str, lesson: str):
    # Five queries at most for an enrolled trainee: who (with roles), the course row,
    # enrolled-and-read, the quiz results (when the course has quizzes), the lesson's
    # HTML; the outline comes from this process's memory (authoring/published.py;
    # tests/test_progress.py and tests/test_trainee_path.py count them).
    course = reading.course_for_reader(slug)
    if course is None or not course.is_live:
        abort(404)
    item = reading.find_lesson(course, module, lesson, draft=False)
    state = learning.reader_progress(db.session, current_user, course)
    if state is None and not policy.may_read_course(db.session, current_user, course):
        flash(_("Enrol in the course to read its lessons."), "info")
        return redirect(url_for(".course", slug=slug))
    if item is None:
        abort(404)
    view = reading.lesson_view(course, item, wanted_content(), draft=False)
    view["completed"] = state is not None and item.lesson.id in state.done
    last_of_module = view["next"] is None or view["next"]["module"] != item.module.slug
    return render_template(
        "learning/lesson.html",
        course=course,
        item=item,
        view=view,
        place=learning.lesson_place(db.session, course, item, state),
        preview=False,
        may_edit=authoring_policy.may_author(current_user, course),
        quiz_after=last_of_module and item.module.quiz is not None,
    )


@bp.post("/courses/<slug>/modules/<module>/lessons/<lesson>/complete")
@login_required
def complete(slug: str, module: str, lesson: str):
    course = policy.live_course_or_404(db.session, slug)
    item = reading.find_lesson(course, module, lesson, draft=False)
    if item is None:
        abort(404)
    completed, done = attempt(
        lambda: learning.complete_lesson(
            db.session, current_user, course, item.lesson, now=utcnow()
        )
    )
    if not completed:
        return redirect(url_for(".course", slug=slug), code=303)
    _previous, following = reading.neighbours(course, item, draft=False)
    last_of_module = following is None or following["module"] != module
    # one word on the next page (role=status): the course done, the module's quiz to take,
    # or how far the course is now
    if done == 100:
        flash(_("Course complete: well done!"), "success")
    elif last_of_module and item.module.quiz is not None:
        state = progress.course_state(db.session, current_user.id, course)
        if any(m.slug == module and not m.complete for m in state.modules):
            flash(_("You have read this module: now take its quiz."), "success")
            return redirect(url_for("quizzes.quiz", slug=slug, module=module), code=303)
    if done != 100:
        flash(_("Lesson completed: %(percent)s %% of the course done.", percent=done), "success")
    if following:
        return redirect(url_for(".lesson", slug=slug, **following), code=303)
    return redirect(url_for(".course", slug=slug), code=303)


@bp.get("/my/learning")
@login_required
def my_learning():
    return render_template(
        "learning/my.html", entries=learning.my_courses(db.session, current_user)
    )
