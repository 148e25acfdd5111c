"""JSON for Flask that treats a body nested too deeply as bad input, not a crash."""

from __future__ import annotations

from flask.json.provider import DefaultJSONProvider


class SafeJSONProvider(DefaultJSONProvider):
    ensure_ascii = False  # Arabic stays readable in responses

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
