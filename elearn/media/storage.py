"""The local-files backend, and the backend the settings choose (``get_storage``).

Everything above it (import, export, rendering, the Studio) only knows the ``Storage``
interface (``media/backend.py``) on server-chosen keys; the S3 backend plugs in here.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from stat import S_ISREG
from typing import BinaryIO

from flask import Flask, current_app

from elearn.media import types
from elearn.media.backend import Leftover, Storage, StorageError, StoredObject, check_key

#: Temporary files are named so: ``keys`` hides them, ``leftovers`` finds them.
TEMPORARY = ".upload-"


class LocalStorage:
    """Files under a folder; keys are ours (never user paths), checked all the same."""

    def __init__(self, root: str | os.PathLike, url_ttl: int = 900):
        self.root = Path(root)
        self.url_ttl = url_ttl

    def url(self, key: str, *, content_type: str, download_name: str | None = None) -> str:
        """A signed, expiring URL served by the app (the local twin of a presigned GET)."""
        from flask import current_app, url_for
        from itsdangerous import URLSafeTimedSerializer

        signer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="media-file")
        token = signer.dumps({"key": check_key(key), "type": content_type, "name": download_name})
        return url_for("media.signed_file", token=token)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # readers never see half a file
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def put_stream(self, key: str, stream, limit: int) -> int:
        """Copy an upload to disk in chunks (never whole in memory); refuse past ``limit``."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY)
        try:
            with os.fdopen(fd, "wb") as fh:
                size = _copy_at_most(stream, fh, limit, "larger than announced")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return size

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Store a file from disk, copied in chunks (a package's video is never in memory)."""
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as out, Path(path).open("rb") as source:
                    shutil.copyfileobj(source, out, 1024 * 1024)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def open_stream(self, key: str) -> BinaryIO:
        """The object as a file to read in chunks; the caller closes it."""
        try:
            return self._path(key).open("rb")
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def move(self, source: str, target: str, content_type: str) -> None:
        """Rename: atomic, so a write still aimed at ``source`` can never land in ``target``."""
        path = self._path(target)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._path(source), path)
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def local_path(self, key: str) -> Path:
        return self._path(key)

    def size(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def read_head(self, key: str, n: int) -> bytes:
        try:
            with self._path(key).open("rb") as fh:
                return fh.read(n)
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def upload_form(self, key: str, *, content_type: str, size: int, expires: int) -> dict:
        """The same contract as an S3 presigned POST, answered by the app itself."""
        from flask import current_app, url_for
        from itsdangerous import URLSafeTimedSerializer

        signer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="media-upload")
        token = signer.dumps({"key": key, "type": content_type, "size": size})
        # The grant rides in the URL, so the endpoint checks it before reading the body.
        return {
            "method": "POST",
            "url": url_for("media.local_upload", token=token, _external=False),
            "fields": {"Content-Type": content_type},
            "headers": {},
        }

    # -- multipart, the same contract as S3: parts sent by PUT, assembled on completion ----

    def _parts_dir(self, multipart_id: str) -> Path:
        if not multipart_id.isalnum():
            raise ValueError("invalid multipart id")
        return self.root / ".parts" / multipart_id

    def start_multipart(self, key: str, content_type: str) -> str:
        multipart_id = uuid.uuid4().hex
        self._parts_dir(multipart_id).mkdir(parents=True)
        return multipart_id

    def part_url(self, key: str, multipart_id: str, number: int, *, expires: int) -> str:
        from flask import current_app, url_for
        from itsdangerous import URLSafeTimedSerializer

        signer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="media-part")
        token = signer.dumps({"id": multipart_id, "n": number, "key": check_key(key)})
        return url_for("media.local_part", token=token)

    def put_part(self, multipart_id: str, number: int, stream, limit: int) -> int:
        folder = self._parts_dir(multipart_id)
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=TEMPORARY)
        except FileNotFoundError as exc:  # completed or aborted meanwhile
            raise StorageError("unknown multipart upload") from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                size = _copy_at_most(stream, fh, limit, "part too large")
            os.replace(tmp, folder / f"{number:05d}")
        except FileNotFoundError as exc:
            raise StorageError("unknown multipart upload") from exc
        finally:
            Path(tmp).unlink(missing_ok=True)
        return size

    def list_parts(self, key: str, multipart_id: str) -> list[dict]:
        folder = self._parts_dir(multipart_id)
        if not folder.is_dir():
            return []
        return [
            {"number": int(p.name), "etag": p.name, "size": p.stat().st_size}
            for p in sorted(folder.iterdir())
            if p.name.isdigit()
        ]

    def complete_multipart(self, key: str, multipart_id: str) -> None:
        folder = self._parts_dir(multipart_id)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY)
        try:
            with os.fdopen(fd, "wb") as out:
                for part in self.list_parts(key, multipart_id):
                    with (folder / f"{part['number']:05d}").open("rb") as fh:
                        shutil.copyfileobj(fh, out, 1024 * 1024)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)

    def abort_multipart(self, key: str, multipart_id: str) -> None:
        shutil.rmtree(self._parts_dir(multipart_id), ignore_errors=True)

    def keys(self, prefix: str = "") -> list[str]:
        return [o.key for o in self.objects(prefix)]

    def objects(self, prefix: str = "") -> list[StoredObject]:
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.rglob("*"):
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix) and TEMPORARY not in key and not key.startswith(".parts/"):
                stat = _stat(path)
                if stat is not None and S_ISREG(stat.st_mode):
                    found.append(StoredObject(key, _when(stat.st_mtime)))
        return sorted(found, key=lambda o: o.key)

    def leftovers(self) -> list[Leftover]:
        """Temporary files a killed writer left (``.upload-*``), and folders of parts."""
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.rglob(TEMPORARY + "*"):
            name = path.relative_to(self.root).as_posix()
            stat = _stat(path)
            if stat is not None and not name.startswith(".parts/"):
                found.append(Leftover(name, _when(stat.st_mtime)))
        parts = self.root / ".parts"
        for folder in sorted(parts.iterdir()) if parts.is_dir() else []:
            try:
                entries = [folder, *folder.iterdir()]
            except (FileNotFoundError, NotADirectoryError):
                continue  # completed meanwhile, or not ours
            # the newest write inside says whether someone is still sending parts
            stats = [s for s in map(_stat, entries) if s is not None]
            if stats:
                newest = max(s.st_mtime for s in stats)
                found.append(
                    Leftover(f".parts/{folder.name}/", _when(newest), multipart_id=folder.name)
                )
        return sorted(found, key=lambda leftover: leftover.name)

    def remove_leftover(self, leftover: Leftover) -> None:
        path = self.root / leftover.name
        if ".." in Path(leftover.name).parts:
            raise ValueError(f"invalid leftover {leftover.name!r}")
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(str(exc)) from exc


