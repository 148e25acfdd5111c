"""What changed in a course since its last publication, for the people who review it."""

from __future__ import annotations

from flask_login import current_user, login_required
from marshmallow import Schema, fields

from elearn.api.blueprint import Blueprint
from elearn.authoring import policy
from elearn.authoring.changes import as_api, course_changes
from elearn.authoring.models import Course
from elearn.extensions import db

blp = Blueprint("changes", __name__, description="Changes since the last publication")
SECURED = {"security": [{"bearerAuth": []}]}
CHANGE = "added, changed or removed"


class LessonChange(Schema):
    module = fields.String(metadata={"description": "The module's slug."})
    lesson = fields.String(metadata={"description": "The lesson's slug."})
    lang = fields.String(metadata={"description": "The language version."})
    change = fields.String(metadata={"description": CHANGE})
    title = fields.String(
        allow_none=True, metadata={"description": "The title now (null: removed)."}
    )
    old_title = fields.String(
        allow_none=True, metadata={"description": "The published title (null: added)."}
    )
    fields_ = fields.List(
        fields.String(),
        data_key="fields",
        attribute="fields",
        metadata={
            "description": "What changed: title, text, position, kind, duration_minutes, "
            "competencies, equipment, safety."
        },
    )
    moved_from = fields.String(
        allow_none=True,
        metadata={"description": "Added here, removed from this module (same lesson slug)."},
    )
    moved_to = fields.String(
        allow_none=True,
        metadata={"description": "Removed here, added to this module (same lesson slug)."},
    )


class SettingChange(Schema):
    field = fields.String()
    old = fields.Raw(allow_none=True, metadata={"description": "The published value."})
    new = fields.Raw(allow_none=True, metadata={"description": "The value now."})


class QuestionChange(Schema):
    key = fields.String(metadata={"description": "The question's id in quiz.yml."})
    change = fields.String(metadata={"description": CHANGE})
    fields_ = fields.List(
        fields.String(),
        data_key="fields",
        attribute="fields",
        metadata={"description": "What changed: type, points, tags, prompt, choices.a.text…"},
    )


class QuizChange(Schema):
    module = fields.String(
        allow_none=True,
        metadata={"description": "The module's slug; null for the course's question bank."},
    )
    change = fields.String(metadata={"description": CHANGE})
    bank = fields.Boolean(metadata={"description": "The course's question bank (module null)."})
    settings = fields.List(fields.Nested(SettingChange))
    reordered = fields.Boolean(metadata={"description": "The questions kept are in a new order."})
    questions = fields.List(fields.Nested(QuestionChange))


class ModuleChange(Schema):
    module = fields.String(metadata={"description": "The module's slug."})
    change = fields.String(metadata={"description": CHANGE})
    title = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        allow_none=True,
        metadata={"description": "The title per language now (null: removed)."},
    )
    fields_ = fields.List(
        fields.String(),
        data_key="fields",
        attribute="fields",
        metadata={"description": "What changed: title, summary, position."},
    )


class CourseChanges(Schema):
    settings = fields.List(
        fields.Nested(SettingChange),
        metadata={"description": "The course's settings (title, summary, level…), old → new."},
    )
    modules = fields.List(fields.Nested(ModuleChange))
    lessons = fields.List(fields.Nested(LessonChange))
    quizzes = fields.List(fields.Nested(QuizChange))


def _reviewable_or_404(slug: str) -> Course:
    """A course whose changes the caller may see: its authors, its network's reviewers and
    admins; 404 for anyone else, whether the course exists or not."""
    return policy.reviewed_course_or_404(db.session, current_user, slug)


@blp.route("/courses/<slug>/changes", methods=["GET"])
@login_required
@blp.response(
    200,
    CourseChanges,
    description="Per lesson and language, and per quiz (the bank as module null): added, "
    "changed or removed since the last publication; both lists empty right after one. A "
    "course never published has everything added.",
)
@blp.problems(401, 404)
@blp.doc(**SECURED)
def course_changes_api(slug: str):
    """What the next publication would change for trainees."""
    course = _reviewable_or_404(slug)
    return as_api(course_changes(db.session, course))
