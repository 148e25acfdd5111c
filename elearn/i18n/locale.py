"""Which language a page speaks, and which language its content is read in: two choices.

The *interface language* is decided once per request by an explicit chain: ``?lang=``
(remembered in the session) → the signed-in user's preference → ``Accept-Language`` →
``ELEARN_DEFAULT_LOCALE``. The *content language* of a lesson, quiz or editor page is
``?content=`` when given — it changes nothing else and is remembered nowhere — else the
interface language; :func:`elearn.i18n.languages.pick_language` then falls back to what
exists. The rules are pure functions so they can be tested without a request.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from elearn.extensions import db
from elearn.i18n.languages import (
    CONTENT_LANGUAGES,
    FORMAT_LOCALES,
    INTERFACE_LANGUAGES,
    direction,
)

SESSION_KEY = "lang"
#: The query argument that picks the content language of a lesson, quiz or editor page.
CONTENT_ARG = "content"


def resolve_locale(
    *,
    query: str | None,
    remembered: str | None,
    preference: str | None,
    accepted: Iterable[str],
    default: str,
) -> str:
    for candidate in (query, remembered, preference):
        if candidate in INTERFACE_LANGUAGES:
            return candidate
    for tag in accepted:
        base = tag.replace("_", "-").split("-")[0].lower()
        if base in INTERFACE_LANGUAGES:
            return base
    return default


def current_language() -> str:
    """The two-letter interface language of this request (computed once, kept on ``g``)."""
    if "lang" not in g:
        query = request.args.get("lang")
        # on the API ``?lang=`` names the language of that one answer (its content, its
        # sheets): it is never remembered for the session's pages (the API's reference page
        # is a page like any other)
        is_api = request.path.startswith("/api/") and request.blueprint != "api_reference"
        if query in INTERFACE_LANGUAGES and not is_api:
            session[SESSION_KEY] = query
        preference = None
        try:
            if current_user and current_user.is_authenticated:
                preference = current_user.locale
        except SQLAlchemyError:  # database down: still answer, in the remembered language
            db.session.rollback()
        g.lang = resolve_locale(
            query=query,
            remembered=session.get(SESSION_KEY),
            preference=preference,
            accepted=request.accept_languages.values(),
            default=current_app.config["DEFAULT_LOCALE"],
        )
    return g.lang


def asked_content(arg: str = CONTENT_ARG) -> str | None:
    """The content language this request names explicitly (query or form), if any: a
    page that posts back to itself hands it on, so the reader stays where they were."""
    value = request.values.get(arg)
    return value if value in CONTENT_LANGUAGES else None


def wanted_content(arg: str = CONTENT_ARG) -> str:
    """The content language this request asks for: ``?content=`` on pages (the API, which
    has no interface, passes ``arg="lang"``), else the interface language. Whether the
    thing exists in it is :func:`~elearn.i18n.languages.pick_language`'s business."""
    return asked_content(arg) or current_language()


def select_locale() -> str:
    """Flask-Babel's selector: the regional locale, so dates and numbers follow Morocco."""
    if not has_request_context():
        return FORMAT_LOCALES[current_app.config["DEFAULT_LOCALE"]]
    return FORMAT_LOCALES[current_language()]


def _this_page_with(**changes: str | None) -> str:
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [value]
    return request.path + ("?" + urlencode(args, doseq=True) if args else "")


def url_with_lang(lang: str) -> str:
    """This page's address with another interface language (a plain link: switching
    writes no data)."""
    return _this_page_with(lang=lang)


def url_with_content(code: str) -> str:
    """This page's address with its content in another language and the interface as it
    is (an old ``?lang=`` is dropped: following the link must not switch the interface)."""
    return _this_page_with(**{CONTENT_ARG: code, "lang": None})


def init_app(app: Flask) -> None:
    @app.context_processor
    def _locale_context():
        lang = current_language()
        return {
            "lang": lang,
            "dir": direction(lang),
            "other_lang": next(code for code in INTERFACE_LANGUAGES if code != lang),
            "url_with_lang": url_with_lang,
            "url_with_content": url_with_content,
        }
