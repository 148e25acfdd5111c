"""JSON for Flask that treats a body nested too deeply as bad input, not a crash."""

from __future__ import annotations

from datetime import UTC

from flask.json.provider import DefaultJSONProvider


class SafeJSONProvider(DefaultJSONProvider):
    ensure_ascii = False  # Arabic stays readable in responses

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def iso(moment) -> str | None:
    """A UTC datetime the way the API writes them: ``2026-11-29T06:30:00Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
