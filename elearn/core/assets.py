"""Static files: versioned URLs, so phones may cache them for a year and still see changes."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask

ONE_YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    static = Path(app.static_folder or "")

    @lru_cache(maxsize=256)
    def version(filename: str) -> str:
        path = (static / filename).resolve()
        if not path.is_file() or static.resolve() not in path.parents:
            return "0"
        return hashlib.sha256(path.read_bytes()).hexdigest()[:10]

    @app.url_defaults
    def _static_version(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            values["v"] = version(values["filename"])

    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = ONE_YEAR
