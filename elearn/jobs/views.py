"""The page that follows a job: a progress bar while it runs, what came of it after.

It refreshes itself without scripts (``<meta http-equiv="refresh">`` inside
``<noscript>``); with them, ``job.js`` polls ``GET /api/v1/jobs/{id}`` and moves the bar
in place, which costs a few hundred bytes a poll on a phone instead of the page.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from elearn.core import clock
from elearn.extensions import db
from elearn.jobs import services
from elearn.jobs.queue import get_queue
from elearn.jobs.registry import KINDS

bp = Blueprint("jobs", __name__, url_prefix="/jobs", template_folder="templates")


@bp.get("/<int:job_id>")
@login_required
def job(job_id: int):
    found = services.readable(db.session, job_id, current_user)
    if found is None:
        abort(404)
    progress = services.progress_of(get_queue(), found)
    kind = KINDS.get(found.kind)
    outcome = None
    if found.status == "done" and kind is not None and kind.describe is not None:
        outcome = kind.describe(found.result or {})
    return render_template("jobs/job.html", job=found, progress=progress, outcome=outcome)


def _admins_only() -> None:
    if not current_user.is_admin:
        abort(403)


@bp.get("/failed")
@login_required
def failed():
    """Admins: the jobs that failed, with their error, newest first, each with a retry."""
    _admins_only()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    per_page = 50
    jobs, total = services.failed(db.session, offset=(page - 1) * per_page, limit=per_page)
    return render_template(
        "jobs/failed.html", jobs=jobs, total=total, page=page, pages=-(-total // per_page)
    )


@bp.post("/<int:job_id>/retry")
@login_required
def retry(job_id: int):
    _admins_only()
    found = services.readable(db.session, job_id, current_user)
    if found is None:
        abort(404)
    if services.retry(db.session, get_queue(), found, now=clock.now()):
        flash(_("The job was queued again."), "success")
    else:
        flash(_("This job has not failed: there is nothing to try again."), "info")
    return redirect(url_for(".failed"), code=303)
