"""Direct uploads: a ticket that pins key, type and size; a completion that checks the
object really is what was announced, or removes it."""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from elearn.core.db import again_if_raced
from elearn.core.errors import DomainError
from elearn.core.text import clean_text
from elearn.media.models import MediaAsset, MediaUpload
from elearn.media.types import TYPES, sniff

TICKET_LIFETIME = timedelta(hours=2)
#: Above this, files go in parts; a part must cross a 2 Mbit/s line in about 25 s.
MULTIPART_THRESHOLD = 32 * 1024 * 1024
PART_SIZE = 6 * 1024 * 1024
PART_URL_LIFETIME = 3600
#: What a form adds around the file it carries (boundaries, part headers, the type field,
#: a long file name): the local endpoint reads at most the ticket's size plus this.
FORM_ENVELOPE = 64 * 1024
#: The extension we write comes from the declared type, never from the user's file name.
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "application/pdf": "pdf",
}


class UploadError(DomainError):
    """An upload refused, with what to change."""


def safe_name(filename: str) -> str:
    """``Schéma « OBD » (v2).PNG`` → ``schema-obd-v2``: ASCII, no path, no controls."""
    name = clean_text(filename).replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")[:60]
    return slug or "media"


def create_ticket(
    session, course, user, *, filename: str, content_type: str, size: int, now: datetime
) -> MediaUpload:
    ext = EXTENSIONS.get(content_type)
    if ext is None:
        raise UploadError(
            _l(
                "This type of file is not accepted (PNG, JPEG, WebP, GIF, MP4, "
                "WebM, MP3, OGG or PDF)."
            ),
            field="content_type",
        )
    limit = TYPES[ext].max_size
    if not isinstance(size, int) or size <= 0 or size > limit:
        raise UploadError(
            _l("The file must be between 1 byte and %(mib)s MiB.", mib=limit // (1024 * 1024)),
            field="size",
        )
    # another upload of the same name still in flight keeps its path too
    in_flight = select(MediaUpload.path).where(
        MediaUpload.course_id == course.id,
        MediaUpload.completed_at.is_(None),
        MediaUpload.expires_at > now,
    )
    path = _free_path(
        session, course.id, safe_name(filename), ext, also=set(session.scalars(in_flight))
    )
    upload_id = secrets.token_hex(16)
    upload = MediaUpload(
        id=upload_id,
        course_id=course.id,
        user_id=user.id,
        path=path,
        key=f"courses/{course.slug}/uploads/{upload_id}.{ext}",
        content_type=content_type,
        size=size,
        created_at=now,
        expires_at=now + TICKET_LIFETIME,
    )
    session.add(upload)
    session.flush()
    return upload


def _free_path(session, course_id: int, base: str, ext: str, also: set[str] = frozenset()) -> str:
    """``media/<base>.<ext>``, or ``-2``, ``-3``… when a file of the course has it."""
    taken = set(session.scalars(select(MediaAsset.path).where(MediaAsset.course_id == course_id)))
    taken |= also
    path, n = "", 1
    while not path or path in taken:
        path = f"media/{base}.{ext}" if n == 1 else f"media/{base}-{n}.{ext}"
        n += 1
    return path


def upload_of(session, course, user, upload_id: str) -> MediaUpload | None:
    """A ticket is a capability of the one who asked for it: another author of the same
    course may not complete, continue or inspect it (None, answered like an unknown id)."""
    return session.scalar(
        select(MediaUpload).where(
            MediaUpload.id == upload_id,
            MediaUpload.course_id == course.id,
            MediaUpload.user_id == user.id,
        )
    )


def pending(session, key: str) -> MediaUpload | None:
    """The ticket that may still write to this key: known and not completed. A completed
    upload was moved where no ticket writes (``kept_key``), and its ticket is spent."""
    upload_id = key.rsplit("/", 1)[-1].split(".", 1)[0]
    upload = session.get(MediaUpload, upload_id) if upload_id.isalnum() else None
    if upload is None or upload.key != key or upload.completed_at is not None:
        return None
    return upload


def kept_key(upload: MediaUpload) -> str:
    """Where a verified upload is kept: ``courses/<slug>/<id>.<ext>``, out of the
    ``uploads/`` folder that tickets write to. S3 honours a presigned POST until it
    expires, however many times it is sent; what readers get must not be its target."""
    folder, name = upload.key.rsplit("/uploads/", 1)
    return f"{folder}/{name}"


def part_count(upload: MediaUpload) -> int:
    return -(-upload.size // PART_SIZE)


def ticket_form(upload: MediaUpload, storage) -> dict:
    """Where the browser sends the bytes: one presigned POST, or parts for big files."""
    if upload.size > MULTIPART_THRESHOLD:
        upload.multipart_id = storage.start_multipart(upload.key, upload.content_type)
        return {
            "method": "PUT",
            "url": "",
            "fields": {},
            "headers": {},
            "multipart": {"part_size": PART_SIZE, "parts": part_count(upload)},
        }
    form = storage.upload_form(
        upload.key,
        content_type=upload.content_type,
        size=upload.size,
        expires=int(TICKET_LIFETIME.total_seconds()),
    )
    return {**form, "multipart": None}


def part_urls(upload: MediaUpload, storage, numbers: list[int]) -> dict[str, str]:
    if upload.multipart_id is None or upload.completed_at is not None:
        raise UploadError(_l("This upload is not sent in parts."), status=409)
    wanted = [n for n in numbers if 1 <= n <= part_count(upload)]
    if len(wanted) != len(numbers):
        raise UploadError(
            _l("Part numbers go from 1 to %(n)s.", n=part_count(upload)), field="numbers"
        )
    return {
        str(n): storage.part_url(upload.key, upload.multipart_id, n, expires=PART_URL_LIFETIME)
        for n in wanted
    }


def _finish_parts(upload: MediaUpload, storage) -> None:
    """Assemble the parts, once every one of them is there with the right size."""
    parts = {p["number"]: p["size"] for p in storage.list_parts(upload.key, upload.multipart_id)}
    expected = part_count(upload)
    missing = [n for n in range(1, expected + 1) if n not in parts]
    if missing:
        raise UploadError(
            _l(
                "Parts still missing: %(parts)s. Send them, then complete again.",
                parts=", ".join(map(str, missing[:20])),
            ),
            status=409,
        )
    storage.complete_multipart(upload.key, upload.multipart_id)


def complete(session, upload: MediaUpload, storage, *, now: datetime) -> MediaAsset:
    """Accept what arrived only if it exists, has the announced size and really is of the
    announced type; otherwise remove it and say why. The object is moved out of the
    ticket's reach first and the moved copy is what gets checked, so nothing sent with
    the same ticket later (or meanwhile) can change what readers get."""
    if upload.completed_at is not None:
        raise UploadError(_l("This upload is already complete."), status=409)
    if upload.multipart_id is not None and storage.size(upload.key) is None:
        _finish_parts(upload, storage)
    if storage.size(upload.key) is None:
        raise UploadError(_l("Nothing has arrived for this upload yet."), status=404)
    key = kept_key(upload)
    storage.move(upload.key, key, upload.content_type)
    actual = storage.size(key)
    if actual is None:
        raise UploadError(_l("Nothing has arrived for this upload yet."), status=404)
    problem = None
    if actual != upload.size:
        problem = _l(
            "The file received (%(got)s bytes) is not the announced size (%(want)s).",
            got=actual,
            want=upload.size,
        )
    elif sniff(storage.read_head(key, 32)) != upload.content_type:
        problem = _l("The file's content is not a %(type)s file.", type=upload.content_type)
    if problem is not None:
        storage.delete(key)
        raise UploadError(problem)
    return again_if_raced(session, lambda: _record(session, upload, key, actual, now=now))


def _record(session, upload: MediaUpload, key: str, size: int, *, now: datetime) -> MediaAsset:
    """The file's place in the course: the ticket's path, or the next free one when a file
    completed meanwhile took it (two uploads of "schema.png" at once: both are kept)."""
    asset = session.scalar(
        select(MediaAsset).where(
            MediaAsset.course_id == upload.course_id, MediaAsset.path == upload.path
        )
    )
    if asset is not None and asset.removed_at is None and asset.key != key:
        base, ext = upload.path.removeprefix("media/").rsplit(".", 1)
        upload.path = _free_path(session, upload.course_id, base, ext)
        asset = None
    asset = asset or MediaAsset(course_id=upload.course_id, path=upload.path, created_at=now)
    asset.key, asset.content_type, asset.size = key, upload.content_type, size
    asset.sha256, asset.removed_at = "", None
    upload.completed_at = now
    session.add(asset)
    return asset
