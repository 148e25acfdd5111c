"""Media of a course at a stable URL; who may see it is decided here, on each request."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, send_file
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from elearn.authoring import services
from elearn.extensions import csrf, db
from elearn.learning.services import may_read
from elearn.media.models import MediaAsset
from elearn.media.storage import LocalStorage, StorageError, get_storage

bp = Blueprint("media", __name__)

INLINE = ("image/", "audio/", "video/", "application/pdf")
MAX_LOCAL_UPLOAD = 2 * 1024 * 1024 * 1024 + 1024 * 1024


@bp.get("/courses/<slug>/media/<path:path>")
@login_required
def media(slug: str, path: str):
    """Authors get the working copy's file (a deleted one is gone for them at once);
    everyone else who may read the course gets the published version's, or a 404."""
    course = services.course_by_slug(db.session, slug)
    if course is None:
        abort(404)
    authoring = services.may_author(current_user, course)
    if not authoring and not may_read(db.session, current_user, course):
        abort(404)
    asset = db.session.scalar(
        select(MediaAsset).where(
            MediaAsset.course_id == course.id, MediaAsset.path == f"media/{path}"
        )
    )
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


@bp.get("/media/files/<token>")
def signed_file(token: str):
    """A local file behind a signed, expiring URL, with Range support for video seeking."""
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        abort(404)
    signer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="media-file")
    try:
        grant = signer.loads(token, max_age=storage.url_ttl)
    except BadSignature:
        abort(403)
    path = storage.local_path(grant["key"])
    if not path.is_file():
        abort(404)
    name = grant.get("name")
    response = send_file(
        path,
        mimetype=grant["type"],
        conditional=True,
        as_attachment=bool(name),
        download_name=name or path.name,
        max_age=storage.url_ttl,
    )
    response.headers["Cache-Control"] = f"private, max-age={storage.url_ttl}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/media/uploads")
@csrf.exempt  # authorised by the signed ticket fields, like a presigned POST
def local_upload():
    """Where browsers send bytes when storage is local: the signed fields say which key,
    type and size the ticket allowed; anything else is refused."""
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    from elearn.core.errors import problem

    request.max_content_length = MAX_LOCAL_UPLOAD
    signer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="media-upload")
    try:
        ticket = signer.loads(request.form.get("token", ""), max_age=2 * 3600)
    except BadSignature:
        return problem(403, _l("This upload form has expired or was altered."))
    upload = request.files.get("file")
    if upload is None:
        return problem(422, _l("Send the file in a field named file."))
    if request.form.get("Content-Type") != ticket["type"]:
        return problem(422, _l("The file does not match the upload ticket."))
    try:
        get_storage().put_stream(ticket["key"], upload.stream, ticket["size"])
    except StorageError:
        return problem(422, _l("The file does not match the upload ticket."))
    return "", 204


@bp.put("/media/uploads/parts")
@csrf.exempt  # authorised by the signed token, like a presigned URL
def local_part():
    """One part of a big upload when storage is local (S3 takes parts itself)."""
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    from elearn.core.errors import problem
    from elearn.media.uploads import PART_SIZE

    signer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="media-part")
    try:
        ticket = signer.loads(request.args.get("token", ""), max_age=3600)
    except BadSignature:
        return problem(403, _l("This upload form has expired or was altered."))
    request.max_content_length = PART_SIZE + 1
    try:
        get_storage().put_part(ticket["id"], ticket["n"], request.stream, PART_SIZE)
    except StorageError:
        return problem(422, _l("The file does not match the upload ticket."))
    return "", 200, {"ETag": f'"{ticket["n"]}"'}
