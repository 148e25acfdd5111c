"""The lesson search (``/search``, ``GET /api/v1/search/lessons``) under hostile queries and
hostile lesson texts.

- Query syntax injection (FTS5's ``"``, ``*``, ``NEAR(``, ``OR``, ``NOT``, ``-``, ``^``,
  ``{column}:``, unbalanced quotes and parentheses; tsquery's ``&``, ``|``, ``!``, ``:*``,
  ``'``; LIKE's ``%`` and ``_``; SQL quotes; NUL): ``test_query_syntax_is_never_syntax``,
  on SQLite and PostgreSQL — a 200 with only readable lessons, or a 400 problem saying what
  to type, never a 500; the words around the syntax are searched as words.
- Stored XSS through a lesson's text or title shown in an excerpt, reflected XSS through
  the query echoed in the search box: ``test_excerpts_and_the_echoed_query_are_text``.
- Reading another course's lessons through the search: tests/test_lesson_search.py::
  test_unpublished_drafts_and_courses_one_cannot_read_never_appear, and the IDOR walk
  (tests/adversarial/test_idor.py, ``search.lessons`` and ``search_api.search_lessons``).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from elearn.extensions import db
from elearn.learning.search import LessonSearchEntry
from tests.factories import package_files, zipped

pytestmark = pytest.mark.adversarial

API = "/api/v1/search/lessons"
SLUG = "gauges"
HOSTILE_TEXT = {
    **package_files(SLUG),
    "01-basics/02-oil.fr.md": "---\ntitle: 'Jauge <script>alert(\"t\")</script>'\n---\n\n"
    "Lire la jauge d'huile. `<img src=x onerror=alert(1)>` et <b>gras</b> brut.\n\n"
    '```\n" OR 1=1 -- NEAR(jauge)\n```\n',
}
PAYLOADS = [
    '"',
    '""',
    '"jauge',
    'jauge"',
    '"jauge huile',
    "*",
    "jauge*",
    "* jauge",
    "jau*",
    "NEAR(",
    "NEAR(jauge huile)",
    "NEAR(jauge huile, 2)",
    "jauge OR huile",
    "jauge AND huile",
    "NOT jauge",
    "jauge NOT huile",
    "-jauge",
    "jauge -huile",
    "^jauge",
    "title:jauge",
    "terms:jauge",
    "{terms title}: jauge",
    "(jauge",
    "jauge)",
    ")(",
    "jauge & huile",
    "jauge | huile",
    "!jauge",
    "jauge:*",
    "'jauge'",
    "jauge'",
    "' OR '1'='1",
    "%",
    "_",
    "jau%",
    "j_uge",
    "\\",
    "jauge\\",
    "\x00jauge",
    "\u0640",  # a tatweel alone: no word
    "\u064e\u064f",  # diacritics alone
    "j" * 500,
    "jauge " * 30,
]


@pytest.fixture
def reader(app, make):
    make.course(zipped(SLUG, HOSTILE_TEXT), publish=True)
    make.course(zipped("secret", package_files("secret", "AEROMAC")), publish=True)
    trainee = make.user("trainee")
    make.enrol(trainee.email, SLUG)
    trainee.token = make.token(trainee.email)
    return trainee


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_query_syntax_is_never_syntax(app, api, signed_in, reader, payload):
    page = signed_in(reader.email).get("/search", query_string={"q": payload})
    assert page.status_code in (200, 400), page.get_data(as_text=True)[:500]
    answer = api.get(API, query_string={"q": payload}, token=reader.token)
    assert answer.status_code in (200, 400), answer.get_data(as_text=True)[:500]
    if answer.status_code == 400:
        assert answer.mimetype == "application/problem+json"
        return
    slugs = {item["course"]["slug"] for item in answer.json["items"]}
    assert slugs <= {SLUG}  # never the AEROMAC course the trainee does not read
    contract = api.get("/api/v1/search", query_string={"q": payload}, token=reader.token)
    assert contract.status_code == 200 and contract.json["total"] == answer.json["total"]
    with app.app_context():  # and nothing was changed by a query
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonSearchEntry)) == 8


@pytest.mark.parametrize(
    "payload",
    ['"jauge', "jauge*", "-jauge", "^jauge", "NOT jauge", "{ }: jauge", "!jauge", "jauge:*"],
)
def test_the_words_around_the_syntax_are_searched_as_words(api, reader, payload):
    items = api.get(API, query_string={"q": payload}, token=reader.token).json["items"]
    lessons = {i["lesson"]["slug"] for i in items}
    if payload.startswith("NOT"):  # "not" is a word to find, and the lesson has none
        assert lessons == set()
    else:
        assert lessons == {"oil"}


def test_excerpts_and_the_echoed_query_are_text(api, signed_in, reader):
    hostile = "<img src=x> jauge"  # every word is in the lesson: it is found
    html = (
        signed_in(reader.email).get("/search", query_string={"q": hostile}).get_data(as_text=True)
    )
    assert 'value="&lt;img src=x&gt; jauge"' in html  # the box's value
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "<mark>Jauge</mark> &lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in html  # title
    assert "&lt;<mark>img</mark> <mark>src</mark>=<mark>x</mark> onerror=alert(1)&gt;" in html
    assert "<b>gras</b>" not in html
    item = api.get(API, query_string={"q": "gras"}, token=reader.token).json["items"][0]
    assert "<mark>gras</mark>" in item["excerpt_html"] and "<b>" not in item["excerpt_html"]
    item = api.get("/api/v1/search", query_string={"q": "gras"}, token=reader.token).json
    assert "<mark>gras</mark>" in item["items"][0]["excerpt"]
    assert "<b>" not in item["items"][0]["excerpt"]
