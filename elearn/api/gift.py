"""A module's questions as GIFT through the API: import (append) and export."""

from __future__ import annotations

from flask import Response, abort, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from marshmallow import Schema, fields

from elearn.api.blueprint import Blueprint
from elearn.api.courses import _authored_or_404
from elearn.api.schemas import BINARY, query
from elearn.authoring import questions
from elearn.authoring.models import Course
from elearn.authoring.package.gift import MAX_CHARS
from elearn.core.db import utcnow
from elearn.core.errors import problem
from elearn.extensions import db

blp = Blueprint("gift", __name__, description="Quiz questions as GIFT (Moodle)")
SECURED = {"security": [{"bearerAuth": []}]}
PATH = "/courses/<slug>/modules/<module>/quiz/gift"
GIFT_LANG = query(
    "lang",
    "The language the GIFT text is written in (a course language); default: the "
    "course's source language.",
)
DRY_RUN = query("dry_run", "true: only say what would be imported.", "boolean")


class LineError(Schema):
    line = fields.Integer(metadata={"description": "1-based line where the question starts"})
    message = fields.String()


class GiftReport(Schema):
    imported = fields.Integer(
        metadata={"description": "Questions appended (or, on a dry run, that would be)"}
    )
    errors = fields.List(fields.Nested(LineError))
    into = fields.String(
        metadata={
            "description": "quiz, or bank when the quiz draws from the course's question bank"
        }
    )


def _module_or_404(course: Course, slug: str):
    module = next((m for m in course.modules if m.slug == slug and m.archived_at is None), None)
    if module is None:
        abort(404)
    return module


def _lang(course: Course):
    lang = request.args.get("lang") or course.source_language
    if lang not in course.languages:
        return None, problem(
            422,
            _l("This course is not offered in that language."),
            errors=[{"path": "lang", "message": str(_l("Not a course language."))}],
        )
    return lang, None


@blp.route(PATH, methods=["POST"])
@login_required
@blp.response(
    200,
    GiftReport,
    description="Read: the questions appended, and every question "
    "it could not read as `line: message`",
)
@blp.problems(
    401,
    403,
    404,
    {413: "Larger than 2 MB"},
    {
        422: "Nothing could be read (the "
        "problem's errors carry line and message), or not a course language"
    },
)
@blp.doc(
    **SECURED,
    parameters=[GIFT_LANG, DRY_RUN],
    requestBody={"content": {"text/plain": {"schema": {"type": "string"}}}, "required": True},
)
def import_gift(slug: str, module: str):
    """Append the questions of a GIFT text (multiple choice, multiple answers, true/false,
    short answer, numeric with tolerance, matching; ``$CATEGORY`` become tags) to the
    module's quiz — or to the course's bank when the quiz draws from it."""
    course = _authored_or_404(slug)
    parent = _module_or_404(course, module)
    lang, refused = _lang(course)
    if refused is not None:
        return refused
    raw = request.stream.read(4 * MAX_CHARS + 1)  # UTF-8: four bytes a character at most
    if len(raw) > 4 * MAX_CHARS:
        return problem(413, _l("The file is larger than 2 MB: split it into several files."))
    dry_run = request.args.get("dry_run", "").lower() in {"1", "true", "yes"}
    report = questions.import_gift(
        db.session, course, parent, raw, lang=lang, now=utcnow(), dry_run=dry_run
    )
    if not report.imported and report.errors:
        return problem(
            422,
            _l("No question could be read: nothing was imported."),
            errors=[{"path": f"line {e['line']}", **e} for e in report.errors],
        )
    return {"imported": report.imported, "errors": report.errors, "into": report.into}


@blp.route(PATH, methods=["GET"])
@login_required
@blp.response(
    200,
    BINARY,
    content_type="text/plain",
    description="The questions "
    "as GIFT; ordering questions, which GIFT cannot express, are listed in a comment "
    "at the top",
)
@blp.problems(401, 403, 404, 422)
@blp.doc(
    **SECURED,
    parameters=[query("lang", "The language to write (default: the course's source language).")],
)
def export_gift(slug: str, module: str):
    """The module's quiz questions as GIFT, which imports back to the same questions."""
    course = _authored_or_404(slug)
    parent = _module_or_404(course, module)
    lang, refused = _lang(course)
    if refused is not None:
        return refused
    text, skipped = questions.export_gift(course, parent, lang=lang)
    if skipped:
        text = f"// not expressible in GIFT (ordering): {', '.join(skipped)}\n\n{text}"
    return Response(
        text,
        mimetype="text/plain",
        headers={
            "Content-Disposition": f'attachment; filename="{course.slug}-{parent.slug}.gift.txt"'
        },
    )
