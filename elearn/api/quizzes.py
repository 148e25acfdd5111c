"""Quiz attempts through the API: start, save answers as you go, submit, read back."""

from __future__ import annotations

from flask import abort, current_app
from flask_login import current_user, login_required
from marshmallow import Schema, fields

from elearn.api.blueprint import Blueprint
from elearn.api.courses import _course_or_404
from elearn.api.schemas import LANG, Number, UTCDateTime
from elearn.authoring.models import Course
from elearn.core import edge
from elearn.core.clock import now
from elearn.extensions import db
from elearn.i18n.locale import wanted_content
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
            "(multiple), true/false, a number or a text; matching: an object mapping each "
            "left item id to a right item id; ordering: the list of item ids in order. "
            "An empty value clears an answer."
        },
    )


ANSWER = {"description": "The saved answer, in this attempt's choice ids (null: not answered)."}
DATETIME = {"format": "date-time"}


class Choice(Schema):
    id = fields.String(metadata={"description": "This attempt's id for the choice."})
    text_html = fields.String(allow_none=True)


class QuestionResult(Schema):
    id = fields.String()
    correct = fields.Boolean()
    points_awarded = Number()
    feedback_html = fields.String()
    answer = fields.Raw(allow_none=True, metadata=ANSWER)


class AttemptQuestion(QuestionResult):
    """A question as the trainee sees it; ``correct``, ``points_awarded`` and
    ``feedback_html`` only once the attempt is submitted (``quizzes.present``)."""

    type = fields.String(
        metadata={
            "description": "single, multiple, true_false, numeric, short_text, matching or ordering"
        }
    )
    points = Number()
    prompt_html = fields.String(allow_none=True)
    choices = fields.List(fields.Nested(Choice))
    left = fields.List(
        fields.Nested(Choice),
        metadata={"description": "Matching: the items to match, with this attempt's ids."},
    )
    right = fields.List(
        fields.Nested(Choice),
        metadata={"description": "Matching: what each left item is matched to (shuffled)."},
    )
    steps = fields.List(
        fields.Nested(Choice),
        data_key="items",
        metadata={"description": "Ordering: the steps to put in order (shuffled)."},
    )


class Result(Schema):
    """How a submitted attempt was graded. The dates are written by ``quizzes.present``."""

    status = fields.String(metadata={"description": "open, submitted or expired"})
    submitted_at = fields.String(allow_none=True, metadata=DATETIME)
    score = Number(allow_none=True)
    max_score = Number(allow_none=True)
    percent = Number(allow_none=True)
    passed = fields.Boolean(allow_none=True)
    expired = fields.Boolean()
    questions = fields.List(fields.Nested(QuestionResult))


class Attempt(Result):
    """An attempt: its questions in its own order, and once submitted its result."""

    id = fields.Integer()
    attempt_number = fields.Integer()
    started_at = fields.String(metadata=DATETIME)
    expires_at = fields.String(allow_none=True, metadata=DATETIME)
    saved_at = fields.String(allow_none=True, metadata=DATETIME)
    questions = fields.List(fields.Nested(AttemptQuestion))


class Saved(Schema):
    id = fields.Integer()
    saved_at = UTCDateTime(allow_none=True)
    answered = fields.Integer(metadata={"description": "How many questions have an answer."})


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
@blp.response(201, Attempt, description="A new attempt")
@blp.alt_response(200, schema=Attempt, description="The attempt still open", success=True)
@blp.problems(401, {403: "Not enrolled in the course"}, 404, {409: "No attempt is left"})
@blp.doc(**SECURED, parameters=[LANG])
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
        edge.commit_now()  # an expired attempt stays settled even if no new one may start
    attempt, created = quizzes.start_attempt(db.session, user, course, found, now=now())
    # the answer is built inside the transaction (the edge commits after it): after the
    # commit it would take a second one (on SQLite, the write lock again) only to read
    body = present.attempt_body(
        db.session, attempt, wanted_content("lang"), source=course.source_language
    )
    return body, 201 if created else 200


@blp.route("/attempts/<int:attempt_id>", methods=["GET"])
@blp.response(200, Attempt)
@blp.problems(401, 404)
@blp.doc(**SECURED, parameters=[LANG])
@login_required
def get(attempt_id: int):
    """The attempt; once submitted, its result (owner, admins)."""
    attempt, course = _attempt_or_404(attempt_id)
    return present.attempt_body(
        db.session, attempt, wanted_content("lang"), source=course.source_language
    )


@blp.route("/attempts/<int:attempt_id>/answers", methods=["PUT"])
@blp.arguments(AnswersIn)
@blp.response(200, Saved)
@blp.problems(401, {403: "Not your attempt"}, 404, {409: "Submitted, or out of time"})
@blp.doc(**SECURED)
@login_required
def save(body, attempt_id: int):
    """Save answers as the trainee goes (merged; 409 once submitted or out of time)."""
    attempt, _course = _attempt_or_404(attempt_id, owner=True)
    quizzes.save_answers(db.session, attempt, body["answers"], now=now(), slack=_slack())
    return {"id": attempt.id, "saved_at": attempt.saved_at, "answered": len(attempt.answers)}


@blp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@blp.arguments(AnswersIn)
@blp.response(200, Result)
@blp.problems(401, {403: "Not your attempt"}, 404, {409: "Already submitted"})
@blp.doc(**SECURED, parameters=[LANG])
@login_required
def submit(body, attempt_id: int):
    """Grade the attempt once (a second submit is 409); past the time limit and its grace
    it is graded as expired, on the answers saved in time."""
    attempt, course = _attempt_or_404(attempt_id, owner=True)
    user = current_user._get_current_object()
    quizzes.submit(db.session, user, course, attempt, body["answers"], now=now(), slack=_slack())
    result = present.result_body(
        db.session, attempt, wanted_content("lang"), source=course.source_language
    )
    return result
