"""A module's quiz as JSON for its authors: read it, and replace it whole (``PUT``), checked
as the Studio's forms are (each problem on its field, missing translations as warnings)."""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from marshmallow import Schema, fields

from elearn.api.blueprint import Blueprint
from elearn.api.courses import _authored_or_404
from elearn.authoring import services
from elearn.authoring.models import Course
from elearn.authoring.package.exporter import bank_data, quiz_data
from elearn.authoring.package.importer import apply_quiz
from elearn.authoring.package.quizcheck import check_bank_data, check_quiz_data
from elearn.core.db import utcnow
from elearn.core.errors import problem
from elearn.extensions import db

blp = Blueprint("quizedit", __name__, description="A module's quiz, as its authors write it")
SECURED = {"security": [{"bearerAuth": []}]}
PATH = "/courses/<slug>/modules/<module>/quiz"
TEXTS = {"description": "Text per language, e.g. {fr: …, ar: …}"}


class DrawRow(Schema):
    tag = fields.String()
    count = fields.Integer()


class QuizFields(Schema):
    """The package's quiz.yml fields (docs/course-format.md); the checker, not this schema,
    says what is wrong in them, each problem with its path. Any other field is refused."""

    title = fields.Raw(metadata=TEXTS)
    pass_mark = fields.Raw(metadata={"description": "Percent needed to pass (0–100), default 70"})
    max_attempts = fields.Raw(metadata={"description": "0: unlimited (default)"})
    time_limit_minutes = fields.Raw(metadata={"description": "Minutes per attempt; absent: none"})
    shuffle = fields.Raw(metadata={"description": "true: questions and choices mixed per attempt"})
    draw = fields.Raw(metadata={"description": "[{tag, count}] drawn from the course's bank"})
    questions = fields.Raw(
        metadata={
            "description": "[{id, type, points, prompt, feedback, competencies, tags, and per "
            "type: choices | answer, tolerance | accept | pairs | items}]"
        }
    )


class PathMessage(Schema):
    path = fields.String(metadata={"description": "e.g. questions[2].prompt.ar"})
    message = fields.String()


class QuizOut(Schema):
    title = fields.Dict(keys=fields.String(), values=fields.String(), metadata=TEXTS)
    pass_mark = fields.Integer()
    max_attempts = fields.Integer()
    time_limit_minutes = fields.Integer(allow_none=True)
    shuffle = fields.Boolean()
    draw = fields.List(fields.Nested(DrawRow))
    questions = fields.List(fields.Dict(), metadata={"description": "As quiz.yml writes them"})
    warnings = fields.List(
        fields.Nested(PathMessage), metadata={"description": "e.g. a missing translation"}
    )


def _module_or_404(course: Course, slug: str):
    module = next((m for m in course.modules if m.slug == slug and m.archived_at is None), None)
    return module or abort(404)


def _has_quiz(module) -> bool:
    return module.quiz is not None and module.quiz.archived_at is None


def _per_field(issues) -> list[dict]:
    """One entry per field, its messages together."""
    out: dict[str, list[str]] = {}
    for issue in issues:
        out.setdefault(issue.field or "", []).append(str(issue.message))
    return [{"path": path, "message": " · ".join(messages)} for path, messages in out.items()]


@blp.route(PATH, methods=["GET"])
@login_required
@blp.response(200, QuizOut, description="The working quiz, with what is left to translate")
@blp.problems(401, 403, {404: "No such module, not an author, or the module has no quiz"})
@blp.doc(**SECURED)
def get_quiz(slug: str, module: str):
    """The module's working quiz in the package's fields (what ``PUT`` takes back)."""
    course = _authored_or_404(slug)
    parent = _module_or_404(course, module)
    if not _has_quiz(parent):
        abort(404)
    data = quiz_data(parent)
    issues = check_quiz_data(data, course, bank=_bank(course))[1]
    return {**data, "warnings": _per_field(i for i in issues if i.level == "warning")}


@blp.route(PATH, methods=["PUT"])
@login_required
@blp.arguments(QuizFields)
@blp.response(200, QuizOut, description="Saved: the quiz as stored, and its warnings")
@blp.problems(
    401,
    403,
    404,
    {422: "Not saved: errors has one entry per field (path like questions[2].prompt.ar)"},
)
@blp.doc(**SECURED)
def put_quiz(body, slug: str, module: str):
    """Replace the module's quiz (created if the module had none): questions keep their
    identity by id, so their statistics stay with them."""
    course = _authored_or_404(slug)
    parent = _module_or_404(course, module)
    doc, issues = check_quiz_data(body, course, bank=_bank(course))
    if doc is None:
        return problem(
            422,
            _l("The quiz was not saved: correct each field listed."),
            errors=_per_field(i for i in issues if i.level == "error"),
        )
    apply_quiz(db.session, course, parent, doc, utcnow())
    services.touched(course, utcnow())
    db.session.flush()
    db.session.expire(parent.quiz, ["questions"])  # read back in their new order
    data = quiz_data(parent)
    return {**data, "warnings": _per_field(i for i in issues if i.level == "warning")}


def _bank(course):
    return check_bank_data(bank_data(course), course)[0] if course.bank is not None else None
