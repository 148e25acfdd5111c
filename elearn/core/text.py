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
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Eastern Arabic digits ٠-٩ → 0-9
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # and their Persian forms ۰-۹
    }
)


def fold(value: str | None) -> str:
    """Text for matching, not for display: case, French accents, Arabic diacritics, tatweel,
    the alef/hamza, ta-marbuta and ya variants and Eastern Arabic digits all compare equal
    ("صيانه" = "صيانة", "٣" = "3"). The one normaliser of the catalogue's search, the lesson
    search (``learning/search.py``) and the grouping of typed answers."""
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


# -- identifiers from titles --------------------------------------------------------------

#: Arabic letters in Latin letters, the way Moroccan signs and French-language documents
#: spell Arabic words (ش "sh", خ "kh", و "ou" inside a word): an identifier only has to be
#: readable and stable, not a scholarly transliteration. Short vowels are not written in
#: Arabic, so "تشخيص" gives "tshkhis"; ع and ء, which Latin letters cannot carry, go.
#: و and ي are consonants at the start of a word ("w", "y") and vowels elsewhere ("ou",
#: "i"); the article ال is written "al-". Eastern Arabic digits become 0-9.
ARABIC_LATIN = {
    "\u0627": "a",  # ا
    "\u0623": "a",  # أ
    "\u0625": "i",  # إ
    "\u0622": "a",  # آ
    "\u0671": "a",  # ٱ
    "\u0621": "",  # ء
    "\u0624": "ou",  # ؤ
    "\u0626": "i",  # ئ
    "\u0628": "b",  # ب
    "\u062a": "t",  # ت
    "\u062b": "th",  # ث
    "\u062c": "j",  # ج
    "\u062d": "h",  # ح
    "\u062e": "kh",  # خ
    "\u062f": "d",  # د
    "\u0630": "dh",  # ذ
    "\u0631": "r",  # ر
    "\u0632": "z",  # ز
    "\u0633": "s",  # س
    "\u0634": "sh",  # ش
    "\u0635": "s",  # ص
    "\u0636": "d",  # ض
    "\u0637": "t",  # ط
    "\u0638": "z",  # ظ
    "\u0639": "",  # ع
    "\u063a": "gh",  # غ
    "\u0641": "f",  # ف
    "\u0642": "q",  # ق
    "\u0643": "k",  # ك
    "\u0644": "l",  # ل
    "\u0645": "m",  # م
    "\u0646": "n",  # ن
    "\u0647": "h",  # ه
    "\u0629": "a",  # ة
    "\u0648": "ou",  # و (inside a word)
    "\u064a": "i",  # ي (inside a word)
    "\u0649": "a",  # ى
    "\u06cc": "i",  # ی (Persian ya)
    "\u06a4": "v",  # ڤ
    "\u067e": "p",  # پ
    "\u06af": "g",  # گ
    "\u06ad": "g",  # ڭ (Moroccan g)
    "\u0640": "",  # tatweel
    **{chr(0x0660 + d): str(d) for d in range(10)},  # ٠-٩
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # ۰-۹
}
#: At the start of a word, و and ي are consonants.
_ARABIC_INITIAL = {"\u0648": "w", "\u064a": "y"}
#: Latin letters NFKD leaves whole.
_LATIN_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
#: Identifiers are ``String(64)``: the generated part stays shorter, so "-2", "-10"… fit.
SLUG_LENGTH = 48


def _latin_word(word: str) -> str:
    if word.startswith("\u0627\u0644") and len(word) > 2:  # the article: "al-"
        return "al-" + _latin_word(word[2:])
    first = _ARABIC_INITIAL.get(word[:1], ARABIC_LATIN.get(word[:1], word[:1]))
    return first + "".join(ARABIC_LATIN.get(ch, ch) for ch in word[1:])


def ascii_slug(title: str | None, fallback: str, max_length: int = SLUG_LENGTH) -> str:
    """An identifier (``[a-z0-9-]``, as in addresses and package folders) read off a
    title in French or Arabic, so authors never have to invent one: accents stripped,
    Arabic transliterated with :data:`ARABIC_LATIN`, cut at a word boundary to
    ``max_length``; ``fallback`` when nothing Latin is left (a title of emoji)."""
    text = unicodedata.normalize("NFKC", title or "").translate(_LATIN_LIGATURES)
    # Arabic diacritics (harakat) and Latin accents are combining marks once decomposed;
    # NFKD would also split أ into ا + hamza, so the Arabic letters are read first
    words = [_latin_word(w) for w in text.split()]
    decomposed = unicodedata.normalize("NFKD", " ".join(words))
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        if slug[max_length] != "-" and "-" in cut:  # a word cut in two: drop it
            cut = cut.rsplit("-", 1)[0]
        slug = cut.strip("-")
    return slug or fallback
