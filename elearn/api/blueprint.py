"""The API's Blueprint: flask-smorest's, with a JSON parser that survives hostile bodies."""

from __future__ import annotations

import json

import flask_smorest
from flask_babel import lazy_gettext as _l
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

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


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = SafeParser()
