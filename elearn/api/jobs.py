"""Jobs through the API: how an import or an export asked earlier is going."""

from __future__ import annotations

from flask import abort
from flask_login import current_user, login_required
from marshmallow import Schema, fields

from elearn.accounts.models import Role
from elearn.accounts.permissions import roles_required
from elearn.api.blueprint import Blueprint
from elearn.api.schemas import UTCDateTime
from elearn.core import clock
from elearn.extensions import db
from elearn.jobs import services
from elearn.jobs.queue import get_queue

blp = Blueprint("jobs_api", __name__, description="Background jobs")
SECURED = {"security": [{"bearerAuth": []}]}


class JobSummary(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "import, export, mail…"})
    status = fields.String(metadata={"description": "queued, running, done or failed"})
    progress = fields.Integer(metadata={"description": "0 to 100"})


class JobAccepted(Schema):
    """What a request that started a job answers (202, with ``Location`` of the job)."""

    job = fields.Nested(JobSummary)


class JobDetail(JobSummary):
    result = fields.Dict(
        allow_none=True,
        metadata={
            "description": "When done: the job's answer (an import's {slug, status, "
            "warnings}; an export's {filename, bytes, url}, url downloading the file); when "
            "failed, what its owner can act on (an import's errors)"
        },
    )
    error = fields.String(allow_none=True, metadata={"description": "Why it failed"})
    attempts = fields.Integer()
    created_at = UTCDateTime()
    finished_at = UTCDateTime(allow_none=True)


def body(job) -> dict:
    queue = get_queue()
    return {
        **job.summary(services.progress_of(queue, job)),
        "result": job.result,
        "error": job.error,
        "attempts": job.attempts,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def accepted(job):
    """The 202 of a request that started ``job``."""
    summary = job.summary(0)
    return {"job": summary}, 202, {"Location": f"/api/v1/jobs/{job.id}"}


def _readable_or_404(job_id: int):
    job = services.readable(db.session, job_id, current_user)
    if job is None:
        abort(404)
    return job


@blp.route("/jobs/<int:job_id>", methods=["GET"])
@blp.response(200, JobDetail)
@blp.problems(401, 404)
@blp.doc(**SECURED)
@login_required
def get_job(job_id: int):
    """A job of the caller's (admins: anyone's). Poll it until ``status`` is done or
    failed; ``progress`` moves while it runs."""
    return body(_readable_or_404(job_id))


@blp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@blp.response(200, JobDetail)
@blp.problems(401, 403, 404)
@blp.doc(**SECURED)
@roles_required(Role.ADMIN)
def retry_job(job_id: int):
    """Admins: run a failed job again, with fresh attempts (a job that is not failed is
    left as it is)."""
    job = _readable_or_404(job_id)
    services.retry(db.session, get_queue(), job, now=clock.now())
    return body(job)
