"""What every command shares: reading a password, stopping with a message.

In core because every domain's commands use them (``elearn users``, ``elearn demo``…),
while ``elearn/cli.py`` builds the app and so sits above them all.
"""

from __future__ import annotations

import sys

import click
from flask_babel import gettext as _


def read_password(confirm: bool = True) -> str:
    """Read a password from standard input: hidden prompt on a terminal, one line otherwise."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    return sys.stdin.readline().rstrip("\r\n")


def fail(message: str) -> None:
    """Stop a command with a message on stderr and exit status 1. Inside a command's unit
    of work (``core.edge.unit_of_work``) the exit rolls everything back."""
    click.echo(_("Error: %(message)s", message=message), err=True)
    raise SystemExit(1)
