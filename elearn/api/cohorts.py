"""Cohorts through the API: create, add members (JSON or the secretariat's CSV), progress
as JSON or a spreadsheet, and item statistics. Cohorts the caller may not manage are 404."""

from __future__ import annotations

from flask import abort, request, send_file
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from elearn.accounts import services as accounts
from elearn.accounts.models import User
from elearn.accounts.welcome import send_links
from elearn.api.blueprint import Blueprint
from elearn.api.courses import _course_or_404
from elearn.api.jobs import JobAccepted, accepted
from elearn.api.schemas import (
    BINARY,
    XLSX,
    Number,
    PageArgs,
    UTCDateTime,
    page_body,
    page_schema,
    query,
)
from elearn.authoring import policy as authoring_policy
from elearn.authoring import services as authoring
from elearn.authoring.models import Course
from elearn.cohorts import actions, dashboard, insight, members, policy, tasks
from elearn.cohorts import services as cohorts
from elearn.cohorts.csvimport import parse_members
from elearn.cohorts.models import Cohort
from elearn.cohorts.sheets import KINDS, chosen_course, export_response, pick_course
from elearn.core.clock import now
from elearn.core.db import MAX_ROW_ID
from elearn.core.errors import problem
from elearn.core.pagination import page_of
from elearn.extensions import db
from elearn.i18n.languages import INTERFACE_LANGUAGES
from elearn.jobs.queue import get_queue
from elearn.media.storage import get_storage

blp = Blueprint("cohorts_api", __name__, description="Cohorts")
SECURED = {"security": [{"bearerAuth": []}]}


class CohortIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    centre = fields.String(required=True, validate=validate.Length(max=32))
    courses = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True, load_default=None)
    trainers = fields.List(
        fields.String(validate=validate.Length(max=254)),
        load_default=list,
        metadata={"description": "E-mails of the trainers (the creator is added when a trainer)."},
    )


class MembersIn(Schema):
    emails = fields.List(fields.Raw(), required=True, validate=validate.Length(max=5000))


class ExportIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    course = fields.String(
        load_default=None,
        validate=validate.Length(max=64),
        metadata={"description": "The course's slug (default: the cohort's first by slug)"},
    )
    lang = fields.String(
        load_default=None,
        validate=validate.OneOf(INTERFACE_LANGUAGES),
        metadata={
            "description": "ar: an Arabic, right-to-left sheet (default: ?lang=, else "
            "your language)"
        },
    )


class StatsArgs(Schema):
    cohort = fields.Integer(validate=validate.Range(min=1, max=MAX_ROW_ID))


class CohortOut(Schema):
    id = fields.Integer()
    name = fields.String()
    centre = fields.String(metadata={"description": "The centre's code."})
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    archived = fields.Boolean()
    courses = fields.List(fields.String(), metadata={"description": "Course slugs."})
    trainers = fields.List(fields.String(), metadata={"description": "Trainers' e-mails."})
    members = fields.Integer(metadata={"description": "How many trainees."})


class CohortList(Schema):
    items = fields.List(fields.Nested(CohortOut))
    total = fields.Integer()


class CohortCreated(Schema):
    id = fields.Integer()


class MemberError(Schema):
    row = fields.Integer(metadata={"description": "1-based row of the list or CSV."})
    email = fields.String()
    message = fields.String()


class MembersAdded(Schema):
    added = fields.List(fields.String(), metadata={"description": "E-mails added."})
    already_members = fields.List(fields.String())
    created_accounts = fields.List(fields.String())
    errors = fields.List(fields.Nested(MemberError))
    emails_not_sent = fields.Integer(
        metadata={
            "description": "Always 0: the new accounts' link e-mails are sent by a job, "
            "which tries again while the mail server is down."
        }
    )


class ModuleColumn(Schema):
    """A module of the grid (``authoring.published.PublishedModule``)."""

    slug = fields.String()
    quiz = fields.Function(
        lambda m: m.quiz_id is not None,
        metadata={"type": "boolean", "description": "Whether the module has a quiz."},
    )


