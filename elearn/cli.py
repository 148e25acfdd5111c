"""The ``elearn`` command: Flask's command group for this app, plus our own commands."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, routes_command, run_command, shell_command

from elearn import create_app


def main() -> None:
    command_group()(prog_name="elearn")


def command_group() -> FlaskGroup:
    """Flask's command group for this app, its ``run`` knowing where links point."""
    group = FlaskGroup(
        create_app=command_app, add_default_commands=False, help="MRE Academy platform (elearn)."
    )
    group.add_command(_run_where_links_point())
    group.add_command(shell_command)
    group.add_command(routes_command)
    return group


def _run_where_links_point() -> click.Command:
    """Flask's ``run``, which also makes the address it listens on the base of the links in
    e-mails when ``ELEARN_BASE_URL`` is not set: ``elearn run --port 8080`` then mails
    links that open on port 8080 (set before the app, hence its settings, is loaded)."""

    def run(**options):
        host = options["host"]
        scheme = "https" if options.get("cert") else "http"
        shown = f"[{host}]" if ":" in host else host
        os.environ.setdefault("ELEARN_BASE_URL", f"{scheme}://{shown}:{options['port']}")
        return run_command.callback(**options)

    return click.Command(
        "run",
        callback=run,
        params=run_command.params,
        help=run_command.help,
        short_help=run_command.short_help,
    )


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
