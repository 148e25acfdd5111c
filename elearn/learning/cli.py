"""``elearn courses reindex``: rebuild the lesson search (added to the ``courses`` group)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import ngettext

from elearn.core.edge import unit_of_work
from elearn.extensions import db
from elearn.learning import search


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the lesson search from every published course (after an upgrade)."""
    with unit_of_work():
        courses, entries = search.reindex_all(db.session)
    click.echo(
        ngettext(
            "Lesson search rebuilt: %(num)d published course.",
            "Lesson search rebuilt: %(num)d published courses.",
            courses,
        )
    )
    click.echo(
        ngettext(
            "%(num)d lesson text can be searched.", "%(num)d lesson texts can be searched.", entries
        )
    )