class ModuleCell(Schema):
    module = fields.String()
    status = fields.String(metadata={"description": "not_started, in_progress or complete"})
    lessons_completed = fields.Integer(attribute="done")
    best_quiz_percent = Number(attribute="best_percent", allow_none=True)
    attempts = fields.Integer()


class TraineeProgress(Schema):
    user_id = fields.Integer()
    email = fields.String()
    name = fields.String()
    percent = fields.Integer()
    last_activity = UTCDateTime(allow_none=True)
    completed = fields.Boolean()
    needs_attention = fields.List(
        fields.String(), metadata={"description": "inactive, failed_last or exhausted"}
    )
    modules = fields.List(fields.Nested(ModuleCell))


class CohortSummary(Schema):
    members = fields.Integer()
    enrolled = fields.Integer()
    started = fields.Integer()
    completed = fields.Integer()
    average_quiz_percent = Number(allow_none=True)


class CourseGrid(Schema):
    course = fields.String()
    modules = fields.List(fields.Nested(ModuleColumn))
    summary = fields.Nested(CohortSummary)
    trainees = fields.List(fields.Nested(TraineeProgress))


class CohortProgress(Schema):
    cohort = fields.Integer()
    courses = fields.List(fields.Nested(CourseGrid))


class WrongAnswer(Schema):
    value = fields.Raw(metadata={"description": "As most trainees wrote it."})
    count = fields.Integer()


class QuestionStats(Schema):
    id = fields.String(attribute="key")
    type = fields.String()
    attempts = fields.Integer()
    percent_correct = Number(allow_none=True)
    discrimination = Number(allow_none=True, metadata={"description": "Kelley's D, -1 to 1"})
    most_chosen_wrong = fields.Nested(WrongAnswer, attribute="top_wrong", allow_none=True)


class QuizItems(Schema):
    module = fields.String(attribute="module.slug")
    trainees = fields.Integer(metadata={"description": "Trainees with a finished attempt."})
    questions = fields.List(fields.Nested(QuestionStats))


class QuizStats(Schema):
    course = fields.String()
    cohort = fields.Integer(allow_none=True, metadata={"description": "The cohort asked for."})
    quizzes = fields.List(
        fields.Nested(QuizItems), metadata={"description": "``cohorts.insight.items``"}
    )


ARCHIVED = query("archived", "true: the archived cohorts instead of the current ones", "boolean")
SHEET_COURSE = query("course", "The course's slug (default: the cohort's first by slug)")
SHEET_LANG = query("lang", "ar: an Arabic, right-to-left sheet")


def _cohort_or_404(cohort_id: int) -> Cohort:
    return policy.cohort_or_404(db.session, current_user, cohort_id)


def _body(cohort: Cohort) -> dict:
    courses = db.session.scalars(select(Course).where(Course.id.in_(cohort.course_ids))).all()
    trainers = db.session.scalars(select(User).where(User.id.in_(cohort.trainer_ids))).all()
    return {
        "id": cohort.id,
        "name": cohort.name,
        "centre": cohort.centre.code,
        "starts_on": cohort.starts_on,
        "ends_on": cohort.ends_on,
        "archived": cohort.archived_at is not None,
        "courses": sorted(c.slug for c in courses),
        "trainers": sorted(t.email for t in trainers),
        "members": len(cohorts.member_ids(db.session, cohort)),
    }


@blp.route("/cohorts", methods=["GET"])
@blp.response(200, CohortList)
@blp.problems(401)
@blp.doc(**SECURED, parameters=[ARCHIVED])
@login_required
def list_cohorts():
    """The cohorts you manage (trainers: your centre's and those you are listed on)."""
    archived = request.args.get("archived") in ("1", "true")
    found = db.session.scalars(cohorts.visible_query(current_user, archived=archived)).all()
    return {"items": [_body(c) for c in found], "total": len(found)}


