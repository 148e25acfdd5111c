"""Courses through the API: catalogue, package import/export, review, lesson texts."""

from __future__ import annotations

from flask import abort, request, send_file
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from elearn.accounts.models import Network, Role
from elearn.accounts.permissions import roles_required
from elearn.api.blueprint import Blueprint, answer
from elearn.api.jobs import JobAccepted, accepted
from elearn.api.schemas import (
    BINARY,
    LANG,
    Issue,
    Number,
    PageArgs,
    UTCDateTime,
    page_body,
    page_schema,
    query,
    translatable,
)
from elearn.authoring import policy, reading, services
from elearn.authoring.models import Course, CourseStatus
from elearn.authoring.package.files import read_zip
from elearn.authoring.package.importer import check_package
from elearn.authoring.tasks import queue_import
from elearn.core.db import utcnow
from elearn.core.errors import problem
from elearn.core.pagination import paginate
from elearn.core.security import SAFE_METHODS
from elearn.core.text import fold
from elearn.extensions import db
from elearn.i18n.languages import CONTENT_LANGUAGES
from elearn.i18n.locale import wanted_content
from elearn.jobs.queue import get_queue
from elearn.learning import policy as learning_policy
from elearn.learning import services as learning
from elearn.media.storage import get_storage

blp = Blueprint("courses", __name__, description="Courses")
SECURED = {"security": [{"bearerAuth": []}]}


class CourseFilter(PageArgs):
    domain = fields.String(validate=validate.Length(max=32))
    network = fields.String(validate=validate.Length(max=32))
    q = fields.String(validate=validate.Length(max=200))


class ImportArgs(Schema):
    dry_run = fields.Boolean(load_default=False)
    publish = fields.Boolean(load_default=False)


class LessonPut(Schema):
    lang = fields.String(required=True, validate=validate.OneOf(CONTENT_LANGUAGES))
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    markdown = fields.String(required=True, validate=validate.Length(max=200_000))
    base_hash = fields.String(
        validate=validate.Length(max=64),
        metadata={
            "description": "The ``hash`` (or ``ETag``) of the version you edited: if someone "
            "saved that language since, the answer is 409 with the ``current`` text (an "
            "``If-Match`` header does the same). Without either, the last writer wins."
        },
    )


class ReturnArgs(Schema):
    comment = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class PublishArgs(Schema):
    revision = fields.String(
        validate=validate.Length(max=64),
        metadata={
            "description": "The revision you reviewed (``revision`` of GET /courses/{slug}): "
            "publication refuses with 409 if the course is no longer that one. Without it, "
            "the course is published if it is still what was submitted for review."
        },
    )


class CourseState(Schema):
    slug = fields.String()
    status = fields.String(metadata={"description": "draft, in_review, published or archived"})


class Competency(Schema):
    code = fields.String()
    title = translatable()


class CourseSummary(Schema):
    """What the catalogue says of a course: the published version, or the working copy for
    its authors (``authoring.reading.course_summary``)."""

    slug = fields.String()
    domain = fields.String()
    network = fields.String(metadata={"description": "The network's code."})
    status = fields.String(metadata={"description": "draft, in_review, published or archived"})
    title = translatable()
    summary = translatable()
    level = fields.String()
    estimated_hours = Number()
    languages = fields.List(fields.String())


class QuizSummary(Schema):
    title = translatable()
    pass_mark = fields.Integer()
    max_attempts = fields.Integer(allow_none=True)
    time_limit_minutes = fields.Integer(allow_none=True)
    question_count = fields.Integer()


class LessonOutline(Schema):
    slug = fields.String()
    title = translatable()
    kind = fields.String(metadata={"description": "theory or practical"})
    duration_minutes = fields.Integer(allow_none=True)
    languages = fields.List(fields.String())


class ModuleOutline(Schema):
    slug = fields.String()
    title = translatable()
    lessons = fields.List(fields.Nested(LessonOutline))
    quiz = fields.Nested(QuizSummary, allow_none=True)


class CourseDetail(CourseSummary):
    competencies = fields.List(fields.Nested(Competency))
    modules = fields.List(fields.Nested(ModuleOutline))
    revision = fields.String(
        metadata={"description": "Authors only: the working copy's revision (publish?revision=)."}
    )
    submitted_revision = fields.String(
        allow_none=True,
        metadata={"description": "Authors only: the revision waiting for review, else null."},
    )


class DryRun(Schema):
    valid = fields.Boolean()
    errors = fields.List(fields.Nested(Issue))
    warnings = fields.List(fields.Nested(Issue))


class LessonRef(Schema):
    module = fields.String()
    lesson = fields.String()


