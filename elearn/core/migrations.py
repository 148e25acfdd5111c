"""Schema migrations (Flask-Migrate, Alembic), loaded only by what migrates.

Importing Flask-Migrate imports Alembic: about 10 MB resident in every web worker, none of
which ever migrates (docs/performance.md). The ``elearn`` command's app has it (``elearn
db …``); other code that migrates (tests, benchmarks) calls :func:`upgrade` and
:func:`downgrade` from here, inside an application context.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app


def enable(app: Flask) -> None:
    """Give this app Flask-Migrate's commands and functions (once)."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    from elearn.extensions import db

    # beside the package (settings, in elearn/config.py, sit above core)
    directory = Path(app.root_path).parent / "migrations"
    Migrate(app, db, directory=str(directory), render_as_batch=True)


def upgrade(revision: str = "head") -> None:
    enable(current_app)
    from flask_migrate import upgrade as run

    run(revision=revision)


def downgrade(revision: str) -> None:
    enable(current_app)
    from flask_migrate import downgrade as run

    run(revision=revision)
