"""Read a package's files without trusting it, and without holding its media in memory.

Zip-slip entries, absolute paths, symlinks, zip bombs (entry count, running byte count and
compression ratio, never the sizes the archive claims) and oversized files are refused and
reported. Text files (YAML, Markdown, ≤ 1 MiB each) are kept in memory; media are never
held whole: a folder's media are read where they are, a zip's are streamed, chunk by chunk,
into a temporary folder of the package's own, hashed and sniffed on the way. Close the
package (``with read_package(...) as pkg:``) once its import is done to remove that
folder; the names written there are counters, never names taken from the archive.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import shutil
import stat
import tempfile
import weakref
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from elearn.authoring.package.model import Issue
from elearn.media.types import TYPES, extension

MAX_ENTRIES = 5000
MAX_TOTAL = 1024 * 1024 * 1024  # 1 GiB uncompressed in all
MAX_TEXT_FILE = 1024 * 1024  # YAML and Markdown
#: Text is the part of a package kept in memory while it is checked and imported.
MAX_TEXT_TOTAL = 64 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, per entry
CHUNK = 64 * 1024
MiB = 1024 * 1024
#: Bytes kept from the start of each media file, to recognise its type.
HEAD = 32


@dataclass(frozen=True)
class MediaFile:
    """One media file of a package, on disk: where the folder has it, or spooled from a
    .zip. Its digest and first bytes were taken while it was read."""

    path: Path
    size: int
    sha256: str
    head: bytes
    #: The temporary folder holding ``path``, kept alive as long as this file is.
    spool: _Spool | None = field(default=None, compare=False, repr=False)

    def open(self) -> BinaryIO:
        return self.path.open("rb")


class _Spool:
    """A temporary folder for one package's media. ``remove()`` deletes it; should a
    caller forget, it goes when nothing refers to it any more."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="elearn-package-"))
        self._remove = weakref.finalize(self, shutil.rmtree, self.root, ignore_errors=True)
        self._count = 0

    def new_path(self) -> Path:
        self._count += 1
        return self.root / f"{self._count:05d}.bin"

    def remove(self) -> None:
        self._remove()


