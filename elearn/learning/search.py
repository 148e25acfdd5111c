"""Search inside lessons: the published text of every lesson, per language, for the people
who may read its course.

At each publication (``authoring.services`` hands every publication to
:func:`index_course`, wired in ``create_app``) each published language version of each
lesson becomes one :class:`LessonSearchEntry`: its title, its HTML as plain text (stripped
once, here, never at query time) and its *terms* — the words of both, folded by
``core.text.fold`` (the catalogue's normaliser: accents, case, Arabic diacritics, tatweel,
hamza, ta marbuta, alef maqsura, Eastern Arabic digits) and split into words by
:func:`words`, one space between them.

The database only looks words up, it never splits or folds text itself, so SQLite and
PostgreSQL find the same lessons for the same query:

- SQLite: the FTS5 table ``lesson_search_fts`` (external content, kept by triggers) with
  the ``ascii`` tokenizer, which splits only on ASCII spaces and punctuation — exactly the
  spaces between our terms, as our words contain letters and digits only;
- PostgreSQL: a GIN index on ``array_to_tsvector(string_to_array(terms, ' '))``: the same
  words as lexemes, without the text-search parser (``to_tsvector`` would split words
  again its own way, and differently depending on the server's locale).

A query matches a lesson version holding every word of it, the last one as a prefix (what
someone is still typing). Queries are words only, quoted one by one: no FTS5 or tsquery
syntax ever reaches the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    cast,
    column,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Mapped, contains_eager, mapped_column, relationship

from elearn.authoring import published
from elearn.authoring import services as authoring_services
from elearn.authoring.models import Course, LessonContent, Module
from elearn.authoring.urls import lesson_url
from elearn.core.errors import DomainError
from elearn.core.pagination import Page, paginate
from elearn.core.text import fold
from elearn.extensions import db
from elearn.i18n.formatting import translated
from elearn.learning.policy import readable_by

#: The SQLite FTS5 table (and the prefix of its shadow tables) and the PostgreSQL index:
#: made by migration 0021, outside the models (``SEARCH_OBJECTS``, read by migrations/env.py
#: and tests/test_migrations.py, which leave them out of the comparison with the models).
FTS_TABLE = "lesson_search_fts"
PG_INDEX = "ix_lesson_search_entries_terms"
SEARCH_OBJECTS = (FTS_TABLE, PG_INDEX)

#: A query: at most this many characters and words; at least one word this long.
MAX_QUERY = 200
MAX_WORDS = 10
MIN_WORD = 2
#: Words are cut to this many characters (in the index and in queries alike).
MAX_WORD = 60
#: Characters of the excerpt shown around the first match.
EXCERPT_BEFORE = 80
EXCERPT_LENGTH = 240


class LessonSearchEntry(db.Model):
    """One published language version of a lesson, as search reads it. Rebuilt for the
    whole course at each publication; removed with its course, module or lesson."""

    __tablename__ = "lesson_search_entries"
    __table_args__ = (UniqueConstraint("lesson_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8))
    #: Where the lesson was published (its snapshot's slug) and in which order it is read.
    lesson_slug: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    #: The published title, and the published HTML as plain text: what excerpts quote.
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    #: The folded words of the title and the text, one space between them (:func:`words`):
    #: what the index reads.
    terms: Mapped[str] = mapped_column(Text)
    #: The folded words of the title alone, between spaces: results matching the title
    #: come first.
    title_terms: Mapped[str] = mapped_column(Text)

    course: Mapped[Course] = relationship()
    module: Mapped[Module] = relationship()


class SearchError(DomainError):
    """A query that cannot be searched, with what to type instead (400 on ``q``)."""

    status = 400

    def __init__(self, message):
        super().__init__(message, field="q")


# -- words --------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _piece(char: str) -> str | None:
    """What one character is to search: its folded letters and digits; ``""`` for what
    folding removes (a diacritic, a tatweel), which stays inside a word; None for what
    separates words (spaces, punctuation, symbols)."""
    if char.isspace():
        return None
    folded = fold(char)
    if not folded:
        return ""
    return folded if folded.isalnum() else None


def spans(text: str) -> Iterator[tuple[str, int, int]]:
    """Each word of ``text`` folded, with where it sits in ``text`` (start, end)."""
    word: list[str] = []
    start = end = 0
    for i, char in enumerate(text):
        piece = _piece(char)
        if piece is None:
            if word:
                yield "".join(word)[:MAX_WORD], start, end
                word = []
        elif piece:
            if not word:
                start = i
            word.append(piece)
            end = i + 1
        elif word:  # a diacritic after a letter belongs to its word
            end = i + 1
    if word:
        yield "".join(word)[:MAX_WORD], start, end


def words(text: str) -> list[str]:
    """The folded words of ``text``: letters and digits only, so no query syntax of either
    database can be among them."""
    return [word for word, _start, _end in spans(text)]


# -- plain text of a published lesson -----------------------------------------------------

#: Elements after which the text goes on as another word even without a space.
_BLOCKS = frozenset(
    "address article aside blockquote br dd details div dl dt figcaption figure footer "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot "
    "th thead tr ul caption".split()
)
_SKIPPED = frozenset({"script", "style", "template"})


class _PlainText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def plain_text(html: str) -> str:
    """The text a reader sees in a rendered lesson, spaces collapsed."""
    parser = _PlainText()
    parser.feed(html or "")
    parser.close()
    return " ".join("".join(parser.parts).split())


# -- the index ----------------------------------------------------------------------------


def index_course(session, course: Course) -> int:
    """Replace the course's entries by its published lessons (none once it is no longer
    live): called in the publishing transaction, and by ``elearn courses reindex``.
    Returns the number of entries written."""
    session.execute(delete(LessonSearchEntry).where(LessonSearchEntry.course_id == course.id))
    if not course.is_live:
        return 0
    outline = published.build(session, [course.id])[course.id]
    if not outline.entries:
        return 0
    texts = session.execute(
        select(
            LessonContent.lesson_id,
            LessonContent.lang,
            LessonContent.published,
            LessonContent.published_html,
        ).where(
            LessonContent.lesson_id.in_(outline.lesson_ids),
            LessonContent.published.is_not(None),
        )
    ).all()
    by_lesson: dict[int, list] = {}
    for row in texts:
        by_lesson.setdefault(row.lesson_id, []).append(row)
    rows = []
    for position, entry in enumerate(outline.entries):
        for found in sorted(by_lesson.get(entry.lesson.id, []), key=lambda r: r.lang):
            title = found.published.get("title") or ""
            text = plain_text(found.published_html or "")
            if title and text.startswith(title):  # the lesson's heading: the title again
                text = text[len(title) :].lstrip()
            title_words = words(title)
            rows.append(
                {
                    "course_id": course.id,
                    "module_id": entry.module.id,
                    "lesson_id": entry.lesson.id,
                    "lang": found.lang,
                    "lesson_slug": entry.lesson.slug,
                    "position": position,
                    "title": title,
                    "text": text,
                    "terms": " ".join([*title_words, *words(text)]),
                    "title_terms": f" {' '.join(title_words)} ",
                }
            )
    if rows:
        session.execute(insert(LessonSearchEntry), rows)
    return len(rows)


def reindex_all(session) -> tuple[int, int]:
    """Rebuild every course's entries (after an upgrade, or to repair), and the catalogue's
    folded titles with them (``fold`` learnt Eastern Arabic digits with the lesson search):
    (live courses, entries)."""
    courses = list(session.scalars(select(Course).order_by(Course.id)))
    session.execute(delete(LessonSearchEntry))
    for course in courses:
        course.search_text = authoring_services.search_text(course)
    total = sum(index_course(session, course) for course in courses)
    return sum(course.is_live for course in courses), total


# -- queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """The words looked for; the last one also as the start of a longer word."""

    words: tuple[str, ...]

    @property
    def prefix(self) -> str:
        last = self.words[-1]
        return last if len(last) >= MIN_WORD else ""

    @property
    def exact(self) -> tuple[str, ...]:
        return self.words[:-1] if self.prefix else self.words

    def matches(self, word: str) -> bool:
        return word in self.words or bool(self.prefix and word.startswith(self.prefix))


def parse(text: str | None) -> Query:
    """The query's words, or a :class:`SearchError` saying what to type."""
    text = text or ""
    if len(text) > MAX_QUERY:
        raise SearchError(
            lazy_ngettext(
                "Search with at most %(num)d character.",
                "Search with at most %(num)d characters.",
                MAX_QUERY,
            )
        )
    found = list(dict.fromkeys(words(text)))
    if not found:
        raise SearchError(_l("Type one or more words (letters or digits) to search the lessons."))
    if len(found) > MAX_WORDS:
        raise SearchError(
            lazy_ngettext(
                "Search with at most %(num)d word.", "Search with at most %(num)d words.", MAX_WORDS
            )
        )
    if max(len(word) for word in found) < MIN_WORD:
        raise SearchError(
            lazy_ngettext(
                "Type a word of at least %(num)d letter.",
                "Type a word of at least %(num)d letters.",
                MIN_WORD,
            )
        )
    return Query(tuple(found))


