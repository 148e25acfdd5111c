"""A demo world for page checks: ``elearn demo`` loaded once per test session into a
SQLite file that each test module copies, and ``MAIN_PAGES``, the main pages of each
role's day (trainee, trainer, expert, reviewer, admin) with their real addresses.

The pages are named statically (so that tests can be parametrised by them at collection
time); their addresses come from the demo's data (:func:`page_url` with the :class:`Demo`
the fixture ``demo_world`` found: slugs, ids, codes). The browser checks (axe-core, the
phone screenshots) and the Arabic-text check walk the same list.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from elearn import create_app
from elearn.accounts import services as accounts
from elearn.accounts.models import User
from elearn.authoring.models import Course
from elearn.cohorts.models import Cohort
from elearn.core.clock import now
from elearn.core.edge import unit_of_work
from elearn.demo import DEMO_PASSWORD
from elearn.extensions import db
from elearn.learning.models import Certificate
from elearn.quizzes import services as quizzes
from elearn.quizzes.models import AttemptStatus, QuizAttempt
from tests.harness import Client, base_config

DOMAIN = "mre-academy.example"
#: Who walks each role's day (the demo's accounts).
ACCOUNTS = {
    "trainee": f"stagiaire.sale@{DOMAIN}",
    "trainer": f"formateur.sale@{DOMAIN}",
    "expert": f"expert.dmk@{DOMAIN}",
    "reviewer": f"relecture.c3m@{DOMAIN}",
    "admin": f"admin@{DOMAIN}",
}
#: The course the demo's cohort follows; its first module's second lesson has a diagram.
COURSE = "auto-obd-diagnostics"
MODULE = "fundamentals"
LESSON = "connector-pinout"


@dataclass(frozen=True)
class Page:
    role: str
    name: str
    #: ``str.format`` template filled with the :class:`Demo`'s fields.
    path: str

    @property
    def id(self) -> str:
        return f"{self.role}-{self.name}"


COURSE_PATH = "/courses/{course}"
LESSON_PATH = "/courses/{course}/modules/{module}/lessons/{lesson}"
STUDIO_LESSON = "/studio/{course}/modules/{module}/lessons/{lesson}"

MAIN_PAGES = [
    Page("trainee", "home", "/"),
    Page("trainee", "catalogue", "/courses"),
    Page("trainee", "course", COURSE_PATH),
    Page("trainee", "lesson", LESSON_PATH),
    Page("trainee", "quiz", "/courses/{course}/modules/{module}/quiz"),
    Page("trainee", "attempt", "/attempts/{open_attempt}"),
    Page("trainee", "result", "/attempts/{finished_attempt}"),
    Page("trainee", "my-learning", "/my/learning"),
    Page("trainee", "notifications", "/notifications"),
    Page("trainee", "account", "/account"),
    Page("trainer", "home", "/"),
    Page("trainer", "cohorts", "/cohorts"),
    Page("trainer", "cohort", "/cohorts/{cohort}"),
    Page("trainer", "trainee", "/cohorts/{cohort}/trainees/{trainee}"),
    Page("trainer", "items", "/cohorts/{cohort}/items"),
    Page("trainer", "members", "/cohorts/{cohort}/members"),
    Page("expert", "home", "/"),
    Page("expert", "studio", "/studio/"),
    Page("expert", "studio-course", "/studio/{course}"),
    Page("expert", "lesson-editor", STUDIO_LESSON + "/edit"),
    Page("expert", "quiz-editor", "/studio/{course}/modules/{module}/quiz"),
    Page("expert", "media", "/studio/{course}/media"),
    Page("expert", "api-docs", "/api/v1/docs"),
    Page("reviewer", "home", "/"),
    Page("reviewer", "review-queue", "/studio/review"),
    Page("reviewer", "review", "/studio/{course}/review"),
    Page("admin", "home", "/"),
    Page("admin", "users", "/admin/users"),
    Page("admin", "centres", "/admin/centres"),
    Page("admin", "networks", "/admin/networks"),
    Page("admin", "failed-jobs", "/jobs/failed"),
    # the certificate is its holder's: a trainee of the cohort who finished the course
    Page("graduate", "certificate", "/certificates/{certificate}"),
    Page("graduate", "verify", "/verify/{certificate}"),
    # before signing in: the welcome, the sign-in form, an employer checking a certificate
    Page("visitor", "home", "/"),
    Page("visitor", "sign-in", "/login"),
    Page("visitor", "verify-form", "/verify"),
]


@dataclass(frozen=True)
class Demo:
    """What the pages' addresses need, found in the demo's data."""

    course: str
    module: str
    lesson: str
    cohort: int
    trainee: int
    open_attempt: int
    finished_attempt: int
    certificate: str
    #: role → e-mail, "graduate" (a certificate's holder) included, "visitor" None
    accounts: dict


def page_url(page: Page, demo: Demo) -> str:
    return page.path.format(**vars(demo))


def _find(app) -> Demo:
    with app.app_context():
        session = db.session
        trainee = session.scalar(select(User).where(User.email == ACCOUNTS["trainee"]))
        cohort = session.scalar(select(Cohort).order_by(Cohort.id))
        finished = session.scalar(
            select(QuizAttempt.id)
            .where(QuizAttempt.user_id == trainee.id, QuizAttempt.status != AttemptStatus.OPEN)
            .order_by(QuizAttempt.id)
        )
        opened = session.scalar(
            select(QuizAttempt.id).where(
                QuizAttempt.user_id == trainee.id, QuizAttempt.status == AttemptStatus.OPEN
            )
        )
        certificate = session.scalar(select(Certificate).order_by(Certificate.id))
        graduate = session.get(User, certificate.user_id).email
        return Demo(
            course=COURSE,
            module=MODULE,
            lesson=LESSON,
            cohort=cohort.id,
            trainee=trainee.id,
            open_attempt=opened,
            finished_attempt=finished,
            certificate=certificate.code,
            accounts={**ACCOUNTS, "graduate": graduate, "visitor": None},
        )


def _open_an_attempt(app) -> None:
    """The demo's trainee, in the middle of a quiz: the second module's (the first one's
    quiz is passed), so that the page of an attempt being answered is there too."""
    with app.app_context(), unit_of_work():
        user = accounts.find_user(db.session, ACCOUNTS["trainee"])
        course = db.session.scalar(select(Course).where(Course.slug == COURSE))
        module = next(m for m in course.modules if m.slug != MODULE and m.quiz is not None)
        quizzes.start_attempt(db.session, user, course, module, now=now())


def build_demo(template, path) -> Demo:
    """Copy the migrated ``template`` to ``path``, load the demo there, open an attempt."""
    shutil.copy(template, path)
    app = create_app(base_config(f"sqlite:///{path}"))
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    _open_an_attempt(app)
    demo = _find(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return demo


@pytest.fixture(scope="session")
def demo_world(sqlite_template, tmp_path_factory):
    """The demo, loaded once per session: its SQLite file and what its pages need."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    demo = build_demo(sqlite_template, path)
    return SimpleNamespace(path=path, demo=demo)


