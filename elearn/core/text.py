"""Text hygiene for what people type: names, titles, e-mails, redirect targets."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

#: Direction overrides and isolates let "\u202Enimda" display as "admin"; marks are harmless
#: in the middle of mixed Arabic/French text but pointless in a name, so all go.
BIDI_CONTROLS = dict.fromkeys(
    [0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_text(value: str | None) -> str:
    """NFKC-normalise, drop control and bidi-override characters, collapse spaces."""
    if not value:
        return ""
    value = unicodedata.normalize("NFKC", value).translate(BIDI_CONTROLS)
    value = "".join(
        ch for ch in value if ch in "\t\n " or unicodedata.category(ch) not in {"Cc", "Cf"}
    )
    return _SPACES.sub(" ", value).strip()


def normalize_email(value: str | None) -> str:
    """E-mails are unique case-insensitively: compare and store them lowercased."""
    return clean_text(value).lower()


def looks_like_email(value: str) -> bool:
    return bool(_EMAIL.match(value)) and len(value) <= 254


def is_safe_next(target: str | None) -> bool:
    """Accept only a path on this site: refuse ``//host``, ``\\\\host``, ``/\\host``, schemes."""
    if not target or not target.startswith("/"):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    if target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
