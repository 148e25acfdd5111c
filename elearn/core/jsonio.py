"""JSON in and out: what a request body may carry, and how the API writes times.

JSON allows things no page or database can hold: a lone surrogate (``"\\ud800"`` is valid
JSON, but no UTF-8), NUL (PostgreSQL refuses it in text), ``NaN`` and ``Infinity`` (not
JSON at all, yet Python reads them, and ``1e400`` becomes infinity). Stored, one such value
broke every page that showed it; so every request body is checked once, here, as it is
parsed, and refused with a 422 naming the field.
"""

from __future__ import annotations

import json
from datetime import UTC

from flask.json.provider import DefaultJSONProvider

from elearn.core.errors import DomainError, refuse_unfit


class NestedTooDeeplyError(ValueError):
    """A body like ``[[[[...`` a hundred thousand deep: Python's parser would overflow."""


def load_body(data: str | bytes):
    """Parse a request body, refusing what must never be stored (a ``DomainError`` naming
    the field: ``UnstorableTextError``, ``NotFiniteError``) and JSON nested too deeply
    (``NestedTooDeeplyError``), besides what ``json.loads`` refuses itself."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise NestedTooDeeplyError("JSON nested too deeply") from None
    refuse_unfit(value)
    return value


class BadBodyError(ValueError):
    """A body refused by ``load_body`` for a rule of ours, carried through Flask's JSON
    loading (which only expects ValueError) to ``Request.on_json_loading_failed``."""

    def __init__(self, error: DomainError):
        super().__init__(str(error.message))
        self.error = error


class SafeJSONProvider(DefaultJSONProvider):
    ensure_ascii = False  # Arabic stays readable in responses

    def loads(self, s, **kwargs):
        if kwargs:
            return super().loads(s, **kwargs)
        try:
            return load_body(s)
        except DomainError as exc:
            raise BadBodyError(exc) from None


def iso(moment) -> str | None:
    """A UTC datetime the way the API writes them: ``2026-11-29T06:30:00Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
