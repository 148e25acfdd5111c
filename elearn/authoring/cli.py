"""``elearn courses validate|import|export`` and ``elearn push``."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from elearn.accounts.models import PROGRAMME_NETWORKS, Network
from elearn.authoring.package.files import read_package
from elearn.authoring.package.validate import validate_package
from elearn.core.edge import unit_of_work
from elearn.core.errors import DomainError
from elearn.extensions import db
from elearn.i18n.formatting import STATUS_LABELS
from elearn.media.storage import StorageError

courses_cli = AppGroup("courses", help="Validate, import and export course packages.")


def network_codes() -> set[str]:
    return set(db.session.scalars(select(Network.code)))


def networks_to_check() -> set[str]:
    """This platform's networks; where no database was ever migrated (an expert checking
    a package on their laptop), the programme's own, said in one line."""
    try:
        return network_codes()
    except (OperationalError, ProgrammingError):
        db.session.rollback()
        click.echo(
            _(
                "No database here: checking against the programme's networks (%(codes)s). "
                'Run "elearn db upgrade" to check against this platform\'s own.',
                codes=", ".join(PROGRAMME_NETWORKS),
            ),
            err=True,
        )
        return set(PROGRAMME_NETWORKS)


@courses_cli.command("validate")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def validate_command(path: Path) -> None:
    """Check a package (folder or .zip); exit 0 when it can be imported."""
    with read_package(path) as pkg:
        report = validate_package(pkg, networks=networks_to_check())
    for issue in report.issues:
        click.echo(str(issue), err=issue.level == "error")
    errors, warnings = len(report.errors), len(report.warnings)
    click.echo(
        _("%(errors)d error(s), %(warnings)d warning(s).", errors=errors, warnings=warnings),
        err=True,
    )
    sys.exit(1 if errors else 0)


def import_or_report(path: Path, publish: bool, actor=None):
    """Validate and import in one transaction; on any failure nothing stays behind.

    Returns the course, or None after printing why nothing was imported.
    """
    from elearn.authoring.package.importer import check_package, import_course, staged_import
    from elearn.core.db import utcnow
    from elearn.media.storage import get_storage

    with read_package(path) as pkg:
        report = check_package(db.session, pkg)
        for issue in report.issues:
            click.echo(str(issue), err=True)
        if not report.valid:
            click.echo(
                _("%(errors)d error(s): nothing was imported.", errors=len(report.errors)),
                err=True,
            )
            return None
        try:
            with unit_of_work(), staged_import(get_storage()) as staged:
                course = import_course(
                    db.session, report, actor=actor, staged=staged, now=utcnow(), publish=publish
                )
        except (StorageError, DomainError) as exc:  # rolled back, staged media taken back
            click.echo(
                _("Nothing was imported: %(reason)s", reason=str(getattr(exc, "message", exc))),
                err=True,
            )
            return None
    return course


@courses_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--publish", is_flag=True, help="Publish it right away.")
def import_command(path: Path, publish: bool) -> None:
    """Import a package (folder or .zip), all or nothing."""
    course = import_or_report(path, publish)
    if course is None:
        sys.exit(1)
    status = STATUS_LABELS[course.status]
    click.echo(_("Imported %(slug)s (%(status)s).", slug=course.slug, status=status))


@courses_cli.command("export")
@click.argument("slug")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def export_command(slug: str, out: Path) -> None:
    """Write a course as a package .zip."""
    from elearn.authoring.package.exporter import write_zip
    from elearn.authoring.services import course_by_slug
    from elearn.media.storage import get_storage

    course = course_by_slug(db.session, slug)
    if course is None:
        click.echo(_("No course with the slug %(slug)s.", slug=slug), err=True)
        sys.exit(1)
    # written beside OUT then renamed: a failure never leaves half a .zip under its name
    fd, tmp = tempfile.mkstemp(dir=out.resolve().parent, prefix=f".{out.name}-")
    try:
        with os.fdopen(fd, "wb") as fh:
            write_zip(db.session, course, get_storage(), fh)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    click.echo(_("Wrote %(path)s.", path=str(out)))


@click.command("push")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--server", required=True, help="The platform's address, e.g. https://elearn.example")
@click.option(
    "--token",
    required=True,
    envvar="ELEARN_TOKEN",
    help="A personal access token (account page). Also read from ELEARN_TOKEN.",
)
@click.option("--dry-run", is_flag=True, help="Only validate on the server.")
def push_command(path: Path, server: str, token: str, dry_run: bool) -> None:
    """Send a course package (folder or .zip) to a remote platform through its API."""
    from elearn.authoring.push import push

    sys.exit(push(path, server, token, dry_run))