class LessonOut(Schema):
    """A lesson for one reader in one language (``authoring.reading.lesson_view``)."""

    title = fields.String()
    lang = fields.String(metadata={"description": "The language the text is in."})
    requested_lang = fields.String(metadata={"description": "The language asked for."})
    html = fields.String(metadata={"description": "Rendered and sanitised at save time."})
    dir = fields.String(metadata={"description": "ltr or rtl, for lang"})
    languages = fields.List(fields.String())
    kind = fields.String(metadata={"description": "theory or practical"})
    duration_minutes = fields.Integer(allow_none=True)
    competencies = fields.List(fields.String(), metadata={"description": "Competency codes."})
    equipment = fields.List(fields.String())
    equipment_lang = fields.String(
        allow_none=True, metadata={"description": "The language the equipment list is in."}
    )
    safety = fields.String(allow_none=True)
    safety_lang = fields.String(
        allow_none=True, metadata={"description": "The language the safety note is in."}
    )
    previous = fields.Nested(LessonRef, allow_none=True)
    next = fields.Nested(LessonRef, allow_none=True)
    completed = fields.Boolean(metadata={"description": "Whether the caller completed it."})
    hash = fields.String(
        allow_none=True,
        metadata={
            "description": "Authors: the version of this language's working copy (also the "
            "``ETag``), to send back with PUT as ``base_hash`` or ``If-Match``."
        },
    )


class Enrolment(Schema):
    course = fields.String(metadata={"description": "The course's slug."})
    enrolled_at = UTCDateTime()


class CourseProgress(Schema):
    course_progress_percent = fields.Integer()


class TranslationRow(Schema):
    module = fields.String()
    lesson = fields.String()
    states = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Language → missing, stale or current"},
    )


class TranslationBoard(Schema):
    source_language = fields.String()
    languages = fields.List(fields.String())
    lessons = fields.List(fields.Nested(TranslationRow))


def _course_or_404(slug: str) -> Course:
    return policy.visible_course_or_404(db.session, current_user, slug)


def _authored_or_404(slug: str) -> Course:
    """A course the caller authors; a request that may change it holds it first
    (``services.lock``), so a publication never runs half-way through a change."""
    course = _course_or_404(slug)
    if not policy.may_author(current_user, course):
        abort(404 if course.published is None else 403)
    if request.method not in SAFE_METHODS:
        services.lock(db.session, course)
    return course


@blp.route("/courses", methods=["GET"])
@blp.arguments(CourseFilter, location="query")
@blp.response(200, page_schema(CourseSummary, "CoursePage"))
@blp.problems(401)
@blp.doc(**SECURED)
@login_required
def list_courses(args):
    """Published courses; authors and admins also see their drafts."""
    stmt = select(Course).where(policy.seen_by(current_user)).order_by(Course.slug)
    if args.get("domain"):
        stmt = stmt.where(Course.domain == args["domain"])
    if args.get("network"):
        stmt = stmt.join(Network).where(Network.code == args["network"].upper())
    if args.get("q"):
        stmt = stmt.where(Course.search_text.contains(fold(args["q"])))
    page = paginate(db.session, stmt, args["page"], args["per_page"])
    items = [reading.course_summary(c, current_user) for c in page.items]
    return page_body(page) | {"items": items}


@blp.route("/courses/import", methods=["POST"])
@blp.arguments(ImportArgs, location="query")
@blp.response(
    202,
    JobAccepted,
    description="Accepted: the import runs as a job (``Location``: the job). When it is done "
    "its ``result`` is the import's answer, ``{slug, status, warnings}``, all or "
    "nothing",
    headers={"Location": {"description": "/api/v1/jobs/{id}", "schema": {"type": "string"}}},
)
@blp.alt_response(200, schema=DryRun, description="dry_run: what an import would say", success=True)
@blp.problems(
    401,
    403,
    413,
    422,
    {503: "The job queue does not answer: nothing was kept, try again after Retry-After"},
)
@blp.doc(
    **SECURED,
    requestBody={
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": BINARY}, "required": ["file"]}
            }
        }
    },
)
@roles_required(Role.EXPERT, Role.ADMIN)
def import_package(args):
    """Validate (``dry_run``, synchronous) or import a package .zip sent as multipart
    ``file``. The structure and the caller's rights are checked at once (422, 403); the
    import itself runs in a job: poll ``GET /api/v1/jobs/{id}``."""
    upload = request.files.get("file")
    if upload is None:
        return problem(
            422,
            _l("Send the package as a multipart field named file (.zip)."),
            errors=[{"path": "file", "message": str(_l("This field is required."))}],
        )
    if args["publish"] and not current_user.is_admin:
        abort(403)
    filename = (upload.filename or "course.zip").rsplit("/", 1)[-1]
    name = filename.removesuffix(".zip")
    # the upload is read where werkzeug spooled it; the job renders and imports
    with read_zip(upload.stream, default_name=name) as pkg:
        report = check_package(db.session, pkg, render=False)
    errors = [i.as_dict() for i in report.errors]
    warnings = [i.as_dict() for i in report.warnings]
    if args["dry_run"]:
        return answer(DryRun, {"valid": report.valid, "errors": errors, "warnings": warnings})
    if not report.valid:
        return problem(422, _l("The package has errors; nothing was imported."), errors=errors)
    job = queue_import(
        db.session,
        get_queue(),
        get_storage(),
        upload.stream,
        filename=filename,
        report=report,
        actor=current_user,
        publish=args["publish"],
        now=utcnow(),
    )
    return accepted(job)


