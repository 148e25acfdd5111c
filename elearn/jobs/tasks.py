"""The jobs package's own periodic work: deliver what was lost, forget what is old."""

from __future__ import annotations

from flask import current_app

from elearn.core import clock
from elearn.extensions import db
from elearn.jobs import runner, services
from elearn.jobs.registry import periodic


@periodic("sweep_jobs", minute="*")
def sweep_jobs() -> None:
    runner.sweep(current_app._get_current_object())


@periodic("purge_jobs", minute="17", hour="3")
def purge_jobs() -> None:
    services.purge(db.session, runner.get_queue(), now=clock.now())
