"""Personal access tokens: ``POST /tokens`` trades an e-mail and password for a token."""

from __future__ import annotations

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import Schema, fields, validate

from elearn.accounts import services
from elearn.accounts.models import AccessToken
from elearn.accounts.views import TooManyFailuresError, check_credentials, login_limits
from elearn.accounts.welcome import request_reset
from elearn.api.blueprint import Blueprint
from elearn.api.schemas import UTCDateTime
from elearn.core.clock import now
from elearn.core.db import utcnow
from elearn.core.errors import problem
from elearn.extensions import db, limiter
from elearn.jobs.queue import get_queue

blp = Blueprint("tokens", __name__, description="Personal access tokens")


class TokenRequest(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=256))
    name = fields.String(load_default="API", validate=validate.Length(max=100))


class NewToken(Schema):
    id = fields.Integer()
    token = fields.String(metadata={"description": "Shown once; store it safely."})
    name = fields.String()
    expires_at = UTCDateTime(allow_none=True)


class TokenInfo(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = UTCDateTime()
    last_used_at = UTCDateTime(allow_none=True)
    expires_at = UTCDateTime(allow_none=True)


@blp.route("/tokens", methods=["POST"])
@blp.arguments(TokenRequest)
@blp.response(201, NewToken)
@blp.problems({401: "Wrong e-mail or password"}, 413, 429)
@login_limits
def create_token(body):
    """Create a token from an e-mail and password. Failed tries per account share one
    budget with the sign-in page (ELEARN_LOGIN_LIMIT_PER_ACCOUNT): 429 with Retry-After."""
    try:
        user = check_credentials(body["email"], body["password"])
    except TooManyFailuresError as exc:
        return problem(429, exc.message(), headers={"Retry-After": str(exc.seconds)})
    if user is None:
        return problem(401, _l("The e-mail or the password is not correct."))
    token, plain = services.create_token(
        db.session,
        user,
        body["name"],
        now=utcnow(),
        lifetime_days=current_app.config["TOKEN_LIFETIME_DAYS"],
    )
    return {"id": token.id, "token": plain, "name": token.name, "expires_at": token.expires_at}


@blp.route("/tokens", methods=["GET"])
@blp.response(200, TokenInfo(many=True))
@blp.problems(401)
@blp.doc(security=[{"bearerAuth": []}])
@login_required
def list_tokens():
    """List your live tokens (never their secret)."""
    return services.live_tokens(db.session, current_user, now=utcnow())


@blp.route("/tokens/<int:token_id>", methods=["DELETE"])
@blp.response(204, description="Revoked")
@blp.problems(401, 404)
@blp.doc(security=[{"bearerAuth": []}])
@login_required
def revoke_token(token_id: int):
    """Revoke one of your tokens."""
    token = db.session.get(AccessToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    services.revoke_token(db.session, token, now=utcnow())
    return ""


class ResetRequest(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))


class ResetAccepted(Schema):
    detail = fields.String(metadata={"description": "The same words whatever the address"})


@blp.route("/password-reset", methods=["POST"])
@blp.arguments(ResetRequest)
@blp.response(202, ResetAccepted)
@blp.problems(413, 422, 429)
@limiter.limit("20 per hour", scope="password-forgot")
def password_reset(body):
    """Ask for a one-time link (valid one hour) to choose a new password, by e-mail. Always
    202 with the same body, whether or not the address has an account; each account gets
    at most a few such e-mails an hour."""
    request_reset(db.session, get_queue(), body["email"], now=now())
    return {
        "detail": str(
            _l(
                "If an account uses this address, an e-mail with a link to choose a new "
                "password is on its way. The link works for one hour."
            )
        )
    }
