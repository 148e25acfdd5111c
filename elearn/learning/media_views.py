"""A course's media at their stable URL: who may see them is decided here, on each request.

It belongs to learning, not media: "may read the course" is learning's rule
(``learning.policy``), and media only stores and hands out the bytes.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect
from flask_login import current_user, login_required
from sqlalchemy import select

from elearn.authoring import services
from elearn.authoring.policy import may_author
from elearn.extensions import db
from elearn.learning.policy import may_read_course
from elearn.media.models import MediaAsset
from elearn.media.storage import get_storage

bp = Blueprint("course_media", __name__)

INLINE = ("image/", "audio/", "video/", "application/pdf")


@bp.get("/courses/<slug>/media/<path:path>")
@login_required
def media(slug: str, path: str):
    """Authors get the working copy's file (a deleted one is gone for them at once);
    everyone else who may read the course gets the published version's, or a 404."""
    course = services.course_by_slug(db.session, slug)
    if course is None or not may_read_course(db.session, current_user, course):
        abort(404)
    asset = db.session.scalar(
        select(MediaAsset).where(
            MediaAsset.course_id == course.id, MediaAsset.path == f"media/{path}"
        )
    )
    authoring = may_author(current_user, course)
    version = None if asset is None else asset.working() if authoring else asset.published
    if version is None:
        abort(404)
    # Both backends hand out a short-lived URL minted for this reader: presigned by S3, or
    # signed by us for local files. The bytes never come from this stable address itself.
    inline = version["content_type"].startswith(INLINE)
    url = get_storage().url(
        version["key"],
        content_type=version["content_type"],
        download_name=None if inline else path.rsplit("/", 1)[-1],
    )
    response = redirect(url, code=302)
    response.headers["Cache-Control"] = "private, no-store"
    return response
