"""The Studio's editors: lesson text with preview and source side by side, revisions and
their differences, the quiz, the translation board."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.accounts.permissions import roles_required
from elearn.authoring import outline, reading, services
from elearn.authoring.models import LessonRevision
from elearn.authoring.rendering import media_snippet, trusted
from elearn.authoring.studio import (
    content_language,
    course_or_404,
    item_analysis,
    lesson_or_404,
    module_or_404,
)
from elearn.core import clock
from elearn.core.edge import attempt, fail
from elearn.core.errors import DomainError, problem
from elearn.core.text import clean_text
from elearn.extensions import db
from elearn.i18n.formatting import format_time
from elearn.i18n.locale import wanted_content
from elearn.media.models import MediaAsset

bp = Blueprint("studio_editor", __name__, url_prefix="/studio", template_folder="templates")
LESSON = "/<slug>/modules/<module>/lessons/<lesson>"


@bp.before_request
@roles_required(Role.EXPERT, Role.ADMIN)
def _authors_only():
    return None


@dataclass
class Text:
    """One language's column of the editor: what the form holds, what it started from."""

    lang: str
    title: str
    markdown: str
    #: ``services.text_hash`` of the stored version this text started from (None: the
    #: request did not say, and the last writer wins).
    base: str | None
    #: Whether the request carried this language (only those are saved).
    posted: bool
    #: Whether it carried this language's equipment or safety note (or the lesson's kind).
    meta_posted: bool = False
    equipment: str = ""
    safety: str = ""
    preview: object = None
    conflict: dict | None = None

    @property
    def empty(self) -> bool:
        return not self.title.strip() and not self.markdown.strip()


def _texts(course, item, form, focus: str) -> list[Text]:
    """Each course language's text, from the form when it carries it (``title_<lang>``,
    ``markdown_<lang>``, ``base_<lang>``; a one-language form's ``title``/``markdown`` is
    the focused language's), else from the working copy."""
    texts = []
    for lang in course.languages:
        content = item.content(lang)
        stored = Text(
            lang,
            content.title if content else "",
            content.markdown if content else "",
            base=services.text_hash(content),
            posted=False,
            equipment="\n".join(item.equipment.get(lang) or []),
            safety=item.safety.get(lang, ""),
        )
        # the one-language form (scripts and older pages post it) is the focused language's
        legacy = lang == focus and not any(f"{k}_{lang}" in form for k in ("markdown", "equipment"))
        suffix = "" if legacy else f"_{lang}"
        if f"markdown{suffix}" in form:
            stored.title, stored.markdown = (
                form.get(f"title{suffix}", ""),
                form[f"markdown{suffix}"],
            )
            stored.base, stored.posted = form.get(f"base_{lang}") or None, True
        meta = [k for k in ("equipment", "safety") if f"{k}{suffix}" in form]
        if meta or (legacy and "kind" in form):
            stored.meta_posted = True
            stored.equipment = form.get(f"equipment{suffix}", stored.equipment)
            stored.safety = form.get(f"safety{suffix}", stored.safety)
        texts.append(stored)
    return texts


def _conflicts(item, texts: list[Text]) -> bool:
    """Mark every posted text someone else saved meanwhile with what they saved, a diff
    to the author's text and a fresh base (so the next save, merged, goes through)."""
    found = False
    for text in texts:
        if not text.posted or text.empty:
            continue
        try:
            services.check_base(item, text.lang, text.base, clean_text(text.title), text.markdown)
        except services.EditConflictError as exc:
            found = True
            theirs = exc.current
            text.base = services.text_hash(theirs)
            text.conflict = {
                "title": theirs.title if theirs else "",
                "markdown": theirs.markdown if theirs else "",
                "at": theirs.updated_at if theirs else None,
                "by": db.session.get(User, theirs.updated_by_id)
                if theirs and theirs.updated_by_id
                else None,
                "diff": list(
                    difflib.unified_diff(
                        (theirs.markdown if theirs else "").splitlines(),
                        text.markdown.splitlines(),
                        lineterm="",
                        n=2,
                    )
                )[2:],
            }
    return found