@blp.route("/cohorts", methods=["POST"])
@blp.arguments(CohortIn)
@blp.response(201, CohortCreated)
@blp.problems(401, {403: "Only trainers and administrators create cohorts"})
@blp.doc(**SECURED)
@login_required
def create(body):
    """Create a cohort (trainers: for their own centre); its members join its courses."""
    if not (current_user.is_admin or policy.is_trainer(current_user)):
        return problem(403, _l("Only trainers and administrators create cohorts."))
    courses, missing = [], []
    for slug in body["courses"]:
        course = authoring.course_by_slug(db.session, slug)
        (courses if course is not None else missing).append(course or slug)
    found = {e: accounts.find_user(db.session, e) for e in body["trainers"]}
    unknown = [e for e, user in found.items() if user is None]
    # only an admin learns which e-mails have no account (cohorts.services.trainer_refused)
    if missing or (unknown and current_user.is_admin):
        errors = [{"path": "courses", "message": f"{s}: ?"} for s in missing] + [
            {"path": "trainers", "message": f"{e}: ?"} for e in unknown if current_user.is_admin
        ]
        return problem(422, _l("Some courses or trainers do not exist."), errors=errors)
    fields_ = cohorts.CohortFields(
        name=body["name"],
        centre=accounts.centre_by_code_or_none(db.session, body["centre"]),
        starts_on=body["starts_on"],
        ends_on=body["ends_on"],
        courses=courses,
        trainers=[user for user in found.values() if user is not None],
        unknown_trainers=unknown,
    )
    cohort = cohorts.create_cohort(db.session, current_user, fields_, now=now())
    return cohort


@blp.route("/cohorts/<int:cohort_id>", methods=["GET"])
@blp.response(200, CohortOut)
@blp.problems(401, 404)
@blp.doc(**SECURED)
@login_required
def get(cohort_id: int):
    """A cohort: name, centre, dates, courses, trainers and how many members."""
    return _body(_cohort_or_404(cohort_id))


@blp.route("/cohorts/<int:cohort_id>/members", methods=["POST"])
@blp.response(200, MembersAdded)
@blp.problems(401, 404, 413, {422: "Neither a JSON list of e-mails nor a CSV"})
@blp.doc(
    **SECURED,
    requestBody={
        "content": {
            "application/json": {"schema": MembersIn},
            "text/csv": {"schema": {"type": "string"}},
        }
    },
)
@login_required
def add_members(cohort_id: int):
    """Add trainees by e-mail (JSON) or from a CSV (email, name, locale); missing accounts
    are created and sent a one-time link to choose a password. Idempotent."""
    cohort = _cohort_or_404(cohort_id)
    if request.mimetype == "text/csv":
        parsed = parse_members(request.get_data())
    else:
        try:  # a body with unstorable text is refused by the JSON reader itself (422)
            payload = request.get_json()
        except (BadRequest, UnsupportedMediaType):  # not JSON: said below; 413 goes through
            payload = None
        loaded = MembersIn().validate(payload) if isinstance(payload, dict) else {"_": ""}
        if loaded:
            return problem(422, _l('Send {"emails": [...]} as JSON, or the list as text/csv.'))
        parsed = members.rows_from_emails(payload["emails"])
    report = members.apply(
        db.session,
        current_user,
        cohort,
        parsed,
        now=now(),
    )
    send_links(db.session, get_queue(), report.new_accounts, now=now(), owner_id=current_user.id)
    return {**vars(report), "errors": report.errors, "emails_not_sent": 0}


@blp.route("/cohorts/<int:cohort_id>/progress", methods=["GET"])
@blp.response(200, CohortProgress)
@blp.problems(401, 404)
@blp.doc(**SECURED)
@login_required
def progress(cohort_id: int):
    """Per course and trainee: percent, each module's status and best quiz percent, last
    activity, and what needs attention."""
    cohort = _cohort_or_404(cohort_id)
    courses = db.session.scalars(select(Course).where(Course.id.in_(cohort.course_ids))).all()
    out = []
    for course in sorted(courses, key=lambda c: c.slug):
        modules, rows = dashboard.grid(db.session, cohort, course, now=now())
        out.append(
            {
                "course": course.slug,
                "modules": modules,
                "summary": dashboard.summary(rows),
                "trainees": [_trainee(modules, r) for r in rows],
            }
        )
    return {"cohort": cohort.id, "courses": out}