@pytest.fixture(scope="module")
def demo_app(demo_world, tmp_path_factory):
    """An app on a copy of the demo's database, for one test module."""
    path = tmp_path_factory.mktemp("demo-copy") / "demo.sqlite3"
    shutil.copy(demo_world.path, path)
    app = create_app(base_config(f"sqlite:///{path}"))
    app.test_client_class = Client
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def demo_client(app, email: str | None, lang: str) -> Client:
    """A client signed in as a demo account (anonymous for None), the interface in ``lang``."""
    client = app.test_client()
    if email is not None:
        response = client.login(email, DEMO_PASSWORD)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
    client.get(f"/language?lang={lang}")
    return client


#: Latin words an Arabic page may show as they are, besides acronyms (words in capitals:
#: OFPPT, DMK, PDF, CSV, XLSX, API, URL, MRE, OBD…, which Arabic technical writing keeps in
#: Latin letters): the names of formats and programs read the same in both languages.
#: Anything else in Latin letters must be an isolated name (``<bdi>``, ``|bdi``, ⁨…⁩),
#: code, or content marked with its own ``lang``.
LATIN_ALLOWED = {"Markdown", "Excel", "JavaScript", "Moodle", "WebP", "WebM", "OpenAPI"}
#: Elements whose text is not the interface's: code, keys, names isolated on purpose, and
#: the values typed into fields. So is any element with a ``lang`` of its own (below
#: ``<html>``, which carries the interface's): that is how pages mark content — a course's
#: title, a lesson, a question — in the language it was written in, Arabic included (an
#: Arabic lesson may quote a French term: the author's words, not the interface's).
#: ``<title>`` too: it can hold no markup to isolate a name (a cohort's, a trainee's), and
#: its words are the page's ``<h1>``, which is checked.
SKIPPED_ELEMENTS = {"script", "style", "title", "bdi", "code", "kbd", "pre", "textarea", "template"}
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
#: A file name, path, address or type ("quiz.yml", "media/", "image/png", "a@b.example"):
#: an identifier, not prose, whatever letters it has.
_IDENTIFIER = re.compile(r"[^\s()«»،؛,;]*[A-Za-z][^\s()«»،؛,;]*[./@][^\s()«»،؛,;]*|\.[a-z]{2,4}\b")
_ISOLATE = re.compile("[\u2066\u2067\u2068][^\u2066\u2067\u2068\u2069]*\u2069")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]{3,}")


class _InterfaceText(HTMLParser):
    """The text of a page that speaks the interface's language ``lang``: without
    elements in ``SKIPPED_ELEMENTS``, elements whose ``lang`` is another language, and
    attribute values (never read as text)."""

    def __init__(self, lang: str):
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.parts: list[str] = []

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        if tag in VOID_ELEMENTS:
            return
        content = tag != "html" and dict(attrs).get("lang") is not None
        self.stack.append((tag, self._skipping() or tag in SKIPPED_ELEMENTS or content))

    def handle_startendtag(self, tag, attrs):
        return

    def handle_endtag(self, tag):
        if any(open_tag == tag for open_tag, _skipped in self.stack):
            while self.stack and self.stack.pop()[0] != tag:
                pass
        self.parts.append(" ")

    def handle_data(self, data):
        if not self._skipping():
            self.parts.append(data)

    def text(self) -> str:
        return "".join(self.parts)


def interface_text(html: str, lang: str = "ar") -> str:
    """What a reader of ``lang`` reads as the page's own words (isolates removed)."""
    parser = _InterfaceText(lang)
    parser.feed(html)
    parser.close()
    text = parser.text()
    while (stripped := _ISOLATE.sub(" ", text)) != text:  # isolates within isolates
        text = stripped
    return text


def latin_words(html: str) -> list[tuple[str, str]]:
    """(word, its context) for every Latin word of an Arabic page that is neither isolated,
    nor in content marked as another language, nor in ``LATIN_ALLOWED``."""
    text = _IDENTIFIER.sub(" ", re.sub(r"\s+", " ", interface_text(html, "ar")))
    return [
        (m.group(), text[max(0, m.start() - 40) : m.end() + 40].strip())
        for m in _LATIN.finditer(text)
        if not m.group().isupper() and m.group() not in LATIN_ALLOWED
    ]