@blp.route("/courses/<slug>", methods=["GET"])
@blp.response(200, CourseDetail)
@blp.problems(401, 404)
@blp.doc(**SECURED)
@login_required
def get_course(slug: str):
    """The course outline: the working copy for its authors, the published one for others.
    Authors also get the working copy's ``revision`` (what ``publish?revision=`` takes) and
    ``submitted_revision`` (the one waiting for review, else null)."""
    course = _course_or_404(slug)
    draft = policy.may_author(current_user, course)
    body = reading.course_detail(course, draft=draft)
    if draft:
        body["revision"] = services.revision(db.session, course)
        body["submitted_revision"] = (
            course.submitted_revision if course.status == CourseStatus.IN_REVIEW else None
        )
    return body


@blp.route("/courses/<slug>/export", methods=["GET"])
@blp.response(200, BINARY, content_type="application/zip", description="The package .zip")
@blp.problems(401, 403, 404)
@blp.doc(**SECURED)
@login_required
def export_course(slug: str):
    """The course as a package .zip that imports back to the same course."""
    from elearn.authoring.package.exporter import course_zip_file

    course = _authored_or_404(slug)
    return send_file(
        course_zip_file(db.session, course, get_storage()),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{course.slug}.zip",
    )


@blp.route("/courses/<slug>/submit", methods=["POST"])
@blp.response(200, CourseState)
@blp.problems(
    401,
    {
        403: "Not an author of this course",
        404: "No such course, or not yours",
        409: "Archived, or this revision is already in review",
    },
)
@blp.doc(**SECURED)
@login_required
def submit(slug: str):
    """Send this revision of the working copy for review (authors); again when a course in
    review changed since it was submitted."""
    course = _authored_or_404(slug)
    services.submit_for_review(db.session, course, current_user, utcnow())
    return course


@blp.route("/courses/<slug>/publish", methods=["POST"])
@blp.arguments(PublishArgs, location="query")
@blp.response(200, CourseState)
@blp.problems(
    401,
    {
        403: "Only administrators publish",
        404: "No such course",
        409: "Not in review, changed since it was submitted, not the revision given, or "
        "sign-offs its network requires are missing (``missing`` lists their roles)",
    },
)
@blp.doc(**SECURED)
@roles_required(Role.ADMIN)
def publish(args, slug: str):
    """Publish exactly what was reviewed (admins): the course must be in review and
    unchanged since it was submitted (and, with ``revision``, be that revision), with every
    sign-off its network requires given on that revision."""
    course = _course_or_404(slug)
    services.publish(db.session, course, current_user, utcnow(), revision_seen=args.get("revision"))
    return course


@blp.route("/courses/<slug>/return", methods=["POST"])
@blp.arguments(ReturnArgs)
@blp.response(200, CourseState)
@blp.problems(401, 403, 404, {409: "Not in review"})
@blp.doc(**SECURED)
@roles_required(Role.ADMIN)
def send_back(body, slug: str):
    """Send a course in review back to its authors with a comment (admins)."""
    course = _course_or_404(slug)
    services.return_to_author(db.session, course, current_user, utcnow(), body["comment"])
    return course


@blp.route("/courses/<slug>/modules/<module>/lessons/<lesson>", methods=["GET"])
@blp.response(200, LessonOut)
@blp.problems(401, {403: "Not enrolled in the course"}, 404)
@blp.doc(**SECURED, parameters=[LANG, query("version", "published: what trainees read (authors)")])
@login_required
def get_lesson(slug: str, module: str, lesson: str):
    """A lesson in ``?lang=`` (else the reader's language), saying which language it is in."""
    course = _course_or_404(slug)
    if not learning_policy.may_read_course(db.session, current_user, course):
        return problem(403, _l("Enrol in the course to read its lessons."))
    draft = policy.may_author(current_user, course) and request.args.get("version") != "published"
    found = reading.find_lesson(course, module, lesson, draft=draft)
    if found is None:
        abort(404)
    view = reading.lesson_view(course, found, wanted_content("lang"), draft=draft)
    view["completed"] = bool(learning.completed_ids(db.session, current_user, [found.lesson.id]))
    if not draft:
        return view
    return _versioned(view, found, view["lang"])