@dataclass
class PackageFiles:
    """A package as read: ``name`` is the folder name; ``files`` maps relative POSIX paths
    (inside the course folder) of text files to their bytes, ``media`` those under
    ``media/`` to where their bytes are. Use it as a context manager."""

    name: str
    files: dict[str, bytes] = field(default_factory=dict)
    media: dict[str, MediaFile] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    _spool: _Spool | None = field(default=None, repr=False)
    _text_total: int = field(default=0, repr=False)

    def __enter__(self) -> PackageFiles:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Remove the media spooled from a .zip (a folder's own files stay untouched)."""
        if self._spool is not None:
            self._spool.remove()

    def spool_path(self) -> tuple[Path, _Spool]:
        if self._spool is None:
            self._spool = _Spool()
        return self._spool.new_path(), self._spool

    def add_text(self, rel: str, data: bytes) -> bool:
        """Keep a text file; False (and an issue) once texts exceed their total budget."""
        self._text_total += len(data)
        if self._text_total > MAX_TEXT_TOTAL:
            self.issues.append(
                Issue.error(
                    rel,
                    None,
                    _l(
                        "the text files (YAML, Markdown) come to more than %(mib)s MiB in all",
                        mib=MAX_TEXT_TOTAL // MiB,
                    ),
                )
            )
            return False
        self.files[rel] = data
        return True


def _unsafe(path: str) -> bool:
    return (
        path.startswith(("/", "\\"))
        or "\\" in path
        or (len(path) > 1 and path[1] == ":")
        or any(part in ("..",) for part in path.split("/"))
        or "\x00" in path
    )


def _is_media(path: str) -> bool:
    return path.startswith("media/")


def _limit_for(path: str) -> int:
    media_type = TYPES.get(extension(path))
    return media_type.max_size if media_type and _is_media(path) else MAX_TEXT_FILE


class TooLargeError(Exception):
    """The whole package went over its budget: stop reading it at all."""


class _EntryRefusedError(Exception):
    """This entry is refused (the message says why); the rest of the package is read."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class _TextSink:
    def __init__(self):
        self.chunks: list[bytes] = []

    def write(self, chunk: bytes) -> None:
        self.chunks.append(chunk)


class _MediaSink:
    """Writes a media entry to its spool file, hashing it and keeping its first bytes."""

    def __init__(self, path: Path):
        self.path = path
        self.fh = path.open("xb")
        self.sha = hashlib.sha256()
        self.head = b""

    def write(self, chunk: bytes) -> None:
        if len(self.head) < HEAD:
            self.head += chunk[: HEAD - len(self.head)]
        self.sha.update(chunk)
        self.fh.write(chunk)


def read_zip(data: bytes | Path | BinaryIO, default_name: str = "course") -> PackageFiles:
    """Read a .zip given as bytes, a path or a seekable file (an upload's stream)."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        out = PackageFiles(default_name)
        out.issues.append(Issue.error(default_name, None, _l("not a valid .zip file")))
        return out
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir() and not _noise(i.filename)]
        names = [i.filename for i in infos]
        prefix = _common_folder(names)
        out = PackageFiles(prefix.rstrip("/") or default_name)
        if len(infos) > MAX_ENTRIES:
            out.issues.append(
                Issue.error(
                    out.name,
                    None,
                    _l(
                        "too many files (%(infos)s > %(max_entries)s)",
                        infos=len(infos),
                        max_entries=MAX_ENTRIES,
                    ),
                )
            )
            return out
        try:
            _read_entries(archive, infos, prefix, _size_of(source), out)
        except BaseException:
            out.close()
            raise
        return out


def _size_of(source) -> int:
    if isinstance(source, Path | str):
        return Path(source).stat().st_size
    return source.seek(0, io.SEEK_END)


def _read_entries(archive, infos, prefix: str, end: int, out: PackageFiles) -> None:
    total = 0
    offsets = sorted({i.header_offset for i in archive.infolist()})
    for info in infos:
        name = info.filename
        mode = info.external_attr >> 16
        if _unsafe(name):
            out.issues.append(Issue.error(name, None, _l("path escapes the package")))
            continue
        if stat.S_ISLNK(mode):
            out.issues.append(Issue.error(name, None, _l("symbolic links are not allowed")))
            continue
        rel = name[len(prefix) :]
        packed = _packed_size(info, offsets, end)
        media = _is_media(rel)
        sink = None
        try:
            if media:
                path, spool = out.spool_path()
                sink = _MediaSink(path)
            else:
                sink = _TextSink()
            size = _read_entry(archive, info, sink, _limit_for(rel), MAX_TOTAL - total, packed)
        except TooLargeError:
            _drop(sink)
            out.issues.append(
                Issue.error(rel, None, _l("the package is too large once uncompressed"))
            )
            return
        except _EntryRefusedError as problem:
            _drop(sink)
            out.issues.append(Issue.error(rel, None, problem.message))
            continue
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
            _drop(sink)
            out.issues.append(Issue.error(rel, None, _l("unreadable entry in the .zip")))
            continue
        total += size
        if media:
            sink.fh.close()
            out.media[rel] = MediaFile(path, size, sink.sha.hexdigest(), sink.head, spool)
        elif not out.add_text(rel, b"".join(sink.chunks)):
            return


def _drop(sink) -> None:
    if isinstance(sink, _MediaSink):
        sink.fh.close()
        sink.path.unlink(missing_ok=True)


def _packed_size(info: zipfile.ZipInfo, offsets: list[int], end: int) -> int:
    """The compressed size an entry can really have: no more than the bytes up to the next
    entry (or the end of the archive), whatever its header claims. A header claiming 2 GB
    would otherwise make any expansion look like an ordinary ratio."""
    after = bisect.bisect_right(offsets, info.header_offset)
    room = (offsets[after] if after < len(offsets) else end) - info.header_offset
    return max(0, min(info.compress_size, room))


def _read_entry(archive, info, sink, limit: int, budget: int, packed: int) -> int:
    """Stream one entry into ``sink``, counting real bytes: a bomb is stopped after
    ``limit`` bytes, or once it expands more than ``MAX_RATIO`` times the ``packed`` bytes
    it can come from. Returns its size.

    Raises _EntryRefusedError for this entry, TooLargeError when the package as a whole is too big.
    """
    size = 0
    with archive.open(info) as fh:
        while chunk := fh.read(CHUNK):
            size += len(chunk)
            if size > budget:
                raise TooLargeError
            if size > limit:
                raise _EntryRefusedError(
                    _l("file larger than the limit (%(mib)s MiB)", mib=limit // MiB)
                )
            if packed and size > max(packed, 1024) * MAX_RATIO:
                raise _EntryRefusedError(_l("suspicious compression ratio (zip bomb?)"))
            sink.write(chunk)
    return size


def _noise(name: str) -> bool:
    """What archivers add on their own: macOS resource forks and Finder files."""
    return name.startswith("__MACOSX/") or name.rsplit("/", 1)[-1] in {".DS_Store", "Thumbs.db"}


def _common_folder(names: list[str]) -> str:
    """``course/`` when every entry lives in one top folder holding course.yml."""
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    if len(tops) == 1 and all("/" in n for n in names):
        top = tops.pop()
        if f"{top}/course.yml" in names:
            return top + "/"
    return ""


def read_folder(root: Path) -> PackageFiles:
    """Read a course folder; its media are hashed and sniffed where they are, not copied."""
    root = Path(root)
    out = PackageFiles(root.resolve().name)
    if not (root / "course.yml").is_file() and not root.is_dir():
        out.issues.append(Issue.error(str(root), None, _l("not a folder")))
        return out
    total, count = 0, 0
    for path in sorted(_walk(root, root, out)):
        rel = path.relative_to(root).as_posix()
        count += 1
        if count > MAX_ENTRIES:
            out.issues.append(Issue.error(rel, None, _l("too many files in the package")))
            return out
        size = path.stat().st_size
        if size > _limit_for(rel):
            out.issues.append(
                Issue.error(
                    rel,
                    None,
                    _l(
                        "file larger than the limit (%(mib)s MiB)",
                        mib=_limit_for(rel) // MiB,
                    ),
                )
            )
            continue
        total += size
        if total > MAX_TOTAL:
            out.issues.append(Issue.error(rel, None, _l("the package is too large")))
            return out
        if _is_media(rel):
            out.media[rel] = _media_in_place(path)
        elif not out.add_text(rel, path.read_bytes()):
            return out
    return out


def _media_in_place(path: Path) -> MediaFile:
    sha, head, size = hashlib.sha256(), b"", 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            if len(head) < HEAD:
                head += chunk[: HEAD - len(head)]
            sha.update(chunk)
            size += len(chunk)
    return MediaFile(path, size, sha.hexdigest(), head)


def _walk(folder: Path, root: Path, out: PackageFiles):
    """Files below ``folder``, never following a symbolic link (each one is reported)."""
    for entry in folder.iterdir():
        if entry.is_symlink():
            rel = entry.relative_to(root).as_posix()
            out.issues.append(Issue.error(rel, None, _l("symbolic links are not allowed")))
        elif entry.is_dir():
            if not (entry.name.startswith(".") or entry.name == "__pycache__"):
                yield from _walk(entry, root, out)
        elif entry.is_file() and not entry.name.startswith("."):
            yield entry


def read_package(path: str | Path) -> PackageFiles:
    path = Path(path)
    if path.is_dir():
        return read_folder(path)
    if path.suffix.lower() == ".zip" and path.is_file():
        return read_zip(path, default_name=path.stem)
    out = PackageFiles(path.name)
    out.issues.append(Issue.error(str(path), None, _l("give a course folder or a .zip file")))
    return out
