"""Text hygiene for what people type: names, titles, e-mails, redirect targets."""

from __future__ import annotations

import math
import re
import unicodedata
from urllib.parse import urlsplit

#: Direction overrides and isolates let "\u202Enimda" display as "admin"; marks are harmless
#: in the middle of mixed Arabic/French text but pointless in a name, so all go.
BIDI_CONTROLS = dict.fromkeys(
    [0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
_SPACES = re.compile(r"\s+")
#: What no page (UTF-8) or database can hold: NUL (PostgreSQL refuses it in text) and the
#: halves of a surrogate pair standing alone (JSON's "\\ud800" is valid JSON, but no UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")  # \Z: "$" allows a final newline


def unstorable(value: str) -> str | None:
    """The first character of ``value`` that cannot be stored or shown, as ``U+XXXX``;
    None when every character is fine."""
    match = _UNSTORABLE.search(value)
    return f"U+{ord(match.group()):04X}" if match else None


#: What ``first_unfit`` says of a number that is not one (NaN, an infinity).
NOT_FINITE = "not finite"


def first_unfit(value) -> tuple[str, str] | None:
    """(path inside ``value``, what is wrong) for the first text or number in it that no
    page or database can hold — ``"U+D800"`` for a character, ``NOT_FINITE`` for NaN or an
    infinity — looking through dicts (keys too) and lists without recursion; None when
    all of it is fine. The path is dotted like the API's error paths: ``answers.q1``."""
    stack: list[tuple[str, object]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            char = unstorable(item)
            if char:
                return path, char
        elif isinstance(item, float):
            if not math.isfinite(item):
                return path, NOT_FINITE
        elif isinstance(item, dict):
            for key, child in item.items():
                name = str(key)
                char = unstorable(name)
                if char:  # the key itself is not shown: it could not be written back
                    return path, char
                stack.append((f"{path}.{name}" if path else name, child))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}.{i}" if path else str(i), child) for i, child in enumerate(item))
    return None


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


#: What a browser drops before reading a URL (WHATWG URL): tabs and newlines anywhere.
_URL_DROPPED = dict.fromkeys([0x09, 0x0A, 0x0D])
_C0_AND_SPACE = "".join(map(chr, range(0x21)))


def as_browsers_read(url: str) -> str:
    """A URL the way a browser reads it on one of our (http) pages, before resolving it:
    leading and trailing controls and spaces dropped, tabs and newlines removed anywhere,
    backslashes read as slashes. ``/\\evil.example`` and ``/%09/evil.example`` (decoded) are
    ``//evil.example`` — another site — to a browser, whatever a server-side parser says."""
    return url.strip(_C0_AND_SPACE).translate(_URL_DROPPED).replace("\\", "/")


def is_local_path(target: str | None) -> bool:
    """A path on this site that every browser reads exactly as written: refuse ``//host``,
    ``\\\\host``, ``/\\host``, ``/%09/host`` once decoded, controls and schemes. The one rule
    for redirect targets (``next``) and for the sources of images and players in lessons."""
    if not target or any(ord(ch) < 32 or ch == "\\" for ch in target):
        return False
    seen = as_browsers_read(target)
    if seen != target or not seen.startswith("/") or seen.startswith("//"):
        return False
    parts = urlsplit(seen)
    return not parts.scheme and not parts.netloc


#: Redirect targets taken from a request (``?next=``) follow the same rule.
is_safe_next = is_local_path