def _versioned(view: dict, found, lang: str):
    """An author's lesson with the version of its text, in the body and as the ETag."""
    view["hash"] = services.text_hash(found.lesson.content(lang))
    return view, 200, {"ETag": f'"{view["hash"]}"'}


def _if_match() -> str | None:
    """The version named by ``If-Match`` (one strong or weak tag; ``*``: any, not a check)."""
    value = (request.headers.get("If-Match") or "").strip()
    if not value or value == "*":
        return None
    return value.removeprefix("W/").strip('"')


@blp.route("/courses/<slug>/modules/<module>/lessons/<lesson>", methods=["PUT"])
@blp.arguments(LessonPut)
@blp.response(
    200,
    LessonOut,
    description="The saved working copy, in that language",
    headers={"ETag": {"description": "The saved version", "schema": {"type": "string"}}},
)
@blp.problems(
    401,
    403,
    404,
    {
        409: "Someone saved this language since the version named by ``base_hash`` or "
        "``If-Match``: nothing was saved; ``current`` holds their {title, markdown, hash}"
    },
    422,
)
@blp.doc(
    **SECURED,
    parameters=[
        {
            "in": "header",
            "name": "If-Match",
            "schema": {"type": "string"},
            "description": "The ETag of GET: refuse (409) if the text changed since.",
        }
    ],
)
@login_required
def put_lesson(body, slug: str, module: str, lesson: str):
    """Save one language version of a lesson in the working copy (authors); with
    ``base_hash`` or ``If-Match``, only if nobody saved it since (else 409)."""
    course = _authored_or_404(slug)
    found = reading.find_lesson(course, module, lesson, draft=True)
    if found is None:
        abort(404)
    if body["lang"] not in course.languages:
        return problem(
            422,
            _l("This course is not offered in that language."),
            errors=[{"path": "lang", "message": str(_l("Not a course language."))}],
        )
    try:
        services.edit_lesson(
            db.session,
            course,
            found,
            body["lang"],
            title=body["title"],
            markdown=body["markdown"],
            user=current_user,
            now=utcnow(),
            base=body.get("base_hash") or _if_match(),
        )
    except services.EditConflictError as exc:
        theirs = exc.current
        return problem(
            409,
            exc.message,
            errors=[{"path": "markdown", "message": str(exc.message)}],
            extra={
                "current": {
                    "title": theirs.title if theirs else "",
                    "markdown": theirs.markdown if theirs else "",
                    "hash": services.text_hash(theirs),
                }
            },
        )
    view = reading.lesson_view(course, found, body["lang"], draft=True)
    return _versioned(view, found, body["lang"])


@blp.route("/courses/<slug>/enrolment", methods=["POST"])
@blp.response(201, Enrolment, description="Enrolled")
@blp.alt_response(200, schema=Enrolment, description="Already enrolled", success=True)
@blp.problems(401, {403: "The course is not open for enrolment"}, 404)
@blp.doc(**SECURED)
@login_required
def enrol(slug: str):
    """Enrol in an open course (idempotent: 201 the first time, 200 after)."""
    course = _course_or_404(slug)
    row, created = learning.enrol(db.session, current_user, course, now=utcnow())
    return {"course": course.slug, "enrolled_at": row.created_at}, 201 if created else 200


@blp.route("/courses/<slug>/modules/<module>/lessons/<lesson>/complete", methods=["POST"])
@blp.response(200, CourseProgress)
@blp.problems(401, {403: "Not enrolled in the course"}, 404)
@blp.doc(**SECURED)
@login_required
def complete_lesson(slug: str, module: str, lesson: str):
    """Record a completion (idempotent) and answer the course's progress."""
    course = _course_or_404(slug)
    found = reading.find_lesson(course, module, lesson, draft=False)
    if found is None:
        abort(404)
    done = learning.complete_lesson(db.session, current_user, course, found.lesson, now=utcnow())
    return {"course_progress_percent": done}


@blp.route("/courses/<slug>/translations", methods=["GET"])
@blp.response(200, TranslationBoard)
@blp.problems(401, 403, 404)
@blp.doc(**SECURED)
@login_required
def translations(slug: str):
    """Per lesson and language: missing, stale or current (authors, admins)."""
    course = _authored_or_404(slug)
    return reading.translation_board(course)
