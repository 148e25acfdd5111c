"""Errors answered the way the client understands: problem+json on the API, a page elsewhere.

Every error page exists in French and Arabic; no error, bad input least of all, turns into
a bare 500.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from elearn.core.text import NOT_FINITE, first_unfit

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain said no. ``field`` names the input to fix, when there is one."""

    status = 422
    #: Extra headers of the answer (``Retry-After`` on a 503).
    headers: dict[str, str] = {}
    #: Extra members of the problem+json body (e.g. ``missing`` sign-offs).
    extra: dict[str, Any] = {}

    def __init__(self, message: Any, *, field: str | None = None, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if status is not None:
            self.status = status


class UnstorableTextError(DomainError):
    """Text no page or database can hold (NUL, a lone surrogate): refused wherever it
    enters, before anything is written, so it can never break the pages that show it."""

    def __init__(self, field: str, char: str):
        super().__init__(
            _l(
                "This text contains a character that cannot be stored (%(char)s): "
                "remove it and send it again.",
                char=char,
            ),
            field=field or "body",
        )


class NotFiniteError(DomainError):
    """A number JSON should not carry (NaN, Infinity, or too large to be a number)."""

    def __init__(self, field: str):
        super().__init__(
            _l("Numbers must be finite: NaN, Infinity and numbers this large are refused."),
            field=field or "body",
        )


def refuse_unfit(value, prefix: str = "") -> None:
    """Raise the 422 for the first text or number in ``value`` that cannot be stored
    (``core.text.first_unfit``), its path under ``prefix``; nothing when all is fine."""
    found = first_unfit(value)
    if found is None:
        return
    path, what = found
    path = f"{prefix}.{path}" if prefix and path else prefix or path
    if what == NOT_FINITE:
        raise NotFiniteError(path)
    raise UnstorableTextError(path, what)


TITLES = {
    400: _l("Bad request"),
    401: _l("Sign-in required"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    410: _l("Gone"),
    413: _l("Too large"),
    415: _l("Unsupported media type"),
    422: _l("Invalid input"),
    429: _l("Too many requests"),
    500: _l("Server error"),
    503: _l("Service unavailable"),
}

DETAILS = {
    400: _l("The request could not be understood. Check what you sent and try again."),
    401: _l("Sign in to continue."),
    403: _l("Your account is not allowed to do this."),
    404: _l("There is nothing here. Check the address."),
    405: _l("This address does not accept this kind of request."),
    409: _l("This conflicts with the current state. Reload and try again."),
    413: _l("What you sent is too large."),
    415: _l("Send JSON (Content-Type: application/json)."),
    422: _l("Some of what you sent is not valid."),
    429: _l("Too many attempts. Wait a little and try again."),
    500: _l("Something went wrong on our side. It has been logged; please try again."),
    503: _l("The service is temporarily unavailable. Try again in a minute."),
}


def wants_problem_json() -> bool:
    """API paths always get JSON; elsewhere, only clients that ask for it."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def problem(
    status: int,
    detail: Any = None,
    *,
    title: Any = None,
    errors: list[dict] | None = None,
    headers: dict[str, str] | None = None,
    type_: str = "about:blank",
    extra: dict[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": type_,
        "title": str(title or TITLES.get(status, _("Error"))),
        "status": status,
        "detail": str(detail or DETAILS.get(status, "")),
    }
    if errors:
        body["errors"] = errors
    # members a problem type adds (RFC 9457 §3.2): a 409's current text, missing sign-offs
    for key, value in (extra or {}).items():
        body.setdefault(key, value)
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json"
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error_page(status: int, detail: Any = None, headers: dict | None = None) -> Response:
    context = {
        "status": status,
        "title": TITLES.get(status, _("Error")),
        "detail": detail or DETAILS.get(status, ""),
    }
    try:
        html = render_template("errors/error.html", **context)
    except Exception:  # the layout needs the database (who is signed in); it may be down
        log.exception("Could not render the error page; using the plain one")
        html = render_template("errors/plain.html", **context)
    response = Response(html, status=status, mimetype="text/html")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


#: marshmallow's English messages, said in the reader's language.
FIELD_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Unknown field.": _l("This field is not accepted here."),
    "Not a valid string.": _l("Give a text."),
    "Not a valid integer.": _l("Give a whole number."),
    "Not a valid number.": _l("Give a number."),
    "Not a valid boolean.": _l("Give true or false."),
    "Not a valid list.": _l("Give a list."),
    "Not a valid email address.": _l("Enter a valid e-mail address."),
    "Not a valid date.": _l("Give a date as YYYY-MM-DD."),
    "Field may not be null.": _l("This field may not be null."),
    "Invalid input type.": _l("The body must be a JSON object."),
}


def flatten_messages(messages: dict) -> list[dict]:
    """webargs' ``{"json": {"roles": {"0": ["..."]}}}`` → ``[{"path": "roles.0", ...}]``."""
    out: list[dict] = []

    def walk(prefix: str, node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "_schema":
                    walk(prefix, value)
                else:
                    walk(f"{prefix}.{key}" if prefix else str(key), value)
        elif isinstance(node, list | tuple):
            for message in node:
                if isinstance(message, dict | list):
                    walk(prefix, message)
                else:
                    text = FIELD_MESSAGES.get(str(message))
                    if text is None and str(message).startswith("Must be "):
                        text = _l("Out of the accepted range or values.")
                    out.append({"path": prefix or "body", "message": str(text or message)})

    for location in messages.values():
        walk("", location)
    return out


def _detail_of(exc: HTTPException) -> Any:
    """Keep our own messages; replace Werkzeug's English defaults by translated ones."""
    default = type(exc).description
    if exc.description and exc.description != default:
        return exc.description
    return None


def is_unique_violation(exc: IntegrityError) -> bool:
    """Whether the database refused a row because a unique key (or primary key) exists."""
    orig = exc.orig
    code = getattr(orig, "sqlstate", None)  # psycopg
    if code is not None:
        return code == "23505"
    return getattr(orig, "sqlite_errorname", "") in {
        "SQLITE_CONSTRAINT_UNIQUE",
        "SQLITE_CONSTRAINT_PRIMARYKEY",
    }


def handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    headers = {}
    # Flask-Limiter's own description is English and names the limit: say it in our words.
    detail = DETAILS[429] if status == 429 else _detail_of(exc)
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    data = getattr(exc, "data", None) or {}
    errors = data.get("errors") if isinstance(data, dict) else None
    if isinstance(data, dict) and isinstance(data.get("messages"), dict):
        errors = flatten_messages(data["messages"])
        detail = _(
            "Some fields are not valid: %(fields)s.", fields=", ".join(e["path"] for e in errors)
        )
    if wants_problem_json():
        return problem(status, detail, errors=errors, headers=headers)
    return error_page(status, detail, headers)


def handle_csrf_error(exc: CSRFError):
    detail = _l(
        "This form has expired or did not come from this site. Reload the page and try again."
    )
    if wants_problem_json():
        return problem(400, detail)
    return error_page(400, detail)


def handle_domain_error(exc: DomainError):
    """A rule said no and nobody caught it: nothing of the request is kept (the edge,
    core.edge, rolled it back before this handler runs)."""
    errors = [{"path": exc.field, "message": str(exc.message)}] if exc.field else None
    if wants_problem_json():
        return problem(
            exc.status, exc.message, errors=errors, headers=dict(exc.headers), extra=exc.extra
        )
    return error_page(exc.status, exc.message, dict(exc.headers))


def handle_database_unavailable(exc: OperationalError):
    """The database went away (restart, failover): ask the client to retry shortly."""
    log.warning("Database unavailable on %s %s: %s", request.method, request.path, exc)
    headers = {"Retry-After": "5"}
    if wants_problem_json():
        return problem(503, headers=headers)
    return error_page(503, headers=headers)


def handle_integrity_error(exc: IntegrityError):
    """A unique key taken by another request at the same moment, where no service ran its
    check again (core.db.again_if_raced): a conflict to retry, never a 500."""
    if not is_unique_violation(exc):
        log.error("Integrity error on %s %s", request.method, request.path, exc_info=exc)
        return handle_http_exception(InternalServerError())
    log.warning("Lost a race on %s %s: %s", request.method, request.path, exc.orig)
    detail = _l("Someone changed the same thing at the same moment. Reload and try again.")
    if wants_problem_json():
        return problem(409, detail)
    return error_page(409, detail)


def handle_unexpected(exc: Exception):
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return handle_http_exception(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    if not app.testing or app.config.get("HANDLE_UNEXPECTED_IN_TESTS"):
        app.register_error_handler(Exception, handle_unexpected)
