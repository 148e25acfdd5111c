"""The Studio's quiz editor: forms made of the quiz's own fields (no YAML to learn), every
problem on its box, French and Arabic side by side; quiz.yml for those who write it; and a
preview of the questions as a trainee sees them."""

from __future__ import annotations

import random

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from elearn.accounts.models import Role
from elearn.accounts.permissions import roles_required
from elearn.authoring import quizform, services
from elearn.authoring.package.checker import Checker
from elearn.authoring.package.exporter import bank_data, quiz_data
from elearn.authoring.package.files import PackageFiles
from elearn.authoring.package.importer import apply_quiz
from elearn.authoring.package.quizcheck import (
    TYPES,
    check_bank_data,
    check_quiz,
    check_quiz_data,
    course_doc,
)
from elearn.authoring.package.yamlio import dump
from elearn.authoring.rendering import trusted
from elearn.authoring.studio import content_language, course_or_404, item_analysis, module_or_404
from elearn.core.db import utcnow
from elearn.core.edge import attempt
from elearn.extensions import db
from elearn.i18n.languages import pick_language

bp = Blueprint("studio_quiz", __name__, url_prefix="/studio", template_folder="templates")
QUIZ = "/<slug>/modules/<module>/quiz"


@bp.before_request
@roles_required(Role.EXPERT, Role.ADMIN)
def _authors_only():
    return None


def _has_quiz(module) -> bool:
    return module.quiz is not None and module.quiz.archived_at is None


def _bank(course):
    """The course's bank as the quiz checks read it (what ``draw`` may take)."""
    return check_bank_data(bank_data(course), course)[0] if course.bank is not None else None


def _save(course, module, doc) -> bool:
    def save():
        apply_quiz(db.session, course, module, doc, utcnow())
        services.touched(course, utcnow())

    return attempt(save, _("Quiz saved."))[0]


def _saved(course, module) -> tuple[dict, list]:
    """The saved quiz and what is left to translate in it; a starter for a module that
    has none."""
    if not _has_quiz(module):
        return quizform.starter_quiz(module.title), []
    data = quiz_data(module)
    issues = check_quiz_data(data, course, bank=_bank(course))[1]
    return data, [i for i in issues if i.level == "warning"]


@bp.route(QUIZ, methods=["GET", "POST"])
def edit_quiz(slug: str, module: str):
    """The quiz as forms. A POST is "save" or one of the editor's buttons (add, move,
    duplicate, delete, change type, add or remove a choice…), which re-renders what was
    typed with the change; a POST of ``yaml`` is the quiz.yml editor's."""
    course = course_or_404(slug)
    parent = module_or_404(course, module)
    if request.method == "POST" and "yaml" in request.form:
        return _yaml(course, parent, request.form["yaml"])
    langs = list(course.languages)
    status, issues = 200, []
    if request.method == "GET":
        data, issues = _saved(course, parent)
    else:
        data = quizform.with_ids(quizform.from_form(request.form, langs))
        action = request.form.get("action", "save")
        if action != "save":
            data = quizform.with_ids(quizform.act(data, action, request.form))
        else:
            doc, issues = check_quiz_data(data, course, bank=_bank(course))
            if doc is not None and _save(course, parent, doc):
                return redirect(url_for(".edit_quiz", slug=slug, module=module), code=303)
            status = 422
    return render_template(
        "authoring/quiz_form.html",
        course=course,
        module=parent,
        form=quizform.to_form(data, langs),
        data=data,
        messages=quizform.placed(issues, data, langs),
        errors=any(i.level == "error" for i in issues),
        types=TYPES,
        has_bank=course.bank is not None or bool(data.get("draw")),
        quizzes=_answers_so_far(course, parent),
    ), status


@bp.route(QUIZ + "/yaml", methods=["GET", "POST"])
def quiz_yaml(slug: str, module: str):
    """quiz.yml as text, checked like a package's (problems by line)."""
    course = course_or_404(slug)
    parent = module_or_404(course, module)
    if request.method == "POST":
        return _yaml(course, parent, request.form.get("yaml", ""))
    text = dump(quiz_data(parent)) if _has_quiz(parent) else ""
    return render_template(
        "authoring/quiz_edit.html", course=course, module=parent, text=text, issues=[]
    )


def _yaml(course, module, text: str):
    checker = Checker(PackageFiles(course.slug), [])
    data = checker.yaml("quiz.yml", text)
    quiz = (
        check_quiz(checker, "quiz.yml", data, course_doc(course), _bank(course))
        if data is not None
        else None
    )
    issues = checker.issues
    if quiz is not None and not any(i.level == "error" for i in issues):
        if _save(course, module, quiz):
            return redirect(url_for(".quiz_yaml", slug=course.slug, module=module.slug), code=303)
    return render_template(
        "authoring/quiz_edit.html", course=course, module=module, text=text, issues=issues
    ), 422


@bp.get(QUIZ + "/preview")
def preview_quiz(slug: str, module: str):
    """The saved quiz's questions exactly as a trainee's attempt shows them (the same
    markup), in the language asked for; no answer or feedback is on the page."""
    course = course_or_404(slug)
    parent = module_or_404(course, module)
    lang = content_language(course)
    quiz = parent.quiz if _has_quiz(parent) else None
    live = [q for q in quiz.questions if q.archived_at is None] if quiz else []
    return render_template(
        "authoring/quiz_preview.html",
        course=course,
        module=parent,
        quiz=quiz,
        content_lang=lang,
        questions=[
            _shown(q, number, lang, course.source_language)
            for number, q in enumerate(sorted(live, key=lambda x: x.position or 0), start=1)
        ],
    )


def _shown(question, number: int, lang: str, source: str) -> dict:
    """One question as the attempt page's partial reads it: texts only, ids as tokens,
    right-hand texts and steps mixed as an attempt mixes them."""
    rendered = question.rendered or {}
    written = [code for code, entry in rendered.items() if (entry or {}).get("prompt")]
    used = pick_language(written, lang, source) or lang
    texts = rendered.get(used) or {}
    spec = question.spec
    mix = random.Random(f"{question.key}:{question.version}")  # the same order each time
    shown = {
        "id": question.key,
        "number": number,
        "type": spec["type"],
        "points": float(spec.get("points", 1)),
        "lang": used,
        "prompt_html": trusted(texts.get("prompt")),
        "choices": [
            {"id": c["id"], "text_html": trusted((texts.get("choices") or {}).get(c["id"]))}
            for c in spec.get("choices") or []
        ],
        "answer": None,
    }
    if spec["type"] == "matching":
        pairs = spec.get("pairs") or []
        shown["left"] = [
            {"id": p["id"], "text_html": trusted((texts.get("left") or {}).get(p["id"]))}
            for p in pairs
        ]
        right = [
            {"id": p["id"], "text_html": trusted((texts.get("right") or {}).get(p["id"]))}
            for p in pairs
        ]
        mix.shuffle(right)
        shown["right"] = right
    elif spec["type"] == "ordering":
        steps = [
            {"id": s["id"], "text_html": trusted((texts.get("items") or {}).get(s["id"]))}
            for s in spec.get("items") or []
        ]
        mix.shuffle(steps)
        shown["items"] = [{**step, "place": n} for n, step in enumerate(steps, start=1)]
    return shown


def _answers_so_far(course, module) -> list[dict]:
    """How trainees answer the published questions, shown under the editor so an author
    rewriting a question sees why (the statistics are cohorts', registered at wiring)."""
    quiz = module.quiz
    if quiz is None or quiz.published is None:
        return []
    return item_analysis(course, quiz_id=quiz.id)
