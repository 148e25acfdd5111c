"""Read a package's files into memory without trusting it.

Zip-slip entries, absolute paths, symlinks, zip bombs (entry count, running byte count and
compression ratio, never the sizes the archive claims) and oversized files are refused and
reported; nothing is ever written to disk.
"""

from __future__ import annotations

import bisect
import io
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l

from elearn.authoring.package.model import Issue

MAX_ENTRIES = 5000
MAX_TOTAL = 1024 * 1024 * 1024  # 1 GiB uncompressed in all
MAX_TEXT_FILE = 1024 * 1024  # YAML and Markdown
MAX_RATIO = 200  # uncompressed / compressed, per entry
CHUNK = 64 * 1024
MiB = 1024 * 1024


@dataclass
class PackageFiles:
    """Relative POSIX paths (inside the course folder) → bytes; ``name`` is the folder name."""

    name: str
    files: dict[str, bytes] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


def _unsafe(path: str) -> bool:
    return (
        path.startswith(("/", "\\"))
        or "\\" in path
        or (len(path) > 1 and path[1] == ":")
        or any(part in ("..",) for part in path.split("/"))
        or "\x00" in path
    )


def _limit_for(path: str) -> int:
    from elearn.media.types import TYPES, extension

    media_type = TYPES.get(extension(path))
    return media_type.max_size if media_type and path.startswith("media/") else MAX_TEXT_FILE


def read_zip(data: bytes | Path, default_name: str = "course") -> PackageFiles:
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
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
        total = 0
        offsets = sorted({i.header_offset for i in archive.infolist()})
        end = len(data) if isinstance(data, bytes) else Path(data).stat().st_size
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
            limit = _limit_for(rel)
            try:
                packed = _packed_size(info, offsets, end)
                data, problem = _read_entry(archive, info, limit, MAX_TOTAL - total, packed)
            except TooLargeError:
                out.issues.append(
                    Issue.error(rel, None, _l("the package is too large once uncompressed"))
                )
                return out
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
                out.issues.append(Issue.error(rel, None, _l("unreadable entry in the .zip")))
                continue
            if problem:
                out.issues.append(Issue.error(rel, None, problem))
                continue
            total += len(data)
            out.files[rel] = data
        return out


class TooLargeError(Exception):
    """The whole package went over its budget: stop reading it at all."""


def _packed_size(info: zipfile.ZipInfo, offsets: list[int], end: int) -> int:
    """The compressed size an entry can really have: no more than the bytes up to the next
    entry (or the end of the archive), whatever its header claims. A header claiming 2 GB
    would otherwise make any expansion look like an ordinary ratio."""
    after = bisect.bisect_right(offsets, info.header_offset)
    room = (offsets[after] if after < len(offsets) else end) - info.header_offset
    return max(0, min(info.compress_size, room))


def _read_entry(archive, info, limit: int, budget: int, packed: int):
    """Stream one entry, counting real bytes: a bomb is stopped after ``limit`` bytes, or
    once it expands more than ``MAX_RATIO`` times the ``packed`` bytes it can come from.

    Returns (data, problem); raises TooLargeError when the package as a whole is too big.
    """
    chunks, size = [], 0
    with archive.open(info) as fh:
        while chunk := fh.read(CHUNK):
            size += len(chunk)
            if size > budget:
                raise TooLargeError
            if size > limit:
                return b"", _l("file larger than the limit (%(mib)s MiB)", mib=limit // MiB)
            if packed and size > max(packed, 1024) * MAX_RATIO:
                return b"", _l("suspicious compression ratio (zip bomb?)")
            chunks.append(chunk)
    return b"".join(chunks), None


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
        out.files[rel] = path.read_bytes()
    return out


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
