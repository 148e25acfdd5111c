"""Schema migrations (Flask-Migrate, Alembic), loaded only by what migrates.

Importing Flask-Migrate imports Alembic: about 10 MB resident in every web worker, none of
which ever migrates (docs/performance.md). The ``elearn`` command's app has it (``elearn
db …``); other code that migrates (tests, benchmarks) calls :func:`upgrade` and
:func:`downgrade` from here, inside an application context.
"""

from __future__ import annotations

from flask import Flask, current_app

from elearn.config import PROJECT_ROOT


def enable(app: Flask) -> None:
    """Give this app Flask-Migrate's commands and functions (once)."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    from elearn.extensions import db

    Migrate(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)


def upgrade(revision: str = "head") -> None:
    enable(current_app)
    from flask_migrate import upgrade as run

    run(revision=revision)


def downgrade(revision: str) -> None:
    enable(current_app)
    from flask_migrate import downgrade as run

    run(revision=revision)
