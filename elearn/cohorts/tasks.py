"""Large cohort exports as jobs: the request asks, a worker writes the sheet, its owner
downloads it.

The page and the API answer a cohort's grid at once while it is small (the direct
``progress.csv|xlsx``); above ``ELEARN_EXPORT_INLINE_LIMIT`` trainees the page asks for an
``export`` job instead, and the API may always. The job checks again that its owner still
manages the cohort, writes the same file as the direct export (``sheets.table`` and
``sheets.write``: the same rows, a thousand trainees at a time, into a temporary file) and
keeps it in the media storage, which every web and worker machine reaches, under
``jobs/exports/<job id>/<file name>``: a job run twice (at least once) writes the same key
again. Files go after ``KEEP``, or once their job is forgotten (``jobs.services.purge``).
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from elearn.accounts.models import User
from elearn.authoring.models import Course
from elearn.cohorts import policy, sheets
from elearn.cohorts.models import Cohort, CohortMember
from elearn.core import clock, edge
from elearn.core.errors import DomainError
from elearn.extensions import db
from elearn.i18n.languages import FORMAT_LOCALES, INTERFACE_LANGUAGES
from elearn.jobs import services as jobs
from elearn.jobs.models import Job, JobStatus
from elearn.jobs.queue import Queue
from elearn.jobs.registry import JobInvalid, handler, periodic
from elearn.media.storage import Storage, get_storage

log = logging.getLogger(__name__)

KIND = "export"
#: Where finished exports wait for their download.
PREFIX = "jobs/exports/"
KEEP = timedelta(days=7)
#: Progress is reported every so many rows (a percent of a 10,000-trainee cohort).
EVERY = 100


def queue_export(
    session,
    queue: Queue,
    *,
    actor: User,
    cohort: Cohort,
    course: Course,
    kind: str,
    lang: str | None = None,
    now: datetime,
) -> Job:
    """Ask for the sheet of ``cohort`` on ``course`` (already checked: ``actor`` manages
    it), in ``lang`` (default: the request's interface language). Raises QueueUnavailable
    when no worker could get it."""
    if kind not in sheets.KINDS:
        raise ValueError(f"unknown sheet kind {kind!r}")
    return jobs.submit(
        session,
        queue,
        KIND,
        owner_id=actor.id,
        args={"cohort_id": cohort.id, "course_id": course.id, "kind": kind},
        locale=lang if lang in INTERFACE_LANGUAGES else None,
        need_queue=True,
        now=now,
    )


def _describe(result: dict) -> tuple[str, str | None, str]:
    return (
        _("Your export %(filename)s is ready.", filename=result.get("filename", "")),
        result.get("url"),
        _("Download"),
    )


def download_path(job_id: int) -> str:
    """The download's address on this platform (a path, like the API's ``Location``):
    built without a request, since a worker writes it."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/")
    return adapter.build("cohorts.export_file", {"job_id": job_id})


def _still_allowed(session, job: Job) -> tuple[Cohort, Course]:
    """The job's cohort and course if its owner may still export them; else it fails."""
    owner = session.get(User, job.owner_id) if job.owner_id else None
    cohort = session.get(Cohort, job.args.get("cohort_id"))
    if owner is None or not owner.active or cohort is None or not policy.may_manage(owner, cohort):
        raise JobInvalid(_l("This cohort can no longer be exported from your account."))
    course = session.get(Course, job.args.get("course_id"))
    if course is None or course.id not in cohort.course_ids:
        raise JobInvalid(_l("The cohort no longer follows this course: nothing was exported."))
    return cohort, course


def _counted(rows, total: int, ctx):
    """The rows, saying how far the job is every ``EVERY`` rows (to 95 %: storing is last)."""
    for done, row in enumerate(rows, start=1):
        yield row
        if done % EVERY == 0:
            ctx.progress(95 * done / max(total, 1))


