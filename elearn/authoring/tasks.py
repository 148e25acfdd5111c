"""Imports as jobs: the request checks the package and keeps it; a worker imports it.

The request does what answers at once — the package's structure and the caller's rights,
a 422 or 403 with every error — then puts the .zip in the media storage (which every
worker machine reaches, local folder or S3) and asks for an ``import`` job. The job checks
again (a right can be lost, a slug taken, while it waits), renders and imports in one
transaction with its own "done": a worker killed half-way leaves no half course, and the
job runs again once.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
from contextlib import closing
from datetime import datetime, timedelta
from typing import BinaryIO

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from elearn.accounts.models import User
from elearn.authoring.package.files import read_zip
from elearn.authoring.package.importer import (
    check_may_import,
    check_package,
    import_course,
    staged_import,
)
from elearn.core import clock, edge
from elearn.extensions import db
from elearn.jobs import services as jobs
from elearn.jobs.models import Job
from elearn.jobs.queue import Queue
from elearn.jobs.registry import JobInvalid, handler, periodic
from elearn.media.storage import Storage, get_storage

log = logging.getLogger(__name__)

#: Where packages wait for their job; removed when it is done, swept after a week.
PREFIX = "jobs/imports/"
KEEP = timedelta(days=7)


def queue_import(
    session,
    queue: Queue,
    storage: Storage,
    stream: BinaryIO,
    *,
    filename: str,
    report,
    actor: User,
    publish: bool,
    now: datetime,
) -> Job:
    """Keep the package (already checked: ``report``) and ask for its import. Raises the
    rule's error when ``actor`` may not import it, QueueUnavailable when no worker could
    get it."""
    check_may_import(session, report.course, actor, publish)
    queue.ping()
    key = f"{PREFIX}{secrets.token_hex(16)}.zip"
    with tempfile.NamedTemporaryFile(prefix="elearn-import-") as spool:
        stream.seek(0)
        shutil.copyfileobj(stream, spool)
        spool.flush()
        storage.put_file(key, spool.name, "application/zip")
    edge.on_rollback(lambda: storage.delete(key))
    return jobs.submit(
        session,
        queue,
        "import",
        owner_id=actor.id,
        args={"key": key, "filename": filename, "publish": publish, "actor_id": actor.id},
        need_queue=True,
        now=now,
    )


def _describe(result: dict) -> tuple[str, str | None]:
    slug = result.get("slug", "")
    return (
        _("Course %(slug)s imported.", slug=slug),
        url_for("studio.course", slug=slug) if slug else None,
    )


@handler("import", max_attempts=3, describe=_describe)
def run_import(ctx) -> dict:
    storage = get_storage()
    args = ctx.args
    actor = db.session.get(User, args["actor_id"])
    if actor is None or not actor.active:
        raise JobInvalid(_l("The account that sent this package is no longer active."))
    if not storage.exists(args["key"]):
        raise JobInvalid(_l("The package is no longer kept on the platform: send it again."))
    name = args["filename"].removesuffix(".zip") or "course"
    with tempfile.TemporaryFile(prefix="elearn-import-") as spool:
        with closing(storage.open_stream(args["key"])) as source:
            shutil.copyfileobj(source, spool)
        spool.seek(0)
        ctx.progress(5)
        with read_zip(spool, default_name=name) as pkg:
            report = check_package(
                db.session, pkg, progress=lambda part: ctx.progress(5 + 45 * part)
            )
            warnings = [i.as_dict() for i in report.warnings]
            if not report.valid:
                raise JobInvalid(
                    _l("The package has errors; nothing was imported."),
                    {"errors": [i.as_dict() for i in report.errors], "warnings": warnings},
                )
            with staged_import(storage) as staged:
                course = import_course(
                    db.session,
                    report,
                    actor=actor,
                    staged=staged,
                    now=clock.now(),
                    publish=bool(args.get("publish")),
                    progress=lambda part: ctx.progress(50 + 48 * part),
                )
    key = args["key"]
    edge.on_commit(lambda: storage.delete(key))
    return {"slug": course.slug, "status": course.status, "warnings": warnings}


@periodic("sweep_import_packages", minute="41", hour="*/6")
def sweep_import_packages() -> None:
    """Packages whose import failed are kept a week, for an admin's retry."""
    storage = get_storage()
    cutoff = clock.now() - KEEP
    for obj in storage.objects(PREFIX):
        if obj.modified <= cutoff:
            storage.delete(obj.key)