def _fts_match(query: Query) -> str:
    """The FTS5 expression: every word quoted (letters and digits only, so never syntax)."""
    parts = [f'"{word}"' for word in query.exact]
    if query.prefix:
        parts.append(f'"{query.prefix}"*')
    return " ".join(parts)


def _tsquery(query: Query) -> str:
    parts = [f"'{word}'" for word in query.exact]
    if query.prefix:
        parts.append(f"'{query.prefix}':*")
    return " & ".join(parts)


def matching(session, query: Query) -> ColumnElement[bool]:
    """The entries holding every word of ``query``, through the database's own index."""
    entry = LessonSearchEntry
    if session.get_bind().dialect.name == "postgresql":
        lexemes = func.array_to_tsvector(func.string_to_array(entry.terms, literal_column("' '")))
        return lexemes.op("@@")(cast(literal(_tsquery(query)), TSQUERY))
    fts = table(FTS_TABLE, column("rowid"))
    found = select(fts.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(_fts_match(query)))
    return entry.id.in_(found)


def _in_title(query: Query) -> ColumnElement[bool]:
    """Every word in the title: the same ``LIKE`` on both databases (terms are lowercase
    letters and digits, so no wildcard can be among them)."""
    entry = LessonSearchEntry
    conditions = [entry.title_terms.contains(f" {word} ") for word in query.exact]
    if query.prefix:
        conditions.append(entry.title_terms.contains(f" {query.prefix}"))
    return and_(*conditions)


