"""Accounts through the API: admins manage everyone, trainers add trainees of their centre."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from elearn.accounts import policy, services
from elearn.accounts.models import Role, User, UserRole
from elearn.accounts.permissions import roles_required
from elearn.accounts.welcome import send_links
from elearn.api.blueprint import Blueprint
from elearn.api.schemas import PageArgs, UTCDateTime, page_body, page_schema
from elearn.core.clock import now
from elearn.core.pagination import paginate
from elearn.extensions import db
from elearn.i18n.languages import INTERFACE_LANGUAGES
from elearn.jobs.queue import get_queue

blp = Blueprint("users", __name__, description="Accounts")

ROLE_VALUES = [r.value for r in Role]


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    roles = fields.Method("_roles")
    network = fields.Function(lambda u: u.network.code if u.network else None)
    centre = fields.Function(lambda u: u.centre.code if u.centre else None)
    locale = fields.String()
    active = fields.Boolean()
    created_at = UTCDateTime()

    def _roles(self, user) -> list[str]:
        return sorted(user.roles)


class UserIn(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLE_VALUES)),
        required=True,
        validate=validate.Length(min=1, max=4),
    )
    network = fields.String(allow_none=True, validate=validate.Length(max=32))
    centre = fields.String(allow_none=True, validate=validate.Length(max=32))
    locale = fields.String(load_default="fr", validate=validate.OneOf(INTERFACE_LANGUAGES))
    password = fields.String(
        allow_none=True,
        validate=validate.Length(max=256),
        metadata={
            "description": "Optional. Without it, the account gets an e-mail with a one-time "
            "link to choose its password."
        },
    )


class UserPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLE_VALUES)), validate=validate.Length(min=1, max=4)
    )
    network = fields.String(allow_none=True, validate=validate.Length(max=32))
    centre = fields.String(allow_none=True, validate=validate.Length(max=32))
    locale = fields.String(validate=validate.OneOf(INTERFACE_LANGUAGES))
    active = fields.Boolean()


class UserFilter(PageArgs):
    role = fields.String(validate=validate.OneOf(ROLE_VALUES))
    q = fields.String(validate=validate.Length(max=100))


UserPage = page_schema(UserOut, "UserPage")
SECURED = {"security": [{"bearerAuth": []}]}


def _visible_users():
    """Admins see everyone; a trainer sees the trainees of their own centre."""
    return select(User).where(policy.visible_users(current_user)).order_by(User.name, User.id)


@blp.route("/users", methods=["GET"])
@blp.arguments(UserFilter, location="query")
@blp.response(200, UserPage)
@blp.problems(401, 403)
@blp.doc(**SECURED)
@roles_required(Role.ADMIN, Role.TRAINER)
def list_users(args):
    """List accounts (admin: all; trainer: trainees of their centre)."""
    stmt = _visible_users()
    if args.get("role"):
        stmt = stmt.where(
            User.id.in_(select(UserRole.user_id).where(UserRole.role == args["role"]))
        )
    if args.get("q"):
        stmt = stmt.where(
            User.email.contains(args["q"].lower()) | User.name.ilike(f"%{args['q']}%")
        )
    return page_body(paginate(db.session, stmt, args["page"], args["per_page"]))


@blp.route("/users", methods=["POST"])
@blp.arguments(UserIn)
@blp.response(201, UserOut)
@blp.problems(401, 403)
@blp.doc(**SECURED)
@roles_required(Role.ADMIN, Role.TRAINER)
def create_user(body):
    """Create an account (admin: any; trainer: trainees of their own centre). Without a
    password, a one-time link to choose one is e-mailed to the account."""
    centre = services.centre_by_code(db.session, body.get("centre"))
    if not policy.may_create_user(current_user, body["roles"], centre):
        abort(403)
    user = services.create_user(
        db.session,
        email=body["email"],
        name=body["name"],
        roles=body["roles"],
        network=services.network_by_code(db.session, body.get("network")),
        centre=centre,
        locale=body["locale"],
        password=body.get("password"),
    )
    if not body.get("password"):
        send_links(
            db.session,
            get_queue(),
            [user],
            now=now(),
            owner_id=current_user.id,
            by_admin=current_user.is_admin,
        )
    return user


@blp.route("/users/<int:user_id>", methods=["GET"])
@blp.response(200, UserOut)
@blp.problems(401, 403, 404)
@blp.doc(**SECURED)
@roles_required(Role.ADMIN, Role.TRAINER)
def get_user(user_id: int):
    """One account, if you may see it."""
    return policy.user_or_404(db.session, current_user, user_id)


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@blp.arguments(UserPatch)
@blp.response(200, UserOut)
@blp.problems(401, 403, 404)
@blp.doc(**SECURED)
@roles_required(Role.ADMIN)
def update_user(body, user_id: int):
    """Change roles, placement, locale or status of an account (admin)."""
    user = db.session.get(User, user_id) or abort(404)
    network = user.network
    centre = user.centre
    if "network" in body:
        network = services.network_by_code(db.session, body["network"])
    if "centre" in body:
        centre = services.centre_by_code(db.session, body["centre"])
    services.update_user(
        db.session,
        user,
        actor=current_user,
        name=body.get("name"),
        roles=body.get("roles"),
        network=network,
        centre=centre,
        locale=body.get("locale"),
        active=body.get("active"),
    )
    return user
