"""Quiz attempts through the API: start, save answers as you go, submit, read back."""

from __future__ import annotations

from flask import abort, current_app
from flask_login import current_user, login_required
from marshmallow import Schema, fields

from elearn.api.blueprint import Blueprint
from elearn.api.courses import _course_or_404
from elearn.authoring.models import Course
from elearn.authoring.reading import wanted_language
from elearn.core.clock import now
from elearn.core.jsonio import iso
from elearn.extensions import db
from elearn.quizzes import policy, present
from elearn.quizzes import services as quizzes
from elearn.quizzes.models import QuizAttempt

blp = Blueprint("quizzes_api", __name__, description="Quiz attempts")
SECURED = {"security": [{"bearerAuth": []}]}


class AnswersIn(Schema):
    answers = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(allow_none=True),
        load_default=dict,
        metadata={
            "description": "By question id: a choice id (single), a list of choice ids "
            "(multiple), true/false, a number or a text. An empty value clears an answer."
        },
    )


def _slack():
    return quizzes.grace(current_app.config)


def _attempt_or_404(attempt_id: int, *, owner: bool = False) -> tuple[QuizAttempt, Course]:
    """``owner``: the caller's own attempt, locked until commit (see load_for_update)."""
    if owner:
        mine = quizzes.load_for_update(db.session, attempt_id, user_id=current_user.id)
        if mine is not None:
            return mine, db.session.get(Course, mine.course_id)
    attempt = policy.attempt_or_404(db.session, current_user, attempt_id)
    if owner and attempt.user_id != current_user.id:
        abort(403)
    return attempt, db.session.get(Course, attempt.course_id)


@blp.route("/courses/<slug>/modules/<module>/quiz/attempts", methods=["POST"])
@blp.doc(**SECURED)
@login_required
def start(slug: str, module: str):
    """Start an attempt (201), or get back the one still open (200); 409 when none is left.

    The questions come in this attempt's order with its own choice ids, never an answer."""
    course = _course_or_404(slug)
    found = quizzes.live_module(course, module)
    if found is None:
        abort(404)
    user = current_user._get_current_object()
    if quizzes.settle(db.session, user, course, found, now=now(), slack=_slack()):
        db.session.commit()
    attempt, created = quizzes.start_attempt(db.session, user, course, found, now=now())
    # the answer is built inside the transaction: after the commit it would take a second
    # one (on SQLite, the write lock again) only to read the questions
    body = present.attempt_body(db.session, attempt, wanted_language())
    db.session.commit()
    return body, 201 if created else 200


@blp.route("/attempts/<int:attempt_id>", methods=["GET"])
@blp.doc(**SECURED)
@login_required
def get(attempt_id: int):
    """The attempt; once submitted, its result (owner, admins)."""
    attempt, _course = _attempt_or_404(attempt_id)
    return present.attempt_body(db.session, attempt, wanted_language())


@blp.route("/attempts/<int:attempt_id>/answers", methods=["PUT"])
@blp.arguments(AnswersIn)
@blp.doc(**SECURED)
@login_required
def save(body, attempt_id: int):
    """Save answers as the trainee goes (merged; 409 once submitted or out of time)."""
    attempt, _course = _attempt_or_404(attempt_id, owner=True)
    quizzes.save_answers(db.session, attempt, body["answers"], now=now(), slack=_slack())
    db.session.commit()
    return {
        "id": attempt.id,
        "saved_at": iso(attempt.saved_at),
        "answered": len(attempt.answers),
    }


@blp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@blp.arguments(AnswersIn)
@blp.doc(**SECURED)
@login_required
def submit(body, attempt_id: int):
    """Grade the attempt once (a second submit is 409); past the time limit and its grace
    it is graded as expired, on the answers saved in time."""
    attempt, course = _attempt_or_404(attempt_id, owner=True)
    user = current_user._get_current_object()
    quizzes.submit(db.session, user, course, attempt, body["answers"], now=now(), slack=_slack())
    result = present.result_body(db.session, attempt, wanted_language())
    db.session.commit()
    return result
