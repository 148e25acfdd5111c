"""``elearn worker``: run jobs, on this machine or on as many as you like."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from elearn.core.cli import fail
from elearn.jobs import runner

log = logging.getLogger(__name__)


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs run at the same time.")
@click.option(
    "--no-periodic",
    is_flag=True,
    help="Do not run the scheduled work here (it runs once wherever several workers run it).",
)
@with_appcontext
def worker_command(threads: int, no_periodic: bool) -> None:
    """Run background jobs (imports, e-mails, exports) until stopped (Ctrl-C or SIGTERM)."""
    app = current_app._get_current_object()
    queue = app.extensions["elearn.queue"]
    if queue.immediate:
        fail(_("ELEARN_QUEUE_URL=immediate: runs jobs where they are asked; no worker is needed."))
    runner.sweep(app)  # what a worker killed earlier left running
    consumer = queue.huey.create_consumer(
        workers=max(1, threads),
        worker_type="thread",
        periodic=not no_periodic,
        initial_delay=0.1,
        backoff=1.15,
        max_delay=1.0,
    )
    click.echo(
        ngettext(
            "elearn worker: %(num)s thread, queue %(queue)s",
            "elearn worker: %(num)s threads, queue %(queue)s",
            threads,
            queue=app.config["QUEUE_URL"] or "instance/jobs.sqlite3",
        ),
        err=True,
    )
    consumer.run()
