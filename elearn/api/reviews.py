"""A course's review through the API: the sign-offs its network requires, given on the
revision in review."""

from __future__ import annotations

from flask import abort
from flask_login import current_user, login_required
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from elearn.accounts.models import SIGNOFF_ROLES
from elearn.api.blueprint import Blueprint
from elearn.api.schemas import UTCDateTime
from elearn.authoring import policy, services
from elearn.authoring import review as reviews
from elearn.authoring import signoffs as signoff_rules
from elearn.authoring.models import Course
from elearn.core.db import utcnow
from elearn.extensions import db

blp = Blueprint("reviews", __name__, description="Review: sign-offs")
SECURED = {"security": [{"bearerAuth": []}]}


class SignoffIn(Schema):
    role = fields.String(
        required=True,
        validate=validate.OneOf(SIGNOFF_ROLES),
        metadata={"description": "domain, pedagogy or translation"},
    )


class SignoffOut(Schema):
    role = fields.String()
    user = fields.Function(lambda s: s.user.email, metadata={"description": "Their e-mail"})
    revision = fields.String(metadata={"description": "The revision of the course signed off"})
    created_at = UTCDateTime()


class SignoffList(Schema):
    revision = fields.String(metadata={"description": "The working copy's current revision"})
    required = fields.List(fields.String(), metadata={"description": "What the network requires"})
    missing = fields.List(fields.String(), metadata={"description": "Required, not yet given"})
    items = fields.List(fields.Nested(SignoffOut), metadata={"description": "Given on it"})


def _reviewed_or_404(slug: str, *, lock: bool = False) -> Course:
    """A course the caller reviews (its network's reviewers, admins); 404 for anyone else,
    as if it did not exist."""
    course = db.session.scalar(
        select(Course).where(Course.slug == slug, policy.reviewed_by(current_user))
    )
    if course is None:
        abort(404)
    if lock:
        services.lock(db.session, course)
    return course


@blp.route("/courses/<slug>/signoffs", methods=["POST"])
@login_required
@blp.arguments(SignoffIn)
@blp.response(201, SignoffOut)
@blp.problems(
    401,
    {
        403: "An author of the course, or not a reviewer of the network for this role",
        404: "No such course, or not one the caller reviews",
        409: "Not in review, or changed since it was submitted",
        422: "Not a sign-off role",
    },
)
@blp.doc(**SECURED)
def sign_off(body, slug: str):
    """Sign off the course's current revision in a role (the network's reviewers of that
    role, admins); the same sign-off twice on one revision keeps the first."""
    course = _reviewed_or_404(slug, lock=True)
    return reviews.sign_off(db.session, course, current_user, body["role"], utcnow())


@blp.route("/courses/<slug>/signoffs", methods=["GET"])
@login_required
@blp.response(200, SignoffList)
@blp.problems(401, {404: "No such course, or not one the caller reviews"})
@blp.doc(**SECURED)
def list_signoffs(slug: str):
    """The sign-offs given on the course's current revision, and those still missing."""
    course = _reviewed_or_404(slug)
    current = services.revision(db.session, course)
    return {
        "revision": current,
        "required": signoff_rules.required_roles(course),
        "missing": signoff_rules.missing_on(db.session, course, current),
        "items": signoff_rules.given_on(db.session, course, current),
    }
