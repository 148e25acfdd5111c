"""The languages of the platform, declared once, and the one rule for falling back.

Two lists, because they are two things. The *interface* speaks the languages it has
catalogs for (``translations/``): French and Arabic. *Content* — lessons, quizzes, course
titles — may be written in any language the course package format accepts
(``docs/course-format.md``: ``fr`` and ``ar`` are the platform languages, ``en`` may also
appear). Every list of languages elsewhere (settings, account preferences, certificates,
the package checker, the API's schemas) is read from here.

Pure: no Flask, no request, so settings and models may import it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    #: The language's name in itself (an endonym is data, not something to translate).
    name: str
    direction: str
    #: Whether the interface speaks it (a catalog exists); content may use any of them.
    interface: bool
    #: Babel locale for dates and numbers: Morocco's conventions (Latin digits in ar_MA).
    format_locale: str | None = None


LANGUAGES = (
    Language("fr", "Français", "ltr", interface=True, format_locale="fr_MA"),
    Language("ar", "العربية", "rtl", interface=True, format_locale="ar_MA"),
    Language("en", "English", "ltr", interface=False),
)

INTERFACE_LANGUAGES = tuple(lang.code for lang in LANGUAGES if lang.interface)
CONTENT_LANGUAGES = tuple(lang.code for lang in LANGUAGES)
LANGUAGE_NAMES = {lang.code: lang.name for lang in LANGUAGES}
FORMAT_LOCALES = {lang.code: lang.format_locale for lang in LANGUAGES if lang.interface}
_DIRECTIONS = {lang.code: lang.direction for lang in LANGUAGES}
_ORDER = {code: index for index, code in enumerate(CONTENT_LANGUAGES)}


def direction(code: str | None) -> str:
    """``rtl`` or ``ltr`` for a language code (an unknown code reads left to right)."""
    return _DIRECTIONS.get(code or "", "ltr")


def pick_language(available: Iterable[str], wanted: str | None, source: str | None) -> str | None:
    """The language to show something in: the one wanted when it exists, else the one the
    authors wrote first, else the first there is (platform languages first), else None.

    One rule for lessons, quizzes, equipment and safety lists, titles, certificates and
    exports, so a reader never sees two pieces of one page fall back differently.
    """
    present = set(available)
    for candidate in (wanted, source):
        if candidate in present:
            return candidate
    if not present:
        return None
    return min(present, key=lambda code: (_ORDER.get(code, len(_ORDER)), code))
