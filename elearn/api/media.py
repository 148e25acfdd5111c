"""Direct uploads of course media: a ticket, the bytes straight to storage, a completion."""

from __future__ import annotations

from flask import abort
from flask_login import current_user, login_required
from marshmallow import Schema, fields, validate

from elearn.api.blueprint import Blueprint
from elearn.api.courses import _authored_or_404
from elearn.api.schemas import UTCDateTime
from elearn.authoring import services
from elearn.authoring.rendering import media_snippet
from elearn.core import edge
from elearn.core.db import utcnow
from elearn.extensions import db, limiter
from elearn.media import uploads
from elearn.media.models import MediaUpload
from elearn.media.storage import get_storage
from elearn.media.urls import media_url

blp = Blueprint("media_api", __name__, description="Course media")
SECURED = {"security": [{"bearerAuth": []}]}


class TicketIn(Schema):
    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))
    content_type = fields.String(required=True, validate=validate.Length(max=100))
    size = fields.Integer(required=True, strict=True)


class TicketOut(Schema):
    id = fields.String()
    method = fields.String()
    url = fields.String()
    headers = fields.Dict()
    expires_at = UTCDateTime()
    path = fields.String(metadata={"description": "How lessons will refer to the file."})
    multipart = fields.Dict(
        allow_none=True,
        metadata={
            "description": "For big files: {part_size, parts}; get part URLs from .../parts."
        },
    )
    fields = fields.Dict(metadata={"description": "Form fields to send before the file."})


class PartURLs(Schema):
    urls = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Part number → presigned URL to PUT that part to."},
    )


class PartsDone(Schema):
    done = fields.List(fields.Integer(), metadata={"description": "Part numbers received."})


class MediaFile(Schema):
    path = fields.String(metadata={"description": "How lessons refer to the file."})
    url = fields.String(metadata={"description": "Where readers get it."})
    snippet = fields.String(
        metadata={"description": "The Markdown that inserts it in a lesson (a PDF as a link)."}
    )


def _authored_course(slug: str):
    return _authored_or_404(slug)


@blp.route("/courses/<slug>/media/uploads", methods=["POST"])
@blp.arguments(TicketIn)
@blp.response(201, TicketOut)
@blp.problems(401, 403, 404, 429)
@blp.doc(**SECURED)
@login_required
@limiter.limit("120 per hour", key_func=lambda: f"user:{current_user.id}", scope="upload")
def create_ticket(body, slug: str):
    """Where to send a file: key, type and size are pinned by the server."""
    course = _authored_course(slug)
    upload = uploads.create_ticket(db.session, course, current_user, now=utcnow(), **body)
    form = uploads.ticket_form(upload, get_storage())
    return {"id": upload.id, "expires_at": upload.expires_at, "path": upload.path, **form}


class PartsIn(Schema):
    numbers = fields.List(
        fields.Integer(strict=True), required=True, validate=validate.Length(min=1, max=100)
    )


def _upload_or_404(course, upload_id: str) -> MediaUpload:
    upload = uploads.upload_of(db.session, course, current_user, upload_id)
    if upload is None:
        abort(404)
    return upload


@blp.route("/courses/<slug>/media/uploads/<upload_id>/parts", methods=["POST"])
@blp.arguments(PartsIn)
@blp.response(200, PartURLs)
@blp.problems(401, 403, 404, {409: "This upload is not sent in parts"})
@blp.doc(**SECURED)
@login_required
def part_urls(body, slug: str, upload_id: str):
    """Presigned URLs where each part is sent with PUT (at most 100 at a time)."""
    upload = _upload_or_404(_authored_course(slug), upload_id)
    return {"urls": uploads.part_urls(upload, get_storage(), body["numbers"])}


@blp.route("/courses/<slug>/media/uploads/<upload_id>/parts", methods=["GET"])
@blp.response(200, PartsDone)
@blp.problems(401, 403, 404)
@blp.doc(**SECURED)
@login_required
def parts_done(slug: str, upload_id: str):
    """The parts already received: after a dropped connection, send only the others."""
    upload = _upload_or_404(_authored_course(slug), upload_id)
    if upload.multipart_id is None:
        return {"done": []}
    parts = get_storage().list_parts(upload.key, upload.multipart_id)
    return {"done": [p["number"] for p in parts]}


@blp.route("/courses/<slug>/media/uploads/<upload_id>/complete", methods=["POST"])
@blp.response(201, MediaFile)
@blp.problems(401, 403, 404, {422: "What arrived is not what the ticket announced (it is removed)"})
@blp.doc(**SECURED)
@login_required
def complete(slug: str, upload_id: str):
    """Check what arrived; 201 with its path, or 422 (and the object is removed)."""
    course = _authored_course(slug)
    upload = _upload_or_404(course, upload_id)
    try:
        asset = uploads.complete(db.session, upload, get_storage(), now=utcnow())
    except uploads.UploadError:
        edge.commit_now()  # the refused object is gone; keep the ticket's state
        raise
    services.touched(course, utcnow())  # a new file in the working copy
    return {
        "path": asset.path,
        "url": media_url(course.slug, asset.path),
        "snippet": media_snippet(asset),
    }
