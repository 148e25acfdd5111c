"""``/me``: the signed-in account; its owner may change only name, locale and password."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_login import current_user, login_required
from marshmallow import Schema, fields, validate

from elearn.accounts import email_change, services
from elearn.accounts.views import start_session
from elearn.api.blueprint import Blueprint
from elearn.api.courses import LessonRef
from elearn.api.schemas import Number, translatable
from elearn.api.users import UserOut
from elearn.core.clock import now
from elearn.core.db import utcnow
from elearn.extensions import db, limiter
from elearn.i18n.languages import INTERFACE_LANGUAGES
from elearn.jobs.queue import get_queue
from elearn.learning import services as learning

blp = Blueprint("me", __name__, description="The signed-in account")


class MePatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    locale = fields.String(validate=validate.OneOf(INTERFACE_LANGUAGES))
    password = fields.String(validate=validate.Length(max=256))
    current_password = fields.String(
        validate=validate.Length(max=256),
        metadata={"description": "Required with password."},
    )


class EmailChangeIn(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(
        required=True,
        validate=validate.Length(max=256),
        metadata={"description": "Your current password."},
    )


class EmailChangePending(Schema):
    pending = fields.String(
        attribute="new_email",
        metadata={
            "description": "The address waiting for confirmation from its mailbox (the "
            "link works 24 hours)."
        },
    )


class QuizResult(Schema):
    module = fields.String()
    best_percent = Number(allow_none=True)
    passed = fields.Boolean()
    attempts_used = fields.Integer()


class MyCourse(Schema):
    """One of ``learning.services.my_courses``, under the names of the API contract."""

    slug = fields.String(attribute="course.slug")
    title = fields.Function(
        lambda e: (e["course"].published or {}).get("title", e["course"].title),
        metadata=translatable().metadata,
    )
    progress_percent = fields.Integer(attribute="percent")
    completed_lessons = fields.Integer(attribute="completed")
    total_lessons = fields.Integer(attribute="total")
    next_lesson = fields.Nested(LessonRef, attribute="next", allow_none=True)
    quizzes = fields.List(fields.Nested(QuizResult))
    completed = fields.Boolean(attribute="complete")
    certificate = fields.String(
        allow_none=True, metadata={"description": "The certificate's verification code."}
    )


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserOut)
    @blp.problems(401)
    @blp.doc(security=[{"bearerAuth": []}])
    @login_required
    def get(self):
        """Who am I: e-mail, name, roles, network, centre, locale."""
        return current_user

    @blp.arguments(MePatch)
    @blp.response(200, UserOut)
    @blp.problems(401)
    @blp.doc(security=[{"bearerAuth": []}])
    @login_required
    def patch(self, body):
        """Change your name, locale or password (other fields are refused)."""
        user = current_user._get_current_object()
        if "name" in body:
            user.name = services.check_name(body["name"])
        if "locale" in body:
            user.locale = services.check_locale(body["locale"])
        if "password" in body:
            services.change_own_password(
                db.session,
                user,
                body.get("current_password", ""),
                body["password"],
                now=utcnow(),
                keep_token=g.get("api_token"),
            )
            if g.get("api_token") is None:
                start_session(user)  # the browser that changed it stays signed in
        return user


@blp.route("/me/email", methods=["POST"])
@blp.arguments(EmailChangeIn)
@blp.response(202, EmailChangePending)
@blp.problems(
    401,
    {
        422: "Not an e-mail address, your current address, used by another account, or a wrong "
        "password (errors names email or password)"
    },
    429,
)
@blp.doc(security=[{"bearerAuth": []}])
@login_required
@limiter.limit("10 per hour", key_func=lambda: f"user:{current_user.id}", scope="email-change")
def change_email(body):
    """Ask to change your e-mail. Nothing changes yet: a one-time link (valid 24 hours) is
    e-mailed to the new address, and a notice to the current one; your address changes
    when the link is followed. Asking again replaces the pending change; a password change
    cancels it. A few changes an hour per account (429 with Retry-After)."""
    return email_change.request_change(
        db.session,
        get_queue(),
        current_user._get_current_object(),
        body["email"],
        body["password"],
        now=now(),
    )


@blp.route("/me/courses", methods=["GET"])
@blp.response(200, MyCourse(many=True))
@blp.problems(401)
@blp.doc(security=[{"bearerAuth": []}])
@login_required
def my_courses():
    """Each enrolled course: progress, the next lesson to read, quiz results (best attempt)
    and, once the course is complete, the certificate's verification code."""
    return learning.my_courses(db.session, current_user)