def _save_texts(course, parent, item, texts: list[Text], *, meta: bool) -> list[str]:
    """Save every posted, non-empty language (a language left empty is not created), and
    with ``meta`` the lesson's kind, duration, competencies and each language's equipment
    and safety note. Returns the languages saved."""
    saved, now = [], clock.now()  # the autosave window is a span of time: tests move it
    for text in texts:
        if not text.posted or text.empty:
            continue
        try:
            services.edit_lesson(
                db.session,
                course,
                reading.Item(parent, item),
                text.lang,
                title=text.title,
                markdown=text.markdown,
                user=current_user,
                now=now,
                base=text.base,
                draft=not meta,  # an autosave
            )
        except DomainError as exc:  # name the column's field: title_ar, markdown_fr
            exc.field = f"{exc.field}_{text.lang}" if exc.field else None
            raise
        saved.append(text.lang)
    if meta:
        form = request.form
        for text in texts:
            if not text.meta_posted:
                continue
            outline.update_lesson_meta(
                course,
                item,
                text.lang,
                kind=form.get("kind", item.kind),
                duration=form.get("duration_minutes", ""),
                competencies=form.getlist("competencies"),
                equipment=text.equipment,
                safety=text.safety,
                now=now,
            )
    return saved


def _previews(course, parent, texts: list[Text]) -> bool:
    """Render each posted text as saving would; False when one is too costly (said once)."""
    ok = True
    for text in texts:
        if not text.posted:
            continue
        try:
            html, _missing = services.render_for(db.session, course, parent.slug, text.markdown)
            text.preview = trusted(html)
        except DomainError as exc:  # too costly to render: say why
            if ok:
                flash(str(exc.message), "error")
            ok = False
    return ok


@bp.route(LESSON + "/edit", methods=["GET", "POST"])
def edit_lesson(slug: str, module: str, lesson: str):
    """Both languages side by side, each with its preview; saving saves both at once, and
    refuses (409) a language someone else saved since the page was opened."""
    course = course_or_404(slug)
    parent = module_or_404(course, module)
    item = lesson_or_404(parent, lesson)
    focus = content_language(course)
    texts = _texts(course, item, request.form, focus)
    status = 200
    if request.method == "POST" and request.form.get("action") == "save":
        if _conflicts(item, texts):
            flash(str(services.EditConflictError(focus, None).message), "error")
            status = 409
        else:
            saved, _value = attempt(
                lambda: _save_texts(course, parent, item, texts, meta=True), _("Saved.")
            )
            if saved:
                return redirect(
                    url_for(".edit_lesson", slug=slug, module=module, lesson=lesson, content=focus),
                    code=303,
                )
            status = 422
    if request.method == "POST" and not _previews(course, parent, texts) and status == 200:
        status = 422
    return render_template(
        "authoring/lesson_edit.html",
        course=course,
        module=parent,
        lesson=item,
        content_lang=focus,
        texts=texts,
        states={
            t.lang: services.translation_state(item, t.lang, course.source_language) for t in texts
        },
        assets=_assets(course),
        snippet=media_snippet,
        #: how often the script saves after a change (a setting so browser tests wait less)
        autosave_ms=int(current_app.config.get("EDITOR_AUTOSAVE_SECONDS", 20) * 1000),
    ), status


def _assets(course) -> list[MediaAsset]:
    return list(
        db.session.scalars(
            select(MediaAsset)
            .where(MediaAsset.course_id == course.id, MediaAsset.removed_at.is_(None))
            .order_by(MediaAsset.path)
        )
    )


@bp.post(LESSON + "/autosave")
def autosave(slug: str, module: str, lesson: str):
    """The editor's script saving the texts (not the metadata) every few seconds after a
    change: JSON, with the same conflict check as the Save button."""
    course = course_or_404(slug)
    parent = module_or_404(course, module)
    item = lesson_or_404(parent, lesson)
    texts = _texts(course, item, request.form, content_language(course))
    if _conflicts(item, texts):
        message = services.EditConflictError(content_language(course), None).message
        current = {
            t.lang: {
                "title": t.conflict["title"],
                "markdown": t.conflict["markdown"],
                "hash": t.base,
            }
            for t in texts
            if t.conflict
        }
        return problem(
            409,
            message,
            errors=[{"path": f"markdown_{lang}", "message": str(message)} for lang in current],
            extra={"current": current},
        )
    try:
        saved = _save_texts(course, parent, item, texts, meta=False)
    except DomainError as exc:
        fail()
        errors = [{"path": exc.field, "message": str(exc.message)}] if exc.field else None
        return problem(exc.status, exc.message, errors=errors)
    now = clock.now()
    at = format_time(now, "short")
    return {
        "saved": saved,
        "bases": {t.lang: services.text_hash(item.content(t.lang)) for t in texts},
        "saved_at": now.isoformat(),
        "message": _("Saved at %(time)s", time=at),
    }


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
    lang = content_language(course)
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
    lang = content_language(course)
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