def _trainee(modules, row) -> dict:
    """A row of the grid with each cell named by its module (``TraineeProgress``)."""
    return {
        "user_id": row.user_id,
        "email": row.email,
        "name": row.name,
        "percent": row.percent,
        "last_activity": row.last_activity,
        "completed": row.completed_at is not None,
        "needs_attention": row.flags,
        "modules": [
            {
                "module": m.slug,
                "status": c.status,
                "done": c.done,
                "best_percent": c.best_percent,
                "attempts": c.attempts,
            }
            for m, c in zip(modules, row.cells, strict=True)
        ],
    }


@blp.route("/cohorts/<int:cohort_id>/progress.<any(csv, xlsx):kind>", methods=["GET"])
@blp.response(200, BINARY, content_type="text/csv", description="progress.csv")
@blp.alt_response(200, schema=BINARY, content_type=XLSX, description="progress.xlsx", success=True)
@blp.problems(401, 404)
@blp.doc(**SECURED, parameters=[SHEET_COURSE, SHEET_LANG])
@login_required
def progress_sheet(cohort_id: int, kind: str):
    """The grid as CSV (UTF-8 with BOM, ``;``) or XLSX; ``?course=`` picks the course
    (default: the first by slug); ``?lang=ar`` writes an Arabic, right-to-left sheet."""
    cohort = _cohort_or_404(cohort_id)
    _courses, course = chosen_course(cohort)
    if course is None:
        abort(404)
    return export_response(cohort, course, kind)


@blp.route("/cohorts/<int:cohort_id>/exports", methods=["POST"])
@blp.arguments(ExportIn)
@blp.response(
    202,
    JobAccepted,
    description="Accepted: the sheet is written by a job (``Location``: the job). When it "
    "is done its ``result`` is ``{filename, bytes, url}``; ``url`` downloads the file",
    headers={"Location": {"description": "/api/v1/jobs/{id}", "schema": {"type": "string"}}},
)
@blp.problems(
    401,
    404,
    422,
    {503: "The job queue does not answer: nothing was kept, try again after Retry-After"},
)
@blp.doc(**SECURED)
@login_required
def request_export(body, cohort_id: int):
    """The grid as CSV or XLSX written by a job, for cohorts of any size (the same file
    as ``progress.csv|xlsx``): poll ``GET /api/v1/jobs/{id}`` until it is done."""
    cohort = _cohort_or_404(cohort_id)
    _courses, course = pick_course(cohort, body["course"])
    if course is None:
        abort(404)
    job = tasks.queue_export(
        db.session,
        get_queue(),
        actor=current_user,
        cohort=cohort,
        course=course,
        kind=body["kind"],
        lang=body["lang"],
        now=now(),
    )
    return accepted(job)


@blp.route("/jobs/<int:job_id>/download", methods=["GET"])
@blp.response(200, BINARY, content_type="text/csv", description="An export's .csv")
@blp.alt_response(
    200, schema=BINARY, content_type=XLSX, description="An export's .xlsx", success=True
)
@blp.problems(401, 404, {410: "The file is no longer kept: ask for the export again"})
@blp.doc(**SECURED)
@login_required
def download_export(job_id: int):
    """The file of a finished export job (what ``result.url`` gives a signed-in browser),
    for its owner while they manage the cohort, and admins."""
    storage = get_storage()
    stored = tasks.downloadable(db.session, storage, job_id, current_user)
    if stored is None:
        abort(404)
    key, name, mimetype = stored
    return send_file(
        storage.open_stream(key), mimetype=mimetype, as_attachment=True, download_name=name
    )


@blp.route("/courses/<slug>/quiz-stats", methods=["GET"])
@blp.arguments(StatsArgs, location="query")
@blp.response(200, QuizStats)
@blp.problems(401, {403: "Neither an author nor a trainer of a cohort on it"}, 404)
@blp.doc(**SECURED)
@login_required
def quiz_stats(args, slug: str):
    """Per question: attempts, percent correct, discrimination (first attempts). Authors
    and admins see every trainee, anonymised; trainers name one of their cohorts."""
    course = _course_or_404(slug)
    cohort = None
    if "cohort" in args:
        cohort = _cohort_or_404(args["cohort"])
        if course.id not in cohort.course_ids:
            abort(404)
    elif not authoring_policy.may_author(current_user, course):
        if policy.is_trainer(current_user):
            return problem(
                422,
                _l("Name one of your cohorts: ?cohort=<id>."),
                errors=[{"path": "cohort", "message": str(_l("Required for trainers."))}],
            )
        abort(403)
    return {
        "course": course.slug,
        "cohort": cohort.id if cohort else None,
        "quizzes": insight.items(db.session, course, cohort=cohort),
    }


