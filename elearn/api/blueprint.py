"""The API's Blueprint: flask-smorest's, with a JSON parser that survives hostile bodies and
one way to document the errors an operation answers."""

from __future__ import annotations

import json

import flask_smorest
from flask import Response, jsonify
from flask_babel import lazy_gettext as _l
from marshmallow import Schema
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

from elearn.api.schemas import PROBLEM, ProblemSchema
from elearn.core.errors import DomainError
from elearn.core.jsonio import NestedTooDeeplyError, load_body


class SafeParser(FlaskParser):
    """Bodies go through ``core.jsonio.load_body`` like every other JSON the app reads: a
    lone surrogate, a NUL or a NaN is a 422 naming its field, a body nested a hundred
    thousand deep a 400, instead of a crash later."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        try:
            return load_body(_text(req))
        except NestedTooDeeplyError:
            abort(
                400,
                messages={"json": {"_schema": [str(_l("The JSON body is nested too deeply."))]}},
            )
        except DomainError as exc:
            abort(422, messages={"json": {exc.field: [str(exc.message)]}})
        return core.missing  # pragma: no cover - abort raises


def _text(req) -> str:
    """The body as text, decoding errors reported the way webargs expects them."""
    data = req.get_data(cache=True)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise json.JSONDecodeError(
            f"Bytes decoding error : {exc.reason}", doc=str(exc.object), pos=exc.start
        ) from exc


#: What each error status means when an operation does not say more.
PROBLEMS = {
    401: "Not signed in: send a bearer token (or the session cookie)",
    403: "Signed in, but not allowed to do this",
    404: "No such object, or not one the caller may know about",
    409: "Conflicts with the object's current state",
    413: "The body is too large",
    422: "Invalid input: errors lists each failing field",
    429: "Too many tries: wait for Retry-After seconds",
}


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = SafeParser()

    def problems(self, *statuses: int | dict[int, str]):
        """Document error answers as problem+json, the way ``core.errors`` sends them, so a
        client reads every operation's failures in the same shape.

        A status takes its usual meaning (``PROBLEMS``); a ``{status: text}`` says more for
        this operation."""
        meanings: dict[int, str] = {}
        for status in statuses:
            meanings |= status if isinstance(status, dict) else {status: PROBLEMS[status]}

        def decorator(func):
            for code, text in sorted(meanings.items(), reverse=True):
                func = self.alt_response(
                    code, schema=ProblemSchema, content_type=PROBLEM, description=text
                )(func)
            return func

        return decorator


def answer(schema: type[Schema], data, status: int = 200) -> Response:
    """A body serialized by one of the operation's other documented schemas (an
    ``alt_response``): flask-smorest dumps what a view returns with the main one only."""
    response = jsonify(schema().dump(data))
    response.status_code = status
    return response
