"""The app's own commands, added to ``app.cli`` by ``create_app`` (wiring only).

Apart from ``elearn/cli.py``, which builds the app for the console script: the app
registers these, and the console script imports the app, so neither imports the other.
"""

from __future__ import annotations

from flask import Flask

from elearn.accounts.cli import tokens_cli, users_cli
from elearn.authoring.cli import courses_cli, push_command
from elearn.demo import demo_command
from elearn.jobs.cli import worker_command
from elearn.learning.cli import reindex_command
from elearn.media.cli import media_cli, storage_cli


def register_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(demo_command)
    courses_cli.add_command(reindex_command)  # learning's, in the courses group
    app.cli.add_command(courses_cli)
    app.cli.add_command(push_command)
    app.cli.add_command(storage_cli)
    app.cli.add_command(media_cli)
    app.cli.add_command(worker_command)
