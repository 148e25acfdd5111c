"""Dates, numbers and names of places in the reader's locale, through Babel."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.lists import format_list
from flask import Flask, current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

from elearn.i18n.languages import (
    CONTENT_LANGUAGES,
    FORMAT_LOCALES,
    INTERFACE_LANGUAGES,
    LANGUAGE_NAMES,
    direction,
    pick_language,
)

DOMAIN_LABELS = {
    "automotive": _l("Automotive"),
    "aeronautics": _l("Aeronautics"),
    "health": _l("Health"),
    "ai": _l("Artificial intelligence"),
    "elearning": _l("E-learning"),
}

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "expert": _l("Expert"),
    "trainer": _l("Trainer"),
    "trainee": _l("Trainee"),
}

#: The reviews a network may require before publication (accounts.models.SIGNOFF_ROLES).
SIGNOFF_LABELS = {
    "domain": _l("Domain expert"),
    "pedagogy": _l("Pedagogy"),
    "translation": _l("Translation"),
}

STATUS_LABELS = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "published": _l("Published"),
    "archived": _l("Archived"),
}

MODULE_STATUS_LABELS = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "complete": _l("Complete"),
}

#: Why a trainee shows on a trainer's "needs attention" list.
FLAG_LABELS = {
    "inactive": _l("No activity for 7 days"),
    "failed_last": _l("Failed the last attempt"),
    "exhausted": _l("No attempt left without passing"),
}

EVENT_LABELS = {
    "submitted": _l("Submitted for review"),
    "returned": _l("Sent back to the authors"),
    "published": _l("Published"),
    "archived": _l("Archived"),
}

LEVEL_LABELS = {
    "beginner": _l("Beginner"),
    "intermediate": _l("Intermediate"),
    "advanced": _l("Advanced"),
}

#: Quiz question types, as the Studio names them.
QUESTION_TYPES = {
    "single": _l("One correct answer"),
    "multiple": _l("Several correct answers"),
    "true_false": _l("True or false"),
    "short_text": _l("Short answer"),
    "numeric": _l("Number"),
    "matching": _l("Matching pairs"),
    "ordering": _l("Steps in order"),
}

TRANSLATION_LABELS = {
    "missing": _l("Missing"),
    "stale": _l("Out of date"),
    "current": _l("Up to date"),
}


@lru_cache(maxsize=16)
def _regional(tag: str) -> Locale:
    locale = Locale.parse(tag)
    if locale.territory is None and locale.language in FORMAT_LOCALES:
        return Locale.parse(FORMAT_LOCALES[locale.language])
    return locale


def format_locale() -> Locale:
    """The locale every date and number is written in: the interface language's regional
    locale (``ar_MA``, ``fr_MA``), even where a bare language was forced (the certificate,
    e-mails, jobs run with ``force_locale("ar")``). One calendar style for the platform:
    Morocco's month names in Arabic ("دجنبر", not "ديسمبر") and Latin digits — see
    ``docs/i18n.md``."""
    locale = get_locale()
    return _regional(str(locale) if locale else "fr")


def country_name(code: str | None) -> str:
    if not code:
        return "—"
    return format_locale().territories.get(code.upper(), code.upper())


def local_zone() -> ZoneInfo:
    """The platform's time zone, through zoneinfo: pytz (which Flask-Babel uses) gets
    Morocco's UTC+1 with its Ramadan switches wrong in some years."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")


def format_datetime(value: datetime, fmt: str = "medium") -> str:
    return babel_dates.format_datetime(value, fmt, tzinfo=local_zone(), locale=format_locale())


def format_date(value: datetime, fmt: str = "medium") -> str:
    if isinstance(value, datetime):
        value = value.astimezone(local_zone()).date()
    return babel_dates.format_date(value, fmt, locale=format_locale())


def format_time(value: datetime, fmt: str = "short") -> str:
    return babel_dates.format_time(value, fmt, tzinfo=local_zone(), locale=format_locale())


def translated(value: dict | None, lang: str, source: str | None = None) -> str:
    """A ``{"fr": ..., "ar": ...}`` field in ``lang``, falling back as everything else
    does (:func:`~elearn.i18n.languages.pick_language`); an empty text counts as absent."""
    chosen = pick_language([code for code, text in (value or {}).items() if text], lang, source)
    return value[chosen] if chosen else ""


def translated_language(value: dict | None, lang: str, source: str | None = None) -> str:
    """The language :func:`translated` picks for ``value`` in ``lang``: what its element's
    ``lang`` attribute says (a French summary shown on an Arabic page is French)."""
    present = [code for code, text in (value or {}).items() if text]
    return pick_language(present, lang, source) or lang


