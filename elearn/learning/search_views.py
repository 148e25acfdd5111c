"""The lesson search page: ``/search?q=``, over the lessons of the courses one may read."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from elearn.extensions import db
from elearn.i18n.languages import CONTENT_LANGUAGES
from elearn.i18n.locale import current_language
from elearn.learning import search

bp = Blueprint("search", __name__, template_folder="templates")

PER_PAGE = 20


@bp.get("/search")
@login_required
def lessons():
    raw = request.args.get("q")
    language = request.args.get("language", "")
    language = language if language in CONTENT_LANGUAGES else ""
    context = {"q": (raw or "")[: search.MAX_QUERY * 2], "language": language}
    if raw is None:  # the page itself, before any search
        return render_template("learning/search.html", **context)
    try:
        query = search.parse(raw)
    except search.SearchError as error:
        return render_template("learning/search.html", error=error.message, **context), 400
    lang = current_language()
    page = search.search(
        db.session,
        current_user,
        query,
        page=request.args.get("page", 1, type=int) or 1,
        per_page=PER_PAGE,
        language=language,
        prefer=lang,
    )
    results = [search.present(entry, query, lang) for entry in page.items]
    return render_template("learning/search.html", page=page, results=results, **context)
