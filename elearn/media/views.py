"""Media of a course at a stable URL; who may see it is decided here, on each request."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, send_file
from flask_login import current_user, login_required
from sqlalchemy import select

from elearn.authoring import services
from elearn.authoring.models import CourseStatus
from elearn.extensions import db
from elearn.media.models import MediaAsset
from elearn.media.storage import LocalStorage, get_storage

bp = Blueprint("media", __name__)

INLINE = ("image/", "audio/", "video/", "application/pdf")


@bp.get("/courses/<slug>/media/<path:path>")
@login_required
def media(slug: str, path: str):
    course = services.course_by_slug(db.session, slug)
    if course is None:
        abort(404)
    readable = services.may_author(current_user, course) or (
        course.published is not None and course.status != CourseStatus.ARCHIVED
    )
    if not readable:
        abort(404)
    asset = db.session.scalar(
        select(MediaAsset).where(
            MediaAsset.course_id == course.id, MediaAsset.path == f"media/{path}"
        )
    )
    if asset is None:
        abort(404)
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        # the bytes never pass through us: a short-lived presigned URL, minted per request
        inline = asset.content_type.startswith(INLINE)
        url = storage.url(
            asset.key,
            content_type=asset.content_type,
            download_name=None if inline else path.rsplit("/", 1)[-1],
        )
        response = redirect(url, code=302)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    response = send_file(
        storage.local_path(asset.key),
        mimetype=asset.content_type,
        conditional=True,
        as_attachment=not asset.content_type.startswith(INLINE),
        download_name=path.rsplit("/", 1)[-1],
        max_age=3600,
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
