"""The framework's ceiling: one minimal Flask endpoint, served by ``bench/run`` with the
same gunicorn settings as elearn, so the app's throughput is read as a share of what Flask
and gunicorn alone can do on the same machine (``gunicorn bench.ceiling:app``)."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return {"ok": True}
