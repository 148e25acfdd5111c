"""Serving stored bytes: local files behind signed URLs, and the local upload endpoints.

The stable ``/courses/<slug>/media/...`` address, which decides who may read, is
learning's (``learning/media_views.py``).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request, send_file
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from elearn.core.db import reading_only
from elearn.core.errors import problem
from elearn.extensions import csrf, db
from elearn.media import uploads
from elearn.media.storage import LocalStorage, StorageError, get_storage

bp = Blueprint("media", __name__)


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


def _grant(salt: str, max_age: int) -> dict | None:
    """The signed grant in the URL's ``token``, or None when forged, altered or expired."""
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    signer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)
    try:
        return signer.loads(request.args.get("token", ""), max_age=max_age)
    except BadSignature:
        return None


def _refusal(grant: dict | None, limit: int, *, multipart_id: str | None = None):
    """Why this upload request is refused, decided before a byte of its body is read: a
    forged or expired grant (403), a ticket already used (409), a body announced larger
    than the ticket allows (413). None when it may be read — up to ``limit`` bytes only."""
    if grant is None:
        return problem(403, _l("This upload form has expired or was altered."))
    with reading_only(db.session):  # no write lock held while the bytes arrive
        upload = uploads.pending(db.session, str(grant.get("key", "")))
        if upload is None or (multipart_id is not None and upload.multipart_id != multipart_id):
            return problem(409, _l("This upload ticket has been used already. Ask for a new one."))
    if request.content_length is not None and request.content_length > limit:
        return problem(413, _l("This is larger than the upload ticket allows."))
    request.max_content_length = limit  # a body without a length stops there too
    return None


@bp.post("/media/uploads")
@csrf.exempt  # authorised by the signed ticket in the URL, like a presigned POST
def local_upload():
    """Where browsers send bytes when storage is local: the signed ticket in the URL says
    which key, type and size it allows, and is checked before the body is read."""
    grant = _grant("media-upload", int(uploads.TICKET_LIFETIME.total_seconds()))
    refused = _refusal(grant, (grant or {}).get("size", 0) + uploads.FORM_ENVELOPE)
    if refused is not None:
        return refused
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:  # a body without a length, longer than it may be
        return problem(413, _l("This is larger than the upload ticket allows."))
    if upload is None:
        return problem(422, _l("Send the file in a field named file."))
    if request.form.get("Content-Type") != grant["type"]:
        return problem(422, _l("The file does not match the upload ticket."))
    try:
        get_storage().put_stream(grant["key"], upload.stream, grant["size"])
    except StorageError:
        return problem(422, _l("The file does not match the upload ticket."))
    return "", 204


@bp.put("/media/uploads/parts")
@csrf.exempt  # authorised by the signed token, like a presigned URL
def local_part():
    """One part of a big upload when storage is local (S3 takes parts itself)."""
    grant = _grant("media-part", uploads.PART_URL_LIFETIME)
    refused = _refusal(grant, uploads.PART_SIZE, multipart_id=(grant or {}).get("id"))
    if refused is not None:
        return refused
    try:
        get_storage().put_part(grant["id"], grant["n"], request.stream, uploads.PART_SIZE)
    except RequestEntityTooLarge:
        return problem(413, _l("This is larger than the upload ticket allows."))
    except StorageError:
        return problem(422, _l("The file does not match the upload ticket."))
    return "", 200, {"ETag": f'"{grant["n"]}"'}