@lru_cache(maxsize=4096)
def _decimal(value, locale: str) -> str:
    return babel_numbers.format_decimal(value, locale=locale)


def bdi(value, lang: str | None = None) -> Markup:
    """A name isolated from the sentence around it: an Arabic name in a French sentence (or
    the reverse) would otherwise pull the punctuation next to it to the wrong side.

    :param lang: the language the name is written in, when known: its direction then
        orders the name ("DMK — الشبكة…" is Arabic that starts with Latin letters, which
        a bare ``<bdi>`` would lay out left to right, its parts swapped)."""
    if lang:
        return Markup('<bdi lang="{}" dir="{}">{}</bdi>').format(lang, direction(lang), value)
    return Markup("<bdi>{}</bdi>").format(value)


def language_name(code: str | None) -> Markup:
    """A language's name as a page prints it: in itself ("Français", "العربية"), tagged with
    its language and isolated, so "Titre (العربية)" or "العنوان (Français)" keeps its
    parentheses on the right side in either interface."""
    return Markup('<bdi lang="{}">{}</bdi>').format(
        code or "", LANGUAGE_NAMES.get(code or "", code or "")
    )


_LATIN_HYPHEN = re.compile(r"(?<=[A-Za-z0-9])-(?=[A-Za-z0-9])")


def unbroken_hyphens(text: str | None) -> str:
    """A name such as "OBD-II" or "ISO 9141-2" kept on one line (U+2011, the non-breaking
    hyphen): broken at its hyphen inside an Arabic title, "-OBD" ends one line and "II:"
    starts the next, each on the wrong side."""
    return _LATIN_HYPHEN.sub("\u2011", text or "")


def format_percent(value) -> str:
    """ "75 %" as the reader's locale writes the number, the sign held to it by a narrow
    no-break space: on a phone the "%" never wraps alone onto the next line."""
    return f"{format_number(value)}\u202f%"


def format_number(value) -> str:
    """A number in the reader's locale ("1 000,5" in French). Cached: a 50-row grid
    formats the same few percents hundreds of times, and Babel's formatting was the
    slowest part of rendering it."""
    if value is None:
        return ""
    return _decimal(value, str(format_locale()))


def plural_count(value) -> int:
    """The ``n`` a plural form is chosen by, for a count that may be a fraction (2.5
    points): gettext's formulas take whole numbers, and CLDR gives a fraction the "other"
    form in Arabic ("2.5 نقطة") and its whole part's form in French ("1,5 point")."""
    if value is None:
        return 0
    whole = int(value)
    if whole == value:
        return whole
    return 100 if format_locale().language == "ar" else whole


def human_list(items) -> Markup:
    """A list as the reader's language writes it ("a, b et c"); items that are markup (a
    language's name, tagged and isolated) stay markup, anything else is escaped."""
    escaped = [str(escape(item)) for item in items]
    return Markup(format_list(escaped, locale=format_locale()))  # noqa: S704 - escaped


def _finalize(value):
    """What ``{{ … }}`` prints. A lazy translation declares itself safe HTML, yet it may
    carry what a user typed (``"%(value)s is not a valid e-mail address"``): printed as
    plain text it is escaped like anything else. Markup made on purpose (``|safe``) is not
    a lazy string and passes unchanged."""
    return str(value) if isinstance(value, LazyString) else value


def init_app(app: Flask) -> None:
    app.jinja_env.finalize = _finalize
    app.jinja_env.filters.update(
        datetime=lambda v, fmt="medium": format_datetime(v, fmt) if v else "—",
        date=lambda v, fmt="medium": format_date(v, fmt) if v else "—",
        number=format_number,
        percent=format_percent,
        unbroken_hyphens=unbroken_hyphens,
        country=country_name,
        domain=lambda d: DOMAIN_LABELS.get(d, d),
        role=lambda r: ROLE_LABELS.get(r, r),
        language=language_name,
        humanlist=human_list,
        bdi=bdi,
    )
    app.jinja_env.globals.update(
        translated=translated,
        translated_language=translated_language,
        direction=direction,
        pick_language=pick_language,
        plural_count=plural_count,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        INTERFACE_LANGUAGES=INTERFACE_LANGUAGES,
        CONTENT_LANGUAGES=CONTENT_LANGUAGES,
        DOMAIN_LABELS=DOMAIN_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        SIGNOFF_LABELS=SIGNOFF_LABELS,
        MODULE_STATUS_LABELS=MODULE_STATUS_LABELS,
        FLAG_LABELS=FLAG_LABELS,
        EVENT_LABELS=EVENT_LABELS,
        TRANSLATION_LABELS=TRANSLATION_LABELS,
        QUESTION_TYPES=QUESTION_TYPES,
        LEVEL_LABELS=LEVEL_LABELS,
    )
