"""Who is making this request: a session cookie for pages, a bearer token for the API.

The cookie carries ``"<user id>:<session version>"``; logging out or changing the password
bumps the version, so every copy of an older cookie stops working at once.
"""

from __future__ import annotations

from flask import Flask, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm import joinedload

from elearn.accounts.models import AccessToken, User
from elearn.accounts.services import token_for, token_needs_touch
from elearn.core.db import utcnow
from elearn.core.errors import problem
from elearn.core.security import SAFE_METHODS
from elearn.extensions import db, login_manager


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header on an API path, else None."""
    if not request.path.startswith("/api/"):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def init_app(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        if bearer_token() is not None:
            return None  # a token request is judged by its token, never by a cookie
        user_id, _, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()):
            return None
        # roles in the same query: every page asks them (one round-trip, not two)
        user = db.session.get(User, int(user_id), options=[joinedload(User.role_rows)])
        if user is None or user.session_version != int(version) or not user.active:
            return None
        return user

    @login_manager.request_loader
    def load_user_from_token(_request) -> User | None:
        plain = bearer_token()
        if not plain:
            return None
        now = utcnow()
        token = token_for(db.session, plain, now=now)
        if token is None:
            return None
        if token_needs_touch(token, now):
            if request.method in SAFE_METHODS:
                _touch(token.id, now)
            else:
                token.last_used_at = now  # this request writes anyway; commit with it
        g.api_token = token
        return token.user

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return problem(
                401,
                _l("Send a valid token: Authorization: Bearer <token>."),
                headers={"WWW-Authenticate": 'Bearer realm="elearn"'},
            )
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("accounts.login", next=target))


def _touch(token_id: int, now) -> None:
    """Record last use in its own short transaction: a GET must not turn its read into a write."""
    with db.engine.begin() as conn:
        conn.execute(update(AccessToken).where(AccessToken.id == token_id).values(last_used_at=now))
