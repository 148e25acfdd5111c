"""``/api/v1``: the JSON face of the same services the pages use.

flask-smorest builds the OpenAPI document from the schemas; errors go through the
application's problem+json handlers, not flask-smorest's own format.
"""

from __future__ import annotations

import http

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from elearn.accounts.auth import bearer_token
from elearn.api.schemas import PROBLEM, ProblemSchema
from elearn.core.errors import problem
from elearn.core.security import SAFE_METHODS
from elearn.extensions import csrf

QUERY_TOKEN_PARAMS = ("access_token", "token", "api_key", "bearer")


class ElearnApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """The app's own handlers answer every error (problem+json under /api/)."""

    def _register_responses(self):
        """flask-smorest's shared error responses, documented with the content type the
        app's handlers really send (``application/problem+json``)."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


api = ElearnApi()


def _guard():
    """Refuse tokens in URLs; make cookie-authenticated writes prove they come from our pages."""
    if not request.path.startswith("/api/"):
        return None
    if any(name in request.args for name in QUERY_TOKEN_PARAMS):
        return problem(
            401,
            _l(
                "Tokens are not accepted in the query string. "
                "Send them in the Authorization header."
            ),
        )
    if request.method in SAFE_METHODS or bearer_token() is not None:
        return None
    if current_user.is_authenticated and g.get("api_token") is None:
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except ValidationError:
            return problem(
                403,
                _l("Send the page's CSRF token in the X-CSRFToken header, or use a bearer token."),
            )
    return None


def init_app(app: Flask) -> None:
    from elearn.api import (
        changes,
        cohorts,
        courses,
        docs,
        gift,
        jobs,
        me,
        media,
        notifications,
        quizedit,
        quizzes,
        reference,
        reviews,
        search,
        tokens,
        users,
    )

    app.config.update(
        API_TITLE="elearn API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api.init_app(
        app,
        spec_kwargs={
            "info": {
                "description": "MRE Academy learning platform. Errors are application/problem+json."
            },
        },
    )
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    modules = (
        tokens,
        me,
        users,
        reference,
        courses,
        gift,
        changes,
        quizedit,
        reviews,
        media,
        quizzes,
        cohorts,
        jobs,
        notifications,
        search,
    )
    for module in modules:
        csrf.exempt(module.blp)  # checked in _guard instead, only for cookie sessions
        api.register_blueprint(module.blp, url_prefix="/api/v1")
    app.before_request(_guard)
    app.extensions["elearn.api"] = api  # the reference page reads its spec from here
    app.register_blueprint(docs.bp)
