"""Reference lists: expert networks and training centres."""

from __future__ import annotations

from flask import abort
from flask_login import login_required
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from elearn.accounts import services
from elearn.accounts.models import DOMAINS, SIGNOFF_ROLES, Centre, Network, Role
from elearn.accounts.permissions import roles_required
from elearn.api.blueprint import Blueprint
from elearn.api.schemas import PageArgs, page_body, page_schema, translatable
from elearn.core.pagination import paginate
from elearn.extensions import db
from elearn.i18n.languages import INTERFACE_LANGUAGES

blp = Blueprint("reference", __name__, description="Networks and centres")
SECURED = {"security": [{"bearerAuth": []}]}


class NetworkOut(Schema):
    code = fields.String()
    name = translatable()
    country = fields.String(allow_none=True)
    domains = fields.List(fields.String())
    required_signoffs = fields.List(
        fields.String(),
        metadata={
            "description": "The sign-offs (domain, pedagogy, translation) a publication "
            "of the network's courses needs; empty: none"
        },
    )


class NetworkIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.Dict(
        keys=fields.String(validate=validate.OneOf(INTERFACE_LANGUAGES)),
        values=fields.String(validate=validate.Length(max=200)),
        required=True,
    )
    country = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2))
    domains = fields.List(fields.String(validate=validate.OneOf(DOMAINS)), required=True)


class NetworkPatch(Schema):
    required_signoffs = fields.List(
        fields.String(validate=validate.OneOf(SIGNOFF_ROLES)),
        required=True,
        metadata={"description": "domain, pedagogy and/or translation; [] for none"},
    )


NAME_AR = {"description": "The centre's name in Arabic; empty: pages show the French name"}


class CentreOut(Schema):
    code = fields.String()
    name = fields.String(metadata={"description": "The centre's name in French"})
    name_ar = fields.String(metadata=NAME_AR)
    city = fields.String()


class CentreIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_ar = fields.String(load_default="", validate=validate.Length(max=200), metadata=NAME_AR)
    city = fields.String(required=True, validate=validate.Length(min=1, max=100))


class CentrePatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    name_ar = fields.String(validate=validate.Length(max=200), metadata=NAME_AR)
    city = fields.String(validate=validate.Length(min=1, max=100))


@blp.route("/networks", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(NetworkOut, "NetworkPage"))
@blp.problems(401)
@blp.doc(**SECURED)
@login_required
def list_networks(args):
    """The expert networks of the programme."""
    stmt = select(Network).order_by(Network.code)
    return page_body(paginate(db.session, stmt, args["page"], args["per_page"]))


@blp.route("/networks", methods=["POST"])
@blp.arguments(NetworkIn)
@blp.response(201, NetworkOut)
@blp.problems(401, 403)
@blp.doc(**SECURED)
@roles_required(Role.ADMIN)
def create_network(body):
    """Add a network (admin)."""
    network = services.save_network(db.session, None, **body)
    return network


@blp.route("/networks/<code>", methods=["PATCH"])
@blp.arguments(NetworkPatch)
@blp.response(200, NetworkOut)
@blp.problems(401, 403, 404, 422)
@blp.doc(**SECURED)
@roles_required(Role.ADMIN)
def update_network(body, code: str):
    """Say which sign-offs a publication of the network's courses needs (admin)."""
    network = db.session.scalar(select(Network).where(Network.code == code.upper())) or abort(404)
    services.require_signoffs(network, body["required_signoffs"])
    return network


@blp.route("/centres", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(CentreOut, "CentrePage"))
@blp.problems(401)
@blp.doc(**SECURED)
@login_required
def list_centres(args):
    """The training centres."""
    stmt = select(Centre).order_by(Centre.code)
    return page_body(paginate(db.session, stmt, args["page"], args["per_page"]))


@blp.route("/centres", methods=["POST"])
@blp.arguments(CentreIn)
@blp.response(201, CentreOut)
@blp.problems(401, 403)
@blp.doc(**SECURED)
@roles_required(Role.ADMIN)
def create_centre(body):
    """Add a centre (admin)."""
    centre = services.save_centre(db.session, None, **body)
    return centre


@blp.route("/centres/<code>", methods=["PATCH"])
@blp.arguments(CentrePatch)
@blp.response(200, CentreOut)
@blp.problems(401, 403, 404)
@blp.doc(**SECURED)
@roles_required(Role.ADMIN)
def update_centre(body, code: str):
    """Rename a centre (in French or Arabic) or change its city (admin)."""
    centre = db.session.scalar(select(Centre).where(Centre.code == code.upper())) or abort(404)
    services.save_centre(
        db.session,
        centre,
        code=centre.code,
        name=body.get("name", centre.name),
        name_ar=body.get("name_ar"),
        city=body.get("city", centre.city),
    )
    return centre
