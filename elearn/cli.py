"""The ``elearn`` command: Flask's command group for this app, plus our own commands."""

from __future__ import annotations

import os

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