# -- the trainer's actions on one trainee ---------------------------------------------------


IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 64},
    "description": "Sent again with the same key (a retry), the action is not done twice: "
    "the answer is the first one's, with replayed: true",
}


class QuizActionIn(Schema):
    module = fields.String(required=True, validate=validate.Length(min=1, max=64))
    course = fields.String(
        load_default=None,
        validate=validate.Length(max=64),
        metadata={"description": "The course's slug, when several of the cohort's have the module"},
    )
    reason = fields.String(
        required=True,
        validate=validate.Length(max=actions.REASON_MAX),
        metadata={"description": "Why, kept with the action (up to 200 characters)"},
    )


class ExtraAttemptIn(QuizActionIn):
    """The contract's body is ``{module}`` (plus ``course``): the reason is welcome, not
    required."""

    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=actions.REASON_MAX),
        metadata={"description": "Why, kept with the action (up to 200 characters); optional"},
    )


class MessageIn(Schema):
    text = fields.String(
        required=True,
        validate=validate.Length(max=actions.MESSAGE_MAX),
        metadata={"description": "Plain text, up to 1,000 characters (shown escaped)"},
    )
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=actions.REASON_MAX),
        metadata={"description": "A note for the record, not sent to the trainee"},
    )


class RemovalIn(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(max=actions.REASON_MAX),
        metadata={"description": "Why, kept with the action (up to 200 characters)"},
    )


class OneMemberIn(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(max=actions.NAME_MAX))
    locale = fields.String(load_default="fr", validate=validate.OneOf(INTERFACE_LANGUAGES))


class ActionOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "extra_attempt, reopen, message, add or remove"})
    at = UTCDateTime()
    by = fields.String(allow_none=True, metadata={"description": "The trainer's name"})
    reason = fields.String(allow_none=True)
    course = fields.String(allow_none=True, metadata={"description": "The course's slug"})
    module = fields.String(allow_none=True, metadata={"description": "The module's slug"})
    message = fields.String(allow_none=True, metadata={"description": "The message sent"})


class ActionDone(Schema):
    action = fields.Nested(ActionOut)
    replayed = fields.Boolean(
        metadata={"description": "True when the Idempotency-Key was used before: nothing redone"}
    )
    attempts_left = fields.Integer(
        allow_none=True,
        metadata={"description": "Attempts the trainee may still start at the quiz"},
    )
    created_account = fields.Boolean(
        metadata={"description": "Adding: an account was made and its password link e-mailed"}
    )
    user_id = fields.Integer(metadata={"description": "The trainee"})


ActionList = page_schema(ActionOut, "TrainerActions")


def _action_body(entry: dict) -> dict:
    action = entry["action"]
    return {
        "id": action.id,
        "kind": action.kind,
        "at": action.at,
        "by": entry["by"],
        "reason": action.reason,
        "course": entry["course"],
        "module": entry["module"],
        "message": action.message,
    }


def _done(cohort: Cohort, done: actions.Done) -> dict:
    entry = next(
        e
        for e in actions.history(db.session, cohort, done.action.user_id)
        if e["action"].id == done.action.id
    )
    return {
        "action": _action_body(entry),
        "replayed": done.replayed,
        "attempts_left": done.attempts_left,
        "created_account": done.created_account,
        "user_id": done.action.user_id,
    }


def _key() -> str | None:
    return request.headers.get("Idempotency-Key")


ACTION_DOC = {**SECURED, "parameters": [IDEMPOTENCY]}
MEMBER_404 = {404: "No such cohort among yours, or the person is not one of its members"}


