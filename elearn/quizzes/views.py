"""Quiz pages: a module's quiz, the attempt form (works without JS; a small script saves
as the trainee goes), the result."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from elearn.authoring.models import Course
from elearn.core import edge
from elearn.core.clock import now
from elearn.extensions import db
from elearn.i18n.locale import asked_content, wanted_content
from elearn.learning import progress
from elearn.learning import services as learning
from elearn.learning.policy import live_course_or_404
from elearn.quizzes import policy, present
from elearn.quizzes import services as quizzes
from elearn.quizzes.models import QuizAttempt

bp = Blueprint("quizzes", __name__, template_folder="templates")


def _slack():
    return quizzes.grace(current_app.config)


def _module_and_quiz(slug: str, module: str):
    course = live_course_or_404(db.session, slug)
    found = quizzes.live_module(course, module)
    quiz = quizzes.live_quiz(found) if found is not None else None
    if quiz is None:
        abort(404)
    return course, found, quiz


@bp.get("/courses/<slug>/modules/<module>/quiz")
@login_required
def quiz(slug: str, module: str):
    course, found, quiz = _module_and_quiz(slug, module)
    enrolled = learning.enrolment(db.session, current_user, course) is not None
    if not enrolled:
        flash(_("Enrol in the course to take its quizzes."), "info")
        return redirect(url_for("learning.course", slug=slug))
    attempts = quizzes.attempts_of(db.session, current_user.id, quiz.id)
    settings = quiz.published
    finished = [a for a in attempts if a.finished]
    best = max(finished, key=lambda a: (a.percent or 0, -a.number), default=None)
    allowance = quizzes.allowance_of(db.session, current_user.id, quiz.id)
    left = quizzes.attempts_left(settings["max_attempts"], len(attempts), allowance)
    allowed = quizzes.attempt_limit(settings["max_attempts"], allowance)
    return render_template(
        "quizzes/quiz.html",
        course=course,
        module=found,
        settings=settings,
        question_count=len(quizzes.live_questions(quiz)),
        attempts=attempts,
        open_attempt=next((a for a in attempts if not a.finished), None),
        best=best,
        left=left,
        allowed=allowed,
    )


@bp.post("/courses/<slug>/modules/<module>/quiz/attempts")
@login_required
def start(slug: str, module: str):
    course, found, _quiz = _module_and_quiz(slug, module)
    user = current_user._get_current_object()
    if quizzes.settle(db.session, user, course, found, now=now(), slack=_slack()):
        edge.commit_now()  # an expired attempt stays settled even if no new one may start
    ok, value = edge.attempt(
        lambda: quizzes.start_attempt(db.session, user, course, found, now=now())
    )
    if not ok:
        return redirect(url_for(".quiz", slug=slug, module=module), code=303)
    attempt, _created = value
    return redirect(url_for(".attempt", attempt_id=attempt.id), code=303)


def _own_attempt_or_404(attempt_id: int) -> tuple[QuizAttempt, Course]:
    attempt = policy.attempt_or_404(db.session, current_user, attempt_id)
    return attempt, db.session.get(Course, attempt.course_id)


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt, course = _own_attempt_or_404(attempt_id)
    module = next(m for m in course.modules if m.quiz and m.quiz.id == attempt.quiz_id)
    lang = wanted_content()
    quiz = module.quiz
    # a quiz withdrawn since (re-import without it) still shows its old attempts
    settings = quiz.published or {"title": quiz.title, "pass_mark": quiz.pass_mark}
    context = {
        "course": course,
        "module": module,
        "attempt": attempt,
        "settings": settings,
        # an explicit ?content= survives saving the form (the page posts back to itself)
        "content": asked_content(),
    }
    if attempt.finished:
        state = progress.course_state(db.session, attempt.user_id, course)
        certificate = progress.certificate_for(db.session, attempt.user_id, course.id)
        return render_template(
            "quizzes/result.html",
            results=present.results(db.session, attempt, lang, source=course.source_language),
            state=state,
            certificate=certificate,
            **context,
        )
    late = quizzes.is_late(attempt, now(), _slack())
    return render_template(
        "quizzes/attempt.html",
        questions=present.questions(db.session, attempt, lang, source=course.source_language),
        # after "submit" with blank questions (answer): how many, and "submit anyway"
        unanswered=_unanswered(attempt) if request.args.get("confirm") and not late else [],
        late=late,
        now=now(),
        mine=attempt.user_id == current_user.id,
        **context,
    )


@bp.post("/attempts/<int:attempt_id>")
@login_required
def answer(attempt_id: int):
    """The attempt form: "save" keeps the answers, "submit" grades them."""
    attempt, course = _own_attempt_or_404(attempt_id)
    if attempt.user_id != current_user.id:
        abort(403)
    attempt = quizzes.load_for_update(db.session, attempt_id)
    values = _form_answers(attempt)
    user = current_user._get_current_object()
    if request.form.get("action") == "submit":
        if _should_confirm(attempt):
            # questions left blank: keep what was given and ask once more (nothing graded)
            saved, _value = edge.attempt(
                lambda: quizzes.save_answers(db.session, attempt, values, now=now(), slack=_slack())
            )
            if not saved or _unanswered(attempt):
                return redirect(
                    url_for(
                        ".attempt",
                        attempt_id=attempt_id,
                        content=asked_content(),
                        confirm=1 if saved else None,
                        _anchor="unanswered" if saved else None,
                    ),
                    code=303,
                )
        edge.attempt(
            lambda: quizzes.submit(
                db.session, user, course, attempt, values, now=now(), slack=_slack()
            )
        )
        return redirect(
            url_for(".attempt", attempt_id=attempt_id, content=asked_content()), code=303
        )
    edge.attempt(
        lambda: quizzes.save_answers(db.session, attempt, values, now=now(), slack=_slack()),
        _("Your answers are saved."),
    )
    return redirect(url_for(".attempt", attempt_id=attempt_id, content=asked_content()), code=303)


def _should_confirm(attempt: QuizAttempt) -> bool:
    """Ask before grading an attempt with blank questions, unless the trainee said "submit
    anyway" (``confirm``) or its time is up (the timer submits what there is)."""
    if "confirm" in request.form or attempt.finished:
        return False
    return attempt.deadline is None or now() < attempt.deadline


