"""The storage interface every media byte goes through, shared by both backends.

Apart from ``storage.py`` (local files, choosing the backend) so that the S3 backend can
build on it without importing the module that chooses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

_KEY = re.compile(r"^[a-z0-9][a-z0-9._/-]{0,250}\Z")  # \Z: "$" allows a final newline


class StorageError(RuntimeError):
    """Storage refused or did not answer; callers answer 503 and record nothing."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    modified: datetime


@dataclass(frozen=True)
class Leftover:
    """What an interrupted write left behind, which ``keys`` never lists: a temporary file
    or a folder of parts (local files), an incomplete multipart upload (S3)."""

    #: How ``elearn media gc`` names it.
    name: str
    modified: datetime
    #: The parts' upload id, to spare the ones an upload ticket still uses.
    multipart_id: str | None = None
    #: S3: the key the multipart upload was started for.
    key: str | None = None


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def put_file(self, key: str, path: Path, content_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def open_stream(self, key: str) -> BinaryIO: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def move(self, source: str, target: str, content_type: str) -> None: ...
    def url(self, key: str, *, content_type: str, download_name: str | None = None) -> str: ...
    def keys(self, prefix: str = "") -> list[str]: ...
    def objects(self, prefix: str = "") -> list[StoredObject]: ...
    def leftovers(self) -> list[Leftover]: ...
    def remove_leftover(self, leftover: Leftover) -> None: ...
    def size(self, key: str) -> int | None: ...
    def read_head(self, key: str, n: int) -> bytes: ...
    def upload_form(self, key: str, *, content_type: str, size: int, expires: int) -> dict: ...


def check_key(key: str) -> str:
    if not _KEY.match(key) or ".." in key or "//" in key:
        raise ValueError(f"invalid storage key {key!r}")
    return key
