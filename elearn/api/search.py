"""The lesson search of the ``/search`` page, as JSON: ``/search`` is the contract's
(shared/spec/api.md, slugs and a highlighted excerpt), ``/search/lessons`` the same hits
with titles, links and both forms of the excerpt."""

from __future__ import annotations

from flask_login import current_user, login_required
from marshmallow import Schema, fields, validate

from elearn.api.blueprint import Blueprint
from elearn.api.schemas import LANG, PageArgs, page_body
from elearn.extensions import db
from elearn.i18n.languages import CONTENT_LANGUAGES
from elearn.i18n.locale import wanted_content
from elearn.learning import search

blp = Blueprint("search_api", __name__, description="Search")
SECURED = {"security": [{"bearerAuth": []}]}


class SearchArgs(PageArgs):
    q = fields.String(
        load_default="",
        metadata={
            "description": "Words to find (accents, capitals and Arabic letter forms do not "
            "matter; the last word may be the start of a word). Anything else than letters "
            "and digits only separates words: no operator. At most 200 characters and 10 "
            "words, one of them 2 characters or more, else 400."
        },
    )
    language = fields.String(
        validate=validate.OneOf(CONTENT_LANGUAGES),
        metadata={"description": "Only the lesson versions in this content language"},
    )


class Named(Schema):
    slug = fields.String()
    title = fields.String(metadata={"description": "In the language asked for (?lang=)"})


class FoundLesson(Schema):
    slug = fields.String()
    title = fields.String(metadata={"description": "In the language it was found in"})
    lang = fields.String(metadata={"description": "The language version that matched"})


class LessonHit(Schema):
    course = fields.Nested(Named)
    module = fields.Nested(Named)
    lesson = fields.Nested(FoundLesson)
    url = fields.String(metadata={"description": "The lesson's page, in that language"})
    title_html = fields.String(
        metadata={"description": "The lesson's title, HTML-escaped, matched words in <mark>"}
    )
    excerpt_html = fields.String(
        metadata={"description": "A passage around the first match, escaped, words in <mark>"}
    )
    excerpt = fields.String(metadata={"description": "The same passage as plain text"})


class _HitPage(Schema):
    """What ``page_body`` returns around the items."""

    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class LessonHitPage(_HitPage):
    items = fields.List(fields.Nested(LessonHit))


@blp.route("/search/lessons", methods=["GET"])
@blp.arguments(SearchArgs, location="query")
@blp.response(200, LessonHitPage)
@blp.problems({400: "The query cannot be searched: errors says what to type"}, 401, 422)
@blp.doc(**SECURED, parameters=[LANG])
@login_required
def search_lessons(args):
    """The published lessons holding every word of ``q``, in the courses the caller may
    read (enrolled, followed by one of their cohorts, or authored): the versions in the
    language asked for (``lang``) first, then matches in the title, then reading order."""
    return _hits(args, lambda hit: hit)


def _hits(args: dict, shape) -> dict:
    """One search for both routes; ``shape`` turns a presented hit into a route's item."""
    query = search.parse(args["q"])
    lang = wanted_content("lang")
    page = search.search(
        db.session,
        current_user,
        query,
        page=args["page"],
        per_page=args["per_page"],
        language=args.get("language", ""),
        prefer=lang,
    )
    items = [shape(search.present(entry, query, lang)) for entry in page.items]
    return page_body(page) | {"items": items}


class SearchHit(Schema):
    course = fields.String(metadata={"description": "The course's slug"})
    module = fields.String(metadata={"description": "The module's slug"})
    lesson = fields.String(metadata={"description": "The lesson's slug"})
    lang = fields.String(metadata={"description": "The language of the text found"})
    excerpt = fields.String(
        metadata={
            "description": "A passage around the first match, HTML-escaped, the words "
            "found in <mark>"
        }
    )


class SearchHitPage(_HitPage):
    items = fields.List(fields.Nested(SearchHit))


@blp.route("/search", methods=["GET"])
@blp.arguments(SearchArgs, location="query")
@blp.response(200, SearchHitPage)
@blp.problems({400: "The query cannot be searched: errors says what to type"}, 401, 422)
@blp.doc(**SECURED, parameters=[LANG])
@login_required
def search_text(args):
    """The contract's search (shared/spec/api.md): the same hits as ``/search/lessons``,
    named by slugs, the excerpt highlighted. ``/search/lessons`` adds titles and links."""
    return _hits(
        args,
        lambda hit: {
            "course": hit["course"]["slug"],
            "module": hit["module"]["slug"],
            "lesson": hit["lesson"]["slug"],
            "lang": hit["lesson"]["lang"],
            "excerpt": str(hit["excerpt_html"]),
        },
    )
