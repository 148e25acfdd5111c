"""The API's Blueprint: flask-smorest's, with a JSON parser that survives hostile bodies."""

from __future__ import annotations

import flask_smorest
from flask_babel import lazy_gettext as _l
from webargs import core
from webargs.flaskparser import FlaskParser, abort


class SafeParser(FlaskParser):
    """A body like ``[[[[...`` a hundred thousand deep overflows Python's parser: say 400."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            abort(
                400,
                messages={"json": {"_schema": [str(_l("The JSON body is nested too deeply."))]}},
            )
        return core.missing  # pragma: no cover - abort raises


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = SafeParser()
