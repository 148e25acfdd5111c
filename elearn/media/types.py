"""Which files courses may carry, recognised by their first bytes, not by their names."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class MediaType:
    content_type: str
    kind: str  # image | video | audio | document
    max_size: int


TYPES: dict[str, MediaType] = {
    "png": MediaType("image/png", "image", 20 * MiB),
    "jpg": MediaType("image/jpeg", "image", 20 * MiB),
    "jpeg": MediaType("image/jpeg", "image", 20 * MiB),
    "webp": MediaType("image/webp", "image", 20 * MiB),
    "gif": MediaType("image/gif", "image", 20 * MiB),
    "mp4": MediaType("video/mp4", "video", 2048 * MiB),
    "webm": MediaType("video/webm", "video", 2048 * MiB),
    "mp3": MediaType("audio/mpeg", "audio", 200 * MiB),
    "ogg": MediaType("audio/ogg", "audio", 200 * MiB),
    "pdf": MediaType("application/pdf", "document", 100 * MiB),
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
    media_type = TYPES.get(extension(path))
    if media_type is None:
        return None, "type"
    if len(data) > media_type.max_size:
        return None, "size"
    if sniff(data[:32]) != media_type.content_type:
        return None, "content"
    return media_type, None
