"""``elearn courses validate|import|export`` and ``elearn push``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from elearn.accounts.models import Network
from elearn.authoring.package.files import read_package
from elearn.authoring.package.validate import validate_package
from elearn.extensions import db

courses_cli = AppGroup("courses", help="Validate, import and export course packages.")


def network_codes() -> set[str]:
    return set(db.session.scalars(select(Network.code)))


@courses_cli.command("validate")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def validate_command(path: Path) -> None:
    """Check a package (folder or .zip); exit 0 when it can be imported."""
    report = validate_package(read_package(path), networks=network_codes())
    for issue in report.issues:
        click.echo(str(issue), err=issue.level == "error")
    errors, warnings = len(report.errors), len(report.warnings)
    click.echo(_("%(errors)d error(s), %(warnings)d warning(s).", errors=errors,
                 warnings=warnings), err=True)
    sys.exit(1 if errors else 0)
