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
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")  # \Z: "$" allows a final newline


def clean_text(value: str | None) -> str:
    """NFKC-normalise, drop control and bidi-override characters, collapse spaces."""
    if not value:
        return ""
    value = unicodedata.normalize("NFKC", value).translate(BIDI_CONTROLS)
    value = "".join(
        ch for ch in value if ch in "\t\n " or unicodedata.category(ch) not in {"Cc", "Cf"}
    )
    return _SPACES.sub(" ", value).strip()


_ARABIC_FOLD = str.maketrans(
    {
        "\u0640": None,  # tatweel
        "\u0671": "\u0627",  # alef wasla → alef
        "\u0629": "\u0647",  # ta marbuta → ha
        "\u0649": "\u064a",  # alef maqsura → ya
        "\u06cc": "\u064a",  # Persian ya → ya
    }
)


def fold(value: str | None) -> str:
    """Text for matching, not for display: case, French accents, Arabic diacritics, tatweel
    and the alef/hamza, ta-marbuta and ya variants all compare equal ("صيانه" = "صيانة")."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    # NFKD splits أ إ آ ؤ ئ into a base letter and a combining hamza/madda, which go here
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", kept.translate(_ARABIC_FOLD).casefold()).strip()


def normalize_email(value: str | None) -> str:
    """E-mails are unique case-insensitively: compare and store them lowercased."""
    return clean_text(value).lower()


def looks_like_email(value: str) -> bool:
    # Length first: on a long "a@b.b.b…b x" the pattern backtracks quadratically.
    return len(value) <= 254 and bool(_EMAIL.match(value))


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