def _unanswered(attempt: QuizAttempt) -> list[tuple[int, str]]:
    """The questions of the attempt with no answer saved, as (number shown, key)."""
    saved = attempt.answers or {}
    return [
        (number, item["key"])
        for number, item in enumerate(attempt.layout, start=1)
        if item["key"] not in saved
    ]


def _ordered(name: str, steps: list) -> list[str]:
    """The steps by the places given (ties keep the order shown); a step without a
    readable place goes last, so nothing typed by hand is lost or an error."""
    shown = [token for token, _id in steps]

    def place(token: str) -> int:
        value = request.form.get(f"{name}.{token}", "")
        return int(value) if value.isascii() and value.isdigit() and len(value) < 4 else 999

    return sorted(shown, key=lambda token: (place(token), shown.index(token)))


def _form_answers(attempt: QuizAttempt) -> dict:
    """Fields are ``q-<question id>``; checkboxes send one value each."""
    values = {}
    for item in attempt.layout:
        name = f"q-{item['key']}"
        if "left" in item:  # matching: one list per left item, ``q-KEY.TOKEN``
            values[item["key"]] = {
                token: request.form.get(f"{name}.{token}", "") for token, _id in item["left"]
            }
            continue
        if "items" in item:  # ordering: each step's place, 1 first
            values[item["key"]] = _ordered(name, item["items"])
            continue
        if name not in request.form:
            values[item["key"]] = None
        elif len(request.form.getlist(name)) > 1:
            values[item["key"]] = request.form.getlist(name)
        else:
            values[item["key"]] = request.form.get(name, "")
    return values