@blp.route("/cohorts/<int:cohort_id>/members/<int:user_id>/extra-attempt", methods=["POST"])
@blp.arguments(ExtraAttemptIn)
@blp.response(201, ActionDone)
@blp.problems(
    401,
    MEMBER_404,
    {409: "The quiz allows unlimited attempts"},
    {422: "No such module with a quiz, or the course missing"},
)
@blp.doc(**ACTION_DOC)
@login_required
def extra_attempt(body, cohort_id: int, user_id: int):
    """One more attempt at the module's quiz for this trainee (``course`` too when the
    cohort follows several courses with that module); recorded on the trainee's timeline."""
    cohort = _cohort_or_404(cohort_id)
    done = actions.grant_extra_attempt(
        db.session, current_user, cohort, user_id, **body, token=_key(), now=now()
    )
    return _done(cohort, done), 201


@blp.route("/cohorts/<int:cohort_id>/members/<int:user_id>/reopen", methods=["POST"])
@blp.arguments(QuizActionIn)
@blp.response(201, ActionDone)
@blp.problems(
    401,
    MEMBER_404,
    {409: "The module is not failed (its quiz is passed, or attempts are left)"},
    {422: "No such module with a quiz, the course missing, or no reason"},
)
@blp.doc(**ACTION_DOC)
@login_required
def reopen(body, cohort_id: int, user_id: int):
    """Reopen a failed module (its quiz not passed, no attempt left): the trainee gets the
    quiz's full number of attempts again, counted from now; the attempts made stay."""
    cohort = _cohort_or_404(cohort_id)
    done = actions.reopen_module(
        db.session, current_user, cohort, user_id, **body, token=_key(), now=now()
    )
    return _done(cohort, done), 201


@blp.route("/cohorts/<int:cohort_id>/members/<int:user_id>/messages", methods=["POST"])
@blp.arguments(MessageIn)
@blp.response(201, ActionDone)
@blp.problems(401, MEMBER_404, {422: "No text, or too long"})
@blp.doc(**ACTION_DOC)
@login_required
def send_message(body, cohort_id: int, user_id: int):
    """A message to the trainee: a notification, e-mailed as their notification settings
    say; recorded on the trainee's timeline."""
    cohort = _cohort_or_404(cohort_id)
    done = actions.send_message(
        db.session, get_queue(), current_user, cohort, user_id, **body, token=_key(), now=now()
    )
    return _done(cohort, done), 201


@blp.route("/cohorts/<int:cohort_id>/members/<int:user_id>/removal", methods=["POST"])
@blp.arguments(RemovalIn)
@blp.response(201, ActionDone)
@blp.problems(401, MEMBER_404, {422: "No reason given"})
@blp.doc(**ACTION_DOC)
@login_required
def remove_member(body, cohort_id: int, user_id: int):
    """Remove the trainee from the cohort; their account, progress and attempts stay, and
    so does this record."""
    cohort = _cohort_or_404(cohort_id)
    done = actions.remove_trainee(
        db.session, current_user, cohort, user_id, **body, token=_key(), now=now()
    )
    return _done(cohort, done), 201


@blp.route("/cohorts/<int:cohort_id>/members/one", methods=["POST"])
@blp.arguments(OneMemberIn)
@blp.response(201, ActionDone)
@blp.problems(
    401,
    404,
    {409: "Already a member"},
    {422: "Not a valid e-mail, name or language, or an account the cohort cannot take"},
)
@blp.doc(**ACTION_DOC)
@login_required
def add_one(body, cohort_id: int):
    """Add one trainee (e-mail, name, language) as one row of the CSV would be: a new
    account gets its link to choose a password by e-mail; recorded on the timeline."""
    cohort = _cohort_or_404(cohort_id)
    done = actions.add_trainee(
        db.session, get_queue(), current_user, cohort, **body, token=_key(), now=now()
    )
    return _done(cohort, done), 201


@blp.route("/cohorts/<int:cohort_id>/members/<int:user_id>/actions", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, ActionList)
@blp.problems(401, MEMBER_404)
@blp.doc(**SECURED)
@login_required
def list_actions(args, cohort_id: int, user_id: int):
    """What the cohort's trainers did for this member, newest first."""
    cohort = _cohort_or_404(cohort_id)
    actions.member_or_refuse(db.session, cohort, user_id)
    entries = actions.history(db.session, cohort, user_id)
    page = page_of([_action_body(e) for e in entries], args["page"], args["per_page"])
    return page_body(page)
