"""What each kind of notification says, written when it is read, in the reader's language.

The rows keep parameters only (titles in every language, names, counts, a comment); the
sentences live here, one function per kind, so the bell, the list, the API and the e-mails
all say the same thing, and the catalogs hold every sentence once.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from elearn.i18n.formatting import translated

#: kind → write(params) → (title, body), in the current (or forced) locale.
KINDS: dict[str, Callable[[dict], tuple[str, str]]] = {}


def kind(name: str):
    def decorator(func):
        KINDS[name] = func
        return func

    return decorator


def _lang() -> str:
    locale = get_locale()
    return locale.language if locale else "fr"


def _title(value: dict | str | None) -> str:
    """A title stored in every language it has, read in the reader's (the usual fallback)."""
    if isinstance(value, dict):
        return translated(value, _lang())
    return value or ""


def write(kind_name: str, params: dict) -> tuple[str, str]:
    """The title and body of a notification; a kind this version no longer knows still
    reads as something rather than breaking the list."""
    writer = KINDS.get(kind_name)
    if writer is None:
        return _("Notification"), ""
    return writer(params or {})


@kind("review_submitted")
def _review_submitted(p: dict) -> tuple[str, str]:
    return (
        _("“%(course)s” is waiting for review", course=_title(p.get("course"))),
        _("%(name)s submitted it for review.", name=p.get("by", "")),
    )


@kind("review_comment")
def _review_comment(p: dict) -> tuple[str, str]:
    return (
        _("New review comment on “%(course)s”", course=_title(p.get("course"))),
        _("%(name)s: %(excerpt)s", name=p.get("by", ""), excerpt=p.get("excerpt", "")),
    )


@kind("review_returned")
def _review_returned(p: dict) -> tuple[str, str]:
    return (
        _("“%(course)s” was sent back to its authors", course=_title(p.get("course"))),
        _(
            "%(name)s asks for changes: %(comment)s",
            name=p.get("by", ""),
            comment=p.get("comment", ""),
        ),
    )


@kind("course_published")
def _course_published(p: dict) -> tuple[str, str]:
    return (
        _("“%(course)s” is published", course=_title(p.get("course"))),
        _("Trainees can now read this version."),
    )


@kind("lessons_added")
def _lessons_added(p: dict) -> tuple[str, str]:
    count = int(p.get("count") or 0)
    return (
        ngettext(
            "%(num)d new lesson in “%(course)s”",
            "%(num)d new lessons in “%(course)s”",
            count,
            course=_title(p.get("course")),
        ),
        _("A course you follow has been updated."),
    )


@kind("trainer_digest")
def _trainer_digest(p: dict) -> tuple[str, str]:
    total = int(p.get("total") or 0)
    lines = [
        ngettext(
            "%(cohort)s: %(num)d trainee needs attention",
            "%(cohort)s: %(num)d trainees need attention",
            int(c.get("count") or 0),
            cohort=c.get("name", ""),
        )
        for c in p.get("cohorts", [])
    ]
    return (
        ngettext(
            "This week, %(num)d trainee needs your attention",
            "This week, %(num)d trainees need your attention",
            total,
        ),
        "\n".join(lines),
    )


@kind("inactive_reminder")
def _inactive_reminder(p: dict) -> tuple[str, str]:
    days = int(p.get("days") or 7)
    return (
        _("Pick up “%(course)s” where you left off", course=_title(p.get("course"))),
        ngettext(
            "Nothing new on this course for %(num)d day. Your next lesson is waiting.",
            "Nothing new on this course for %(num)d days. Your next lesson is waiting.",
            days,
        ),
    )


@kind("quiz_deadline")
def _quiz_deadline(p: dict) -> tuple[str, str]:
    minutes = int(p.get("minutes") or 0)
    return (
        _("Your quiz “%(quiz)s” ends soon", quiz=_title(p.get("quiz"))),
        ngettext(
            "%(num)d minute left: what you saved is graded when the time is up.",
            "%(num)d minutes left: what you saved is graded when the time is up.",
            minutes,
        ),
    )


@kind("trainer_message")
def _trainer_message(p: dict) -> tuple[str, str]:
    """A trainer's own words to a trainee (plain text, shown escaped wherever it is read)."""
    return (
        _(
            "A message from %(name)s, trainer of %(cohort)s",
            name=p.get("by", ""),
            cohort=p.get("cohort", ""),
        ),
        p.get("text", ""),
    )
