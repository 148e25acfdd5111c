"""The page that follows a job: a progress bar while it runs, what came of it after.

It refreshes itself without scripts (``<meta http-equiv="refresh">`` inside
``<noscript>``); with them, ``job.js`` polls ``GET /api/v1/jobs/{id}`` and moves the bar
in place, which costs a few hundred bytes a poll on a phone instead of the page.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

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