def search(
    session,
    user,
    query: Query,
    *,
    page: int = 1,
    per_page: int = 20,
    language: str = "",
    prefer: str = "",
) -> Page:
    """A page of the lesson versions matching ``query`` in the courses ``user`` may read
    (``policy.readable_by``, live courses only), only those in ``language`` when given:
    the versions in ``prefer`` (the reader's language) first, then title matches, then in
    reading order. Two statements: the count and the page (with course, network and
    module)."""
    entry = LessonSearchEntry
    stmt = (
        select(entry)
        .join(entry.course)
        .join(entry.module)
        .options(contains_eager(entry.course), contains_eager(entry.module))
        .where(matching(session, query), Course.is_live, readable_by(user))
        .order_by(
            case((entry.lang == prefer, 0), else_=1),
            case((_in_title(query), 0), else_=1),
            Course.slug,
            entry.position,
            entry.lang,
        )
    )
    if language:
        stmt = stmt.where(entry.lang == language)
    return paginate(session, stmt, page, per_page, clamp=True)


# -- excerpts -----------------------------------------------------------------------------


def highlight(text: str, query: Query) -> Markup:
    """``text`` escaped, the words of ``query`` in ``<mark>``."""
    return _marked(text, query, 0, len(text))


def excerpt(text: str, query: Query) -> Markup:
    """A passage of ``text`` around the first word of ``query`` (its beginning when only
    the title matched), escaped, every matched word in ``<mark>``."""
    start = 0
    for word, begin, _end in spans(text):
        if query.matches(word):
            start = max(0, begin - EXCERPT_BEFORE)
            break
    end = min(len(text), start + EXCERPT_LENGTH)
    if start > 0:  # begin and end on whole words
        space = text.find(" ", start, start + 20)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", end - 20, end)
        end = space if space > start else end
    body = _marked(text, query, start, end)
    before = "… " if start > 0 else ""
    after = " …" if end < len(text) else ""
    return escape(before) + body + escape(after)


def _marked(text: str, query: Query, start: int, end: int) -> Markup:
    piece = text[start:end]
    out, at = [], 0
    for word, begin, finish in spans(piece):
        if query.matches(word):
            out.append(escape(piece[at:begin]))
            out.append(Markup("<mark>%s</mark>") % piece[begin:finish])
            at = finish
    out.append(escape(piece[at:]))
    return Markup("").join(out)


def present(entry: LessonSearchEntry, query: Query, lang: str) -> dict:
    """What a result shows, on the page and in the API: the course and module in ``lang``
    (the reader's), the lesson in the language it was found in, highlighted."""
    course, module = entry.course, entry.module
    source = course.source_language
    excerpt_html = excerpt(entry.text, query)
    return {
        "course": {
            "slug": course.slug,
            "title": translated((course.published or {}).get("title"), lang, source),
        },
        "module": {
            "slug": module.slug,
            "title": translated((module.published or {}).get("title"), lang, source),
        },
        "lesson": {"slug": entry.lesson_slug, "title": entry.title, "lang": entry.lang},
        "url": lesson_url(course.slug, module.slug, entry.lesson_slug, entry.lang),
        "title_html": highlight(entry.title, query),
        "excerpt_html": excerpt_html,
        "excerpt": excerpt_html.striptags(),
    }