def _stat(path: Path):
    """A file's stat, or None when it vanished meanwhile (a writer finished or cleaned up)."""
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def _when(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _copy_at_most(stream, fh, limit: int, refusal: str) -> int:
    """Copy ``stream`` into ``fh`` a MiB at a time (never whole in memory), refusing with
    ``StorageError(refusal)`` once more than ``limit`` bytes came; returns the size."""
    size = 0
    while chunk := stream.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            raise StorageError(refusal)
        fh.write(chunk)
    return size


def build_storage(config) -> Storage:
    """The backend the settings ask for (``ELEARN_STORAGE``)."""
    if config["STORAGE"] == "s3":
        # imported here for start-up speed: boto3 is slow to load, and deployments on local
        # files (and every CLI command there) never need it
        from elearn.media.s3 import S3Storage

        return S3Storage(
            bucket=config["S3_BUCKET"],
            endpoint_url=config["S3_ENDPOINT_URL"],
            region=config["S3_REGION"],
            addressing_style=config["S3_ADDRESSING_STYLE"],
            url_ttl=config.get("S3_URL_TTL", 900),
            public_base_url=config.get("S3_PUBLIC_BASE_URL", ""),
            timeout=config.get("S3_TIMEOUT", 10),
        )
    return LocalStorage(config["MEDIA_DIR"], url_ttl=config.get("S3_URL_TTL", 900))


def init_app(app: Flask) -> None:
    types.configure(app.config["MEDIA_LIMITS"])
    app.extensions["elearn.storage"] = build_storage(app.config)
    app.register_error_handler(StorageError, _storage_unavailable)


def _storage_unavailable(exc: StorageError):
    """Storage that refuses or times out: a 503 with retry advice; nothing was recorded."""
    import logging

    from flask_babel import lazy_gettext as _l

    from elearn.core.errors import error_page, problem, wants_problem_json

    logging.getLogger(__name__).warning("Storage unavailable: %s", exc)  # rolled back (core.edge)
    detail = _l("The media storage is not answering. Nothing was changed; try again in a minute.")
    headers = {"Retry-After": "30"}
    if wants_problem_json():
        return problem(503, detail, headers=headers)
    return error_page(503, detail, headers)


def get_storage() -> Storage:
    return current_app.extensions["elearn.storage"]