@handler(KIND, max_attempts=3, describe=_describe)
def run_export(ctx) -> dict:
    job = ctx.job
    kind = ctx.args.get("kind")
    if kind not in sheets.KINDS:
        raise JobInvalid(_l("This kind of sheet (%(kind)s) is unknown.", kind=kind))
    cohort, course = _still_allowed(db.session, job)
    lang = job.locale if job.locale in INTERFACE_LANGUAGES else current_app.config["DEFAULT_LOCALE"]
    name = sheets.filename(cohort, course, kind, on=job.created_at)
    key = f"{PREFIX}{job.id}/{name}"
    total = db.session.scalar(
        select(func.count()).select_from(CohortMember).where(CohortMember.cohort_id == cohort.id)
    )
    storage = get_storage()
    # the page's locale (fr_MA, ar_MA), not the bare language: dates and digits as on the page
    with (
        force_locale(FORMAT_LOCALES[lang]),
        tempfile.NamedTemporaryFile(prefix="elearn-export-") as spool,
    ):
        header, rows = sheets.table(db.session, cohort, course, lang=lang, now=clock.now())
        sheets.write(
            spool, kind, header, _counted(rows, total, ctx), sheet_title=cohort.name, lang=lang
        )
        spool.flush()
        size = os.fstat(spool.fileno()).st_size
        ctx.progress(97)
        storage.put_file(key, spool.name, sheets.MIMETYPES[kind])  # copied in chunks
    edge.on_rollback(lambda: storage.delete(key))
    return {"filename": name, "bytes": size, "url": download_path(job.id)}


class ExportGone(DomainError):  # noqa: N818 - reads as "the export is gone"
    """A finished export whose file was removed (kept ``KEEP``): ask for it again."""

    status = 410

    def __init__(self):
        super().__init__(
            _l("This export is no longer kept on the platform: export the cohort again.")
        )


def stored_file(session, job: Job, user) -> tuple[str, str, str] | None:
    """(key, file name, type) of a finished export that ``user`` may download: its owner
    while they still manage the cohort, and admins; None for anyone else."""
    if job.kind != KIND or job.status != JobStatus.DONE or not jobs.may_read(user, job):
        return None
    cohort = session.get(Cohort, (job.args or {}).get("cohort_id"))
    if cohort is None or not policy.may_manage(user, cohort):
        return None
    name = (job.result or {}).get("filename", "")
    kind = name.rsplit(".", 1)[-1]
    if kind not in sheets.KINDS:
        return None
    return f"{PREFIX}{job.id}/{name}", name, sheets.MIMETYPES[kind]


def downloadable(session, storage: Storage, job_id: int, user) -> tuple[str, str, str] | None:
    """(key, file name, type) of job ``job_id``'s file for ``user``, or None when it is
    not theirs (or not an export, or not done): the page and the API answer a 404 alike.
    Raises ExportGone once the file was swept."""
    job = jobs.readable(session, job_id, user)
    stored = stored_file(session, job, user) if job is not None else None
    if stored is not None and not storage.exists(stored[0]):
        raise ExportGone()
    return stored


@periodic("sweep_export_files", minute="47", hour="*/6")
def sweep_export_files() -> None:
    """Exports are kept ``KEEP``, and not after their job is forgotten."""
    storage = get_storage()
    cutoff = clock.now() - KEEP
    found = storage.objects(PREFIX)
    ids = {_job_id(o.key) for o in found} - {None}
    alive = set(db.session.scalars(select(Job.id).where(Job.id.in_(ids)))) if ids else set()
    removed = 0
    for obj in found:
        if obj.modified <= cutoff or _job_id(obj.key) not in alive:
            storage.delete(obj.key)
            removed += 1
    if removed:
        log.info("Export clean-up: %d files removed", removed)


def _job_id(key: str) -> int | None:
    head = key.removeprefix(PREFIX).split("/", 1)[0]
    return int(head) if head.isdigit() else None
