"""The ``elearn`` command: Flask's command group for this app, plus our own commands."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from elearn import create_app


def main() -> None:
    FlaskGroup(create_app=command_app, help="MRE Academy platform (elearn).")(prog_name="elearn")


def command_app() -> Flask:
    """The app as commands see it: with ``elearn db …`` (Flask-Migrate), which web workers
    never load (elearn/core/migrations.py)."""
    from elearn.core import migrations

    app = create_app()
    migrations.enable(app)
    return app


def read_password(confirm: bool = True) -> str:
    """Read a password from standard input: hidden prompt on a terminal, one line otherwise."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    return sys.stdin.readline().rstrip("\r\n")


def register_commands(app: Flask) -> None:
    from elearn.accounts.cli import tokens_cli, users_cli
    from elearn.authoring.cli import courses_cli, push_command
    from elearn.demo import demo_command
    from elearn.media.cli import media_cli, storage_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(courses_cli)
    app.cli.add_command(push_command)
    app.cli.add_command(storage_cli)
    app.cli.add_command(media_cli)


def fail(message: str) -> None:
    """Stop a command with a message on stderr and exit status 1, after a rollback."""
    from flask_babel import gettext as _

    from elearn.extensions import db

    db.session.rollback()
    click.echo(_("Error: %(message)s", message=message), err=True)
    raise SystemExit(1)
