"""The Studio's editors: lesson text with preview and source side by side, revisions and
their differences, the quiz, the translation board."""

from __future__ import annotations

import difflib

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from elearn.accounts.models import Role
from elearn.accounts.permissions import roles_required
from elearn.authoring import outline, reading, services
from elearn.authoring.models import LessonRevision
from elearn.authoring.rendering import trusted
from elearn.authoring.studio import course_or_404, item_analysis, lesson_or_404, module_or_404
from elearn.core.db import utcnow
from elearn.core.edge import attempt
from elearn.core.errors import DomainError, problem
from elearn.extensions import db
from elearn.i18n.languages import pick_language
from elearn.i18n.locale import wanted_content

bp = Blueprint("studio_editor", __name__, url_prefix="/studio", template_folder="templates")
LESSON = "/<slug>/modules/<module>/lessons/<lesson>"


@bp.before_request
@roles_required(Role.EXPERT, Role.ADMIN)
def _authors_only():
    return None


def _content(course) -> str:
    """The language version being edited: ``?content=``, else the interface language, else
    the source language — among the course's languages. Never the interface: an expert
    editing the Arabic text keeps the Studio they read."""
    return pick_language(course.languages, wanted_content(), course.source_language) or (
        course.source_language
    )


@bp.route(LESSON + "/edit", methods=["GET", "POST"])
def edit_lesson(slug: str, module: str, lesson: str):
    course = course_or_404(slug)
    parent = module_or_404(course, module)
    item = lesson_or_404(parent, lesson)
    lang = _content(course)
    content = item.content(lang)
    title = request.form.get("title", content.title if content else "")
    markdown = request.form.get("markdown", content.markdown if content else "")
    preview, status = None, 200
    if request.method == "POST" and request.form.get("action") == "save":

        def save():
            services.edit_lesson(
                db.session,
                course,
                reading.Item(parent, item),
                lang,
                title=title,
                markdown=markdown,
                user=current_user,
                now=utcnow(),
            )
            form = request.form
            outline.update_lesson_meta(
                course,
                item,
                lang,
                kind=form.get("kind", item.kind),
                duration=form.get("duration_minutes", ""),
                competencies=form.getlist("competencies"),
                equipment=form.get("equipment", ""),
                safety=form.get("safety", ""),
                now=utcnow(),
            )

        saved, _value = attempt(save, _("Saved."))
        if saved:
            return redirect(
                url_for(".edit_lesson", slug=slug, module=module, lesson=lesson, content=lang),
                code=303,
            )
        status = 422
    if request.method == "POST":
        try:
            html, _missing = services.render_for(db.session, course, parent.slug, markdown)
            preview = trusted(html)
        except DomainError as exc:  # too costly to render: say why (once)
            if status == 200:
                flash(str(exc.message), "error")
            status = 422
    source = item.content(course.source_language) if lang != course.source_language else None
    return render_template(
        "authoring/lesson_edit.html",
        course=course,
        module=parent,
        lesson=item,
        content_lang=lang,
        title=title,
        markdown=markdown,
        preview=preview,
        source=source,
        state=services.translation_state(item, lang, course.source_language),
    ), status


@bp.post(LESSON + "/preview.json")
def preview_json(slug: str, module: str, lesson: str):
    """The live preview's answer: the text rendered exactly as saving would render it."""
    course = course_or_404(slug)
    parent = module_or_404(course, module)
    lesson_or_404(parent, lesson)
    try:
        html, missing = services.render_for(
            db.session, course, parent.slug, request.form.get("markdown", "")[:200_000]
        )
    except DomainError as exc:
        message = str(exc.message)
        return problem(422, message, errors=[{"path": "markdown", "message": message}])
    return {"html": html, "missing": [target for _kind, target in missing]}


@bp.post(LESSON + "/current")
def mark_current(slug: str, module: str, lesson: str):
    course = course_or_404(slug)
    item = lesson_or_404(module_or_404(course, module), lesson)
    lang = _content(course)
    attempt(
        lambda: services.mark_current(item, lang, course.source_language),
        _("Marked as up to date with the source text."),
    )
    return redirect(
        url_for(".edit_lesson", slug=slug, module=module, lesson=lesson, content=lang), code=303
    )


@bp.get(LESSON + "/history")
def history(slug: str, module: str, lesson: str):
    course = course_or_404(slug)
    item = lesson_or_404(module_or_404(course, module), lesson)
    lang = _content(course)
    revisions = db.session.scalars(
        select(LessonRevision)
        .where(LessonRevision.lesson_id == item.id, LessonRevision.lang == lang)
        .order_by(LessonRevision.created_at.desc(), LessonRevision.id.desc())
    ).all()
    by_id = {r.id: r for r in revisions}
    a, b = by_id.get(request.args.get("a", type=int)), by_id.get(request.args.get("b", type=int))
    if a is None and len(revisions) > 1:
        a, b = revisions[1], revisions[0]
    diff = None
    if a is not None and b is not None:
        diff = list(
            difflib.unified_diff(a.markdown.splitlines(), b.markdown.splitlines(), lineterm="", n=2)
        )[2:]
    return render_template(
        "authoring/history.html",
        course=course,
        module=module,
        lesson=item,
        content_lang=lang,
        revisions=revisions,
        a=a,
        b=b,
        diff=diff,
    )


@bp.get("/<slug>/questions")
def course_items(slug: str):
    """How every quiz of the course fares, all cohorts together, without names."""
    course = course_or_404(slug)
    return render_template("authoring/items.html", course=course, quizzes=item_analysis(course))


@bp.get("/<slug>/translations")
def translations(slug: str):
    course = course_or_404(slug)
    return render_template(
        "authoring/translations.html", course=course, board=reading.translation_board(course)
    )


@bp.get("/<slug>/preview/<module>/<lesson>")
def preview(slug: str, module: str, lesson: str):
    """The working copy as trainees will read it once published (authors and reviewers)."""
    course = course_or_404(slug)
    item = reading.find_lesson(course, module, lesson, draft=True)
    if item is None:
        return render_template("errors/error.html", status=404, title="404", detail=""), 404
    view = reading.lesson_view(course, item, wanted_content(), draft=True)
    return render_template(
        "learning/lesson.html", course=course, item=item, view=view, preview=True, may_edit=True
    )
