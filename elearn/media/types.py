"""Which files courses may carry, recognised by their first bytes, not by their names."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


#: Largest accepted file per kind, in bytes (``ELEARN_MAX_<KIND>_MB``; see ``configure``).
LIMITS = {"image": 20 * MiB, "video": 2048 * MiB, "audio": 200 * MiB, "document": 100 * MiB}


@dataclass(frozen=True)
class MediaType:
    content_type: str
    kind: str  # image | video | audio | document

    @property
    def max_size(self) -> int:
        return LIMITS[self.kind]


def configure(limits: dict[str, int]) -> None:
    """Set the per-kind limits once at start-up (from the ELEARN_MAX_*_MB settings)."""
    LIMITS.update(limits)


TYPES: dict[str, MediaType] = {
    "png": MediaType("image/png", "image"),
    "jpg": MediaType("image/jpeg", "image"),
    "jpeg": MediaType("image/jpeg", "image"),
    "webp": MediaType("image/webp", "image"),
    "gif": MediaType("image/gif", "image"),
    "mp4": MediaType("video/mp4", "video"),
    "webm": MediaType("video/webm", "video"),
    "mp3": MediaType("audio/mpeg", "audio"),
    "ogg": MediaType("audio/ogg", "audio"),
    "pdf": MediaType("application/pdf", "document"),
}


def extension(path: str) -> str:
    return path.rsplit(".", 1)[-1].lower() if "." in path else ""


def sniff(head: bytes) -> str | None:
    """The content type the bytes really have, among those we accept."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def check_media(path: str, data: bytes) -> tuple[MediaType | None, str | None]:
    """(type, None) when acceptable, else (None, why not) — said in English for the log;
    callers translate the cases they show."""
    return check_media_file(path, len(data), data[:32])


def check_media_file(path: str, size: int, head: bytes) -> tuple[MediaType | None, str | None]:
    """``check_media`` for a file known by its size and first bytes (never read whole)."""
    media_type = TYPES.get(extension(path))
    if media_type is None:
        return None, "type"
    if size > media_type.max_size:
        return None, "size"
    if sniff(head[:32]) != media_type.content_type:
        return None, "content"
    return media_type, None
