"""Which language a page is in, decided once per request by an explicit chain.

``?lang=`` (remembered in the session) → the signed-in user's preference →
``Accept-Language`` → ``ELEARN_DEFAULT_LOCALE``. The rule itself is a pure function so it
can be tested without a request.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

SUPPORTED = ("fr", "ar")
RTL = frozenset({"ar"})
#: Babel locales used for dates and numbers: Morocco's conventions (Latin digits in ar_MA).
FORMAT_LOCALES = {"fr": "fr_MA", "ar": "ar_MA"}
SESSION_KEY = "lang"


def resolve_locale(
    *,
    query: str | None,
    remembered: str | None,
    preference: str | None,
    accepted: Iterable[str],
    default: str,
) -> str:
    for candidate in (query, remembered, preference):
        if candidate in SUPPORTED:
            return candidate
    for tag in accepted:
        base = tag.replace("_", "-").split("-")[0].lower()
        if base in SUPPORTED:
            return base
    return default


def direction(locale: str) -> str:
    return "rtl" if locale in RTL else "ltr"


def current_language() -> str:
    """The two-letter language of this request (computed once, kept on ``g``)."""
    if "lang" not in g:
        query = request.args.get("lang")
        if query in SUPPORTED:
            session[SESSION_KEY] = query
        preference = None
        try:
            if current_user and current_user.is_authenticated:
                preference = current_user.locale
        except SQLAlchemyError:  # database down: still answer, in the remembered language
            from elearn.extensions import db

            db.session.rollback()
        g.lang = resolve_locale(
            query=query,
            remembered=session.get(SESSION_KEY),
            preference=preference,
            accepted=request.accept_languages.values(),
            default=current_app.config["DEFAULT_LOCALE"],
        )
    return g.lang


def select_locale() -> str:
    """Flask-Babel's selector: the regional locale, so dates and numbers follow Morocco."""
    if not has_request_context():
        return FORMAT_LOCALES[current_app.config["DEFAULT_LOCALE"]]
    return FORMAT_LOCALES[current_language()]


def url_with_lang(lang: str) -> str:
    """This page's address in another language (a plain link: switching writes no data)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return request.path + "?" + urlencode(args, doseq=True)


def init_app(app: Flask) -> None:
    @app.context_processor
    def _locale_context():
        lang = current_language()
        return {
            "lang": lang,
            "dir": direction(lang),
            "other_lang": "ar" if lang == "fr" else "fr",
            "url_with_lang": url_with_lang,
        }
