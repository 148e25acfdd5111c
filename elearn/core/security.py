"""Headers every response carries, and the request-level guards that go with them."""

from __future__ import annotations

import flask
from flask import Flask, abort, g, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import UnprocessableEntity

from elearn.core.db import set_write_intent
from elearn.core.jsonio import BadBodyError
from elearn.core.text import unstorable

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def policy(media_origin: str = "") -> str:
    """Our CSP; media on S3 add the bucket's origin for images, players and uploads."""
    if not media_origin:
        return CSP
    extra = {"img-src": media_origin, "media-src": media_origin, "connect-src": media_origin}
    parts = []
    for directive in CSP.split("; "):
        name = directive.split(" ", 1)[0]
        parts.append(f"{directive} {extra[name]}" if name in extra else directive)
    return "; ".join(parts)


def init_app(app: Flask) -> None:
    storage = app.extensions.get("elearn.storage")
    csp = app.config.get("CSP") or policy(getattr(storage, "origin", ""))

    @app.before_request
    def _declare_write_intent():
        # Safe requests never write, so their SQLite transactions can stay deferred (shared).
        set_write_intent(request.method not in SAFE_METHODS)

    @app.before_request
    def _refuse_nul_in_address():
        # A NUL ("%00") never belongs in an address, and PostgreSQL refuses it in text: a
        # search or a slug carrying one would end as a 500 rather than a 400. (Werkzeug
        # decodes the address with "replace", so NUL is the only such character there.)
        if "\x00" in request.path or any(
            "\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)
        ):
            abort(400)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("HSTS"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if "Cache-Control" not in headers and request.endpoint != "static":
            # Pages are personal: never let a shared cache at the centre keep them.
            headers["Cache-Control"] = "private, no-store" if _personal() else "no-cache"
        return response


def _personal() -> bool:
    """Whether this response was built for a signed-in person. Touches no column: after a
    failed request the session is rolled back and reading ``user.active`` would query a
    database that may be the very thing that is down."""
    user = g.get("_login_user")
    return user is not None and not user.is_anonymous


class StorableForm(ImmutableMultiDict):
    """Form fields, refused (422, naming the field) when they carry a character no page or
    database can hold (a NUL: Werkzeug decodes forms with "replace", so no lone surrogate
    gets this far). Werkzeug builds every ``request.form`` through this class, so no view
    can read such a value; the check runs when something first reads the form, never
    before (an upload's body is not parsed early)."""

    def __init__(self, mapping=None):
        super().__init__(mapping)
        for key, values in self.lists():
            for text in (key, *values):
                char = unstorable(text) if isinstance(text, str) else None
                if char:
                    raise UnstorableFieldError(key, char)


class UnstorableFieldError(UnprocessableEntity):
    """An HTTP error (not a ValueError, which Werkzeug's form parser would swallow)."""

    def __init__(self, field: str, char: str):
        name = "?" if unstorable(field) else field  # echoed back only when it can be shown
        message = _l(
            "The field “%(field)s” contains a character that cannot be stored (%(char)s): go "
            "back to the form, remove it and send the form again.",
            field=name,
            char=char,
        )
        super().__init__(description=message)
        self.data = {"errors": [{"path": name, "message": message}]}


class Request(flask.Request):
    """The app's request: form fields and JSON bodies refuse unstorable text (422)."""

    def make_form_data_parser(self):
        parser = super().make_form_data_parser()
        parser.cls = StorableForm
        return parser

    def on_json_loading_failed(self, e):
        if isinstance(e, BadBodyError):
            raise e.error
        return super().on_json_loading_failed(e)
