"""Stored XSS (T01-T09): every text a person can write comes back, on the pages where OTHER
people read it, as text only: no live ``<script>``, no ``on*`` attribute, no ``javascript:``
URL, and the typed characters still visible (escaped, not dropped).

One hostile world is built through the real writers: an expert's package and the API
(course, module, lesson, quiz, competency titles and bodies, prompts, choices, feedback, a
media file name), the Studio (a module title), an admin (a trainee's name, a centre, a
network), a trainee (their own name, a short-text answer), a trainer (a cohort name, a
secretariat's CSV). Then trainers, authors, admins, trainees and anonymous visitors read it.

Already covered elsewhere (not repeated here):

- T01-T03 at the renderer, for a long corpus of payloads in every Markdown context, and
  through a package import into the stored HTML:
  tests/test_rendering_xss.py::test_payload_is_inert_in_a_lesson_body,
  ::test_payload_is_inert_in_a_quiz_text, ::test_escaped_html_stays_escaped,
  ::test_payloads_imported_through_a_package_are_stored_safely. Here: the pages showing it.
- T04 in the admin's account list:
  tests/test_admin_pages.py::test_script_in_a_name_is_shown_escaped.
  Here: the trainer's grid, needs-attention list, timeline, members, quiz review, item
  analysis, certificate, public verify page, exports and the welcome e-mail.
- T05/T06 (SVG and HTML disguised as media):
  tests/test_uploads.py::test_refused_tickets_say_what_to_change
  (SVG and HTML refused), ::test_spoofed_or_resized_files_are_removed_with_a_reason,
  ::test_an_executable_named_png_is_removed; readers get the bytes from a signed URL with
  the stored type
  (tests/test_storage.py::test_imported_media_are_stored_and_served_to_readers_only), a
  PNG/HTML polyglot only ever as image/png (tests/adversarial/test_uploads.py, T32).
- T07 (upload name, server key):
  tests/test_uploads.py::test_the_server_picks_the_key_whatever_the_name.
  Here: a package's media file named with markup, in the Studio's media library.
- T08 (an imported course's titles): stored safely per test_rendering_xss above; shown
  escaped here.
- T09: tests/test_security.py::test_security_headers_everywhere (seven paths) and
  ::test_pages_carry_no_inline_script_or_handler (eight admin pages). Here: every HTML page
  of this world, for every role, and the error pages.

Found while writing these tests: the members preview showed a row's error, which quotes the
secretariat's file (a bad e-mail as typed), without escaping it: Flask-Babel's lazy strings
declare themselves safe HTML (``__html__``), so ``<svg/onload=…>`` in the e-mail column ran
in the trainer's session. Every template now prints lazy strings as plain text
(``i18n/formatting._finalize``;
test_names_from_a_cohort_csv_are_text_in_the_preview_the_list_and_the_mail).

Found by the outside review (issue 13), and fixed at the mechanism:

- The item analysis picked its branch from the working copy's question type and printed a
  trainee's short answer as markup (a fake sign-in link and a meta refresh reached the
  trainer and the author once the author changed the question's type in a draft). Stored
  HTML is now marked safe in Python in one place (``authoring.rendering.trusted``), no
  template says ``|safe``, and the statistics follow the published version:
  ``test_no_template_marks_anything_safe``,
  ``test_an_answer_to_a_question_whose_type_changed_is_still_text``.
- ``<img src="/\\host">`` (read as ``//host`` by browsers) passed the sanitiser's source
  filter: every ``src`` now follows the redirect rule (``core.text.is_local_path``), and a
  link a browser would read differently than written is dropped:
  ``test_sources_and_links_browsers_read_as_another_site_never_reach_a_page`` (the open
  redirect payloads of T40 share the rule, tests/adversarial/test_redirects.py).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from sqlalchemy import select

from elearn.extensions import db
from tests.cohortkit import create_cohort
from tests.factories import imported
from tests.harness import PASSWORD

pytestmark = pytest.mark.adversarial

SLUG = "xss"
ATTACK = '"><svg onload=alert(1)><script>alert(1)</script><img src=x onerror=alert(1)>'
MEDIA = 'media/x"><svg onload=alert(1)>.pdf'
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LESSON = f"/courses/{SLUG}/modules/m/lessons/a"
API_LESSON = f"/api/v1/courses/{SLUG}/modules/m/lessons/a"
API_QUIZ = f"/api/v1/courses/{SLUG}/modules/m/quiz/attempts"


def hostile(where: str) -> str:
    """The attack, tagged with who wrote it, so a page shows which text reached it."""
    return f"{ATTACK} {where}"


#: Markdown and HTML an expert may put in a lesson body (T01, T02); the sanitiser drops them.
BODY_ATTACKS = [
    "<details open ontoggle=alert(1)>x</details>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "[a](javascript:alert(1))",
    "[b](JaVaScRiPt&#58;alert(1))",
]


def q(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML scalar


def hostile_package() -> bytes:
    body = "\n\n".join([hostile("lesson-body"), *BODY_ATTACKS, "&lt;script&gt;kept&lt;/script&gt;"])
    files = {
        "course.yml": (
            f"slug: {SLUG}\ndomain: automotive\nnetwork: DMK\nsource_language: fr\n"
            "languages: [fr]\nlevel: beginner\nestimated_hours: 2\n"
            f"title: {{fr: {q(hostile('course-title'))}}}\n"
            f"summary: {{fr: {q(hostile('course-summary'))}}}\n"
            f"competencies:\n  - code: C1\n    title: {{fr: {q(hostile('competency'))}}}\n"
        ),
        "01-m/module.yml": f"title: {{fr: {q(hostile('module-title'))}}}\n",
        "01-m/01-a.fr.md": (
            f"---\ntitle: {q(hostile('lesson-title'))}\ncompetencies: [C1]\n---\n\n{body}\n"
        ),
        MEDIA: PDF,
        "01-m/quiz.yml": (
            f"title: {{fr: {q(hostile('quiz-title'))}}}\npass_mark: 50\nmax_attempts: 3\n"
            "questions:\n"
            "  - id: q1\n    type: single\n    competencies: [C1]\n"
            f"    prompt: {{fr: {q(hostile('prompt'))}}}\n"
            f"    feedback: {{fr: {q(hostile('question-feedback'))}}}\n"
            "    choices:\n"
            f"      - {{id: a, text: {{fr: {q(hostile('choice'))}}}, "
            f"feedback: {{fr: {q(hostile('choice-feedback'))}}}}}\n"
            "      - {id: b, text: {fr: ok}, correct: true}\n"
            "  - id: q2\n    type: short_text\n"
            f"    prompt: {{fr: {q(hostile('short-prompt'))}}}\n"
            "    accept: {fr: [etrier]}\n"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(f"{SLUG}/{path}", data)
    return buffer.getvalue()


# -- what a browser would run ----------------------------------------------------------------

_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*):")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, [(name, value or "") for name, value in attrs]))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def live_code(html: str) -> list[str]:
    """What in this page a browser would run: inline or foreign scripts, event handler
    attributes, script URLs, frames and plugins. Empty for a safe page."""
    page = _Page()
    page.feed(html)
    page.close()
    found = []
    for tag, attributes in page.elements:
        values = dict(attributes)
        if tag == "script" and not values.get("src", "").startswith("/static/"):
            found.append(f"<script {values}>")
        if tag in {"iframe", "frame", "object", "embed", "base"}:
            found.append(f"<{tag}>")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            found.append("<meta refresh>")
        for name, value in attributes:
            if name.startswith("on"):
                found.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES:
                url = re.sub(r"[\x00-\x20]", "", value)
                match = _SCHEME.match(url)
                if match and match.group(1).lower() in {"javascript", "vbscript", "data"}:
                    if not (tag == "img" and url.lower().startswith("data:image/")):
                        found.append(f"<{tag} {name}={value!r}>")
    return found


def visible_text(html: str) -> str:
    page = _Page()
    page.feed(html)
    page.close()
    return "".join(page.text)


def check_page(client, url: str, *shown: str, status: int = 200) -> str:
    """The page answers, runs nothing injected, and shows each of ``shown`` as typed."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype == "text/html", url
    html = response.get_data(as_text=True)
    assert live_code(html) == [], (url, live_code(html))
    text = visible_text(html)
    for expected in shown:
        assert expected in text, (url, expected)
    return html


def test_the_checker_finds_what_it_looks_for():
    """Each kind of injection is caught; the app's own pages and escaped text are not."""
    for bad in (
        f"<p>{ATTACK}</p>",
        "<p><script>alert(1)</script></p>",
        '<img src="x" onerror="alert(1)">',
        '<svg onload="alert(1)"></svg>',
        '<a href=" JaVa\tScRiPt:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<iframe srcdoc="x"></iframe>',
        '<script src="https://evil.example/x.js"></script>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
        '<form action="javascript:alert(1)"></form>',
    ):
        assert live_code(bad), bad
    escaped = '<p title="&#34;&gt;&lt;svg onload=alert(1)&gt;">&#34;&gt;&lt;script&gt;</p>'
    assert live_code(escaped) == []
    assert visible_text(escaped) == '"><script>'
    assert (
        live_code(
            '<script src="/static/js/app.js" defer></script><img src="data:image/png;base64,AA">'
        )
        == []
    )


# -- the world --------------------------------------------------------------------------------


@pytest.fixture
def app_config(tmp_path):
    return {"MEDIA_DIR": str(tmp_path / "media")}


def _attempt(api, token, wanted: dict) -> dict:
    """Start an attempt and answer it: ``wanted`` maps a question key to a choice's text
    (single) or a typed answer (short text)."""
    attempt = api.post(API_QUIZ, token=token).get_json()
    answers = {}
    for question in attempt["questions"]:
        value = wanted[question["id"]]
        if question["choices"]:
            value = next(c["id"] for c in question["choices"] if value in c["text_html"])
        answers[question["id"]] = value
    result = api.post(
        f"/api/v1/attempts/{attempt['id']}/submit", token=token, json={"answers": answers}
    )
    assert result.status_code == 200, result.get_json()
    return {"id": attempt["id"], **result.get_json()}


@pytest.fixture
def world(app, api, make, signed_in):
    from datetime import timedelta

    from elearn.accounts.models import Network
    from elearn.core.db import utcnow
    from elearn.learning.models import Certificate

    admin = make.user("admin")
    admin_token = make.token(admin.email)
    imported(api, admin_token, hostile_package(), "?publish=true")
    make.centre("SALE")
    renamed = api.patch("/api/v1/centres/SALE", token=admin_token, json={"name": hostile("centre")})
    assert renamed.status_code == 200, renamed.get_json()
    with app.app_context():
        network_id = db.session.scalar(select(Network.id).where(Network.code == "DMK"))
    as_admin = signed_in(admin.email)
    saved = as_admin.post_form(
        f"/admin/networks/{network_id}",
        {
            "code": "DMK",
            "name_fr": hostile("network"),
            "name_ar": hostile("network"),
            "country": "DE",
            "domains": ["automotive"],
        },
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)[:300]

    trainer = make.user("trainer", centre="SALE", name="Formateur Salé")
    trainer_token = make.token(trainer.email)
    expert = make.user("expert", network="DMK")
    expert_token = make.token(expert.email)
    created = api.post(
        "/api/v1/users",
        token=admin_token,
        json={
            "email": "named@ofppt.example",
            "name": hostile("named-by-admin"),
            "roles": ["trainee"],
            "centre": "SALE",
            "password": PASSWORD,
        },
    )
    assert created.status_code == 201, created.get_json()
    self_named = make.user("trainee", centre="SALE", email="self@ofppt.example")
    browser = signed_in(self_named.email)
    profile = browser.post_form("/account", {"name": hostile("named-by-self"), "locale": "fr"})
    assert profile.status_code == 303, profile.get_data(as_text=True)[:300]

    cohort_id = create_cohort(api, trainer_token, name=hostile("cohort"), courses=(SLUG,))
    added = api.post(
        f"/api/v1/cohorts/{cohort_id}/members",
        token=trainer_token,
        json={"emails": ["named@ofppt.example", "self@ofppt.example"]},
    )
    assert added.status_code == 200 and len(added.get_json()["added"]) == 2

    trainee_token = make.token("named@ofppt.example")
    assert api.post(API_LESSON + "/complete", token=trainee_token).status_code == 200
    first = _attempt(api, trainee_token, {"q1": "choice", "q2": hostile("answer")})
    second = _attempt(api, trainee_token, {"q1": "ok", "q2": "etrier"})
    assert not first["passed"] and second["passed"]
    with app.app_context():
        code = db.session.scalar(select(Certificate.code))
    assert code

    # what the author changes afterwards, in the Studio and through the API (working copy)
    studio = signed_in(expert.email)
    studio.post_form(f"/studio/{SLUG}/modules", {"slug": "studio", "title": hostile("studio")})
    edited = api.call(
        "PUT",
        API_LESSON,
        token=expert_token,
        json={"lang": "fr", "title": hostile("api-title"), "markdown": hostile("api-body")},
    )
    assert edited.status_code == 200, edited.get_json()
    assert api.post(f"/api/v1/courses/{SLUG}/submit", token=expert_token).status_code == 200

    app.config["TEST_CLOCK"] = lambda: utcnow() + timedelta(days=10)  # both quiet a week on
    with app.app_context():
        from elearn.accounts.models import User

        ids = dict(db.session.execute(select(User.email, User.id)).all())
    return SimpleNamespace(
        cohort=cohort_id,
        certificate=code,
        first_attempt=first["id"],
        named=ids["named@ofppt.example"],
        self_named=ids["self@ofppt.example"],
        admin=as_admin,
        trainer=signed_in(trainer.email),
        expert=studio,
        trainee=signed_in("named@ofppt.example"),
        trainer_token=trainer_token,
        network=network_id,
    )


NAMES = (hostile("named-by-admin"), hostile("named-by-self"))
COURSE_TEXTS = (hostile("course-title"), hostile("module-title"))


# -- trainers ---------------------------------------------------------------------------------


def test_the_trainer_dashboard_shows_names_and_titles_as_text(world):
    cohort = f"/cohorts/{world.cohort}"
    trainer = world.trainer
    check_page(trainer, "/cohorts", hostile("cohort"))
    html = check_page(trainer, cohort, hostile("cohort"), hostile("centre"), *NAMES, *COURSE_TEXTS)
    attention = html.split('id="attention-title"')[1].split("</section>")[0]
    # the needs-attention list: ten days without activity (the other one has finished)
    assert hostile("named-by-self") in visible_text(attention)
    check_page(trainer, f"{cohort}?show=attention", hostile("named-by-self"))
    check_page(trainer, f"{cohort}?sort=progress&dir=desc", *NAMES)
    check_page(trainer, f"{cohort}/edit", hostile("course-title"))


def test_the_trainee_timeline_and_the_members_list_show_names_as_text(world):
    cohort = f"/cohorts/{world.cohort}"
    check_page(
        world.trainer,
        f"{cohort}/trainees/{world.named}",
        hostile("named-by-admin"),
        hostile("cohort"),
        hostile("course-title"),
        hostile("lesson-title"),
        hostile("quiz-title"),
        hostile("competency"),
    )
    check_page(world.trainer, f"{cohort}/trainees/{world.self_named}", hostile("named-by-self"))
    check_page(world.trainer, f"{cohort}/members", hostile("cohort"), *NAMES)


def test_item_analysis_and_the_attempt_review_show_a_trainees_answer_as_text(world):
    """The short-text answer is typed by a trainee and read by the trainer and the author."""
    check_page(
        world.trainer,
        f"/cohorts/{world.cohort}/items",
        hostile("answer"),
        hostile("quiz-title"),
        hostile("module-title"),
        "prompt",
        "choice",
    )
    check_page(world.trainer, f"/attempts/{world.first_attempt}", hostile("answer"), "prompt")
    check_page(world.expert, f"/studio/{SLUG}/questions", hostile("answer"), "prompt")


def test_the_course_pages_a_trainer_and_a_trainee_read(world):
    for reader in (world.trainer, world.trainee):
        check_page(reader, "/courses", hostile("course-title"), hostile("course-summary"))
        check_page(reader, f"/courses/{SLUG}", hostile("course-title"), hostile("module-title"))
        html = check_page(reader, LESSON, hostile("lesson-title"), "lesson-body", "kept")
        assert "&lt;script&gt;kept&lt;/script&gt;" in html  # T03: escaped stays escaped


# -- authors and admins -----------------------------------------------------------------------


def test_the_studio_shows_the_course_texts_and_media_names_as_text(world):
    expert = world.expert
    check_page(expert, "/studio/", hostile("course-title"))
    check_page(
        expert,
        f"/studio/{SLUG}",
        hostile("course-title"),
        hostile("module-title"),
        hostile("studio"),
    )
    check_page(expert, f"/studio/{SLUG}/settings")
    check_page(expert, f"/studio/{SLUG}/media", MEDIA)
    check_page(expert, f"/studio/{SLUG}/modules/m/lessons/a/edit", "api-body")
    check_page(expert, f"/studio/{SLUG}/modules/m/lessons/a/history")
    check_page(expert, f"/studio/{SLUG}/preview/m/a", "api-body")
    check_page(expert, f"/studio/{SLUG}/modules/m/quiz")
    check_page(expert, f"/studio/{SLUG}/translations")


def test_the_admin_pages_show_names_centres_networks_and_courses_as_text(world):
    admin = world.admin
    check_page(admin, "/admin/users", *NAMES)
    check_page(admin, f"/admin/users/{world.named}")
    check_page(admin, "/admin/centres", hostile("centre"))
    check_page(admin, "/admin/networks", hostile("network"))
    check_page(admin, f"/admin/networks/{world.network}")
    check_page(admin, "/studio/review", hostile("course-title"))
    check_page(admin, "/", hostile("network"))
    check_page(admin, f"/certificates/{world.certificate}", hostile("named-by-admin"))


def test_the_certificate_and_the_public_verify_page(world, client):
    check_page(
        world.trainee,
        f"/certificates/{world.certificate}",
        hostile("named-by-admin"),
        hostile("course-title"),
        hostile("network"),
    )
    check_page(world.trainee, "/my/learning", hostile("course-title"))
    check_page(world.trainee, "/", hostile("named-by-admin"), hostile("centre"))
    check_page(
        client,
        f"/verify/{world.certificate}",
        hostile("named-by-admin"),
        hostile("course-title"),
        hostile("network"),
    )


def test_exports_carry_names_as_plain_text_in_a_download(world, api):
    """A spreadsheet is no HTML page: it is served as an attachment of its own type, with
    nosniff, so no browser renders the names in it; the names come through as typed."""
    for url, kind in (
        (f"/cohorts/{world.cohort}/progress.csv", "csv"),
        (f"/cohorts/{world.cohort}/progress.xlsx", "xlsx"),
    ):
        for fetch in (
            lambda url=url: world.trainer.get(url),
            lambda url=url: api.get("/api/v1" + url, token=world.trainer_token),
        ):
            response = fetch()
            response.get_data()  # a streamed CSV is read before the next request
            assert response.status_code == 200, url
            assert response.headers["Content-Disposition"].startswith("attachment;")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.mimetype != "text/html" and "html" not in response.mimetype
            if kind == "csv":
                rows = list(
                    csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";")
                )
                cells = [c for row in rows for c in row]
            else:
                sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
                cells = [c.value for row in sheet.iter_rows() for c in row]
            for name in NAMES:
                assert name in cells
            assert any(hostile("module-title") in str(c) for c in cells)


# -- the secretariat's list ------------------------------------------------------------------


def test_names_from_a_cohort_csv_are_text_in_the_preview_the_list_and_the_mail(world, outbox):
    cohort = f"/cohorts/{world.cohort}"
    bad_email = "<svg/onload=alert(1)>"
    buffer = io.StringIO()  # as a spreadsheet writes it: the leading quote is doubled
    csv.writer(buffer, delimiter=";").writerows(
        [["email", "nom"], ["csv@ofppt.example", hostile("from-csv")], [bad_email, "x"]]
    )
    text = buffer.getvalue()
    trainer = world.trainer
    preview = trainer.post_form(
        f"{cohort}/members/preview",
        {"file": (io.BytesIO(text.encode()), "liste.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert live_code(html) == []
    shown = visible_text(html)
    assert hostile("from-csv") in shown and bad_email in shown  # quoted as typed, in an error
    applied = trainer.post_form(f"{cohort}/members", {"csv": text})
    assert applied.status_code == 303
    check_page(trainer, f"{cohort}/members", hostile("from-csv"))
    check_page(trainer, cohort, hostile("from-csv"))
    (mail,) = [m for m in outbox if m["To"] == "csv@ofppt.example"]
    assert [part.get_content_type() for part in mail.walk()] == ["text/plain"]
    assert hostile("from-csv") in mail.get_content()


# -- what comes back from the address bar ------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/login?next={}",
        "/language?next={}",
        "/courses?q={}",
        "/admin/users?q={}",
        "/cohorts/{cohort}?q={}",
        "/verify/{}",
        "/verify?code={}",
    ],
)
def test_reflected_parameters_come_back_inert(world, client, url):
    from urllib.parse import quote

    viewer = client if url.startswith(("/login", "/verify")) else world.admin
    if "{cohort}" in url:
        viewer = world.trainer
    target = url.replace("{cohort}", str(world.cohort)).replace("{}", quote(ATTACK, safe=""))
    response = viewer.get(target, follow_redirects=True)
    assert response.status_code in (200, 404)
    html = response.get_data(as_text=True)
    assert live_code(html) == [], target


# -- T09: headers on every HTML page -----------------------------------------------------------


def _urls(app, world) -> list[str]:
    """Every GET page of the app, with this world's ids."""
    values = {
        "cohort_id": world.cohort,
        "user_id": world.named,
        "attempt_id": world.first_attempt,
        "slug": SLUG,
        "module": "m",
        "lesson": "a",
        "code": world.certificate,
        "network_id": world.network,
        "centre_id": 1,
        "kind": "csv",
        "path": MEDIA.removeprefix("media/"),
        "token": "x",
    }
    adapter = app.url_map.bind("localhost")
    urls = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        urls.add(adapter.build(rule.endpoint, {a: values.get(a, 1) for a in rule.arguments}))
    return sorted(urls)


CSP_NEEDS = ("default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'")


def assert_headers(response, url):
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    csp = headers.get("Content-Security-Policy", "")
    for directive in CSP_NEEDS:
        assert directive in csp, (url, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (url, csp)


def test_every_html_page_of_every_role_carries_the_csp_and_nosniff(app, world, client):
    """T09: 'unsafe-inline' would let any injected handler run; nosniff stops a browser
    from reading a download as HTML. Checked on every GET route, as every role."""
    readers = {
        "anonymous": client,
        "trainee": world.trainee,
        "trainer": world.trainer,
        "expert": world.expert,
        "admin": world.admin,
    }
    seen = 0
    for who, reader in readers.items():
        for url in _urls(app, world):
            response = reader.get(url)
            assert response.status_code < 500, (who, url)
            assert_headers(response, url)
            if response.mimetype == "text/html":
                seen += 1
                html = response.get_data(as_text=True)
                assert live_code(html) == [], (who, url, live_code(html))
    assert seen > 100


def test_error_pages_carry_the_csp_and_nosniff_too(world, client):
    pages = [
        client.get("/no-such-page"),
        world.trainee.get("/admin/users"),  # 403
        client.get("/logout"),  # 405
        client.post("/login", data={"email": "a@b.example", "password": "x"}),  # 400, no CSRF
        client.post("/login", data=b"x" * (33 * 1024 * 1024), content_type="text/plain"),  # 413
    ]
    assert [p.status_code for p in pages] == [404, 403, 405, 400, 413]
    for page in pages:
        assert_headers(page, page.request.path)
        assert live_code(page.get_data(as_text=True)) == []


# -- markup is marked safe in one place only -------------------------------------------------

TEMPLATES = Path(__file__).resolve().parents[2] / "elearn"


def test_no_template_marks_anything_safe():
    """Only ``authoring.rendering.trusted`` turns stored HTML (the sanitiser's output) into
    markup, in Python; a template that says ``|safe`` could print a trainee's answer or a
    name as HTML, which is how the item analysis served one (the next test)."""
    offenders = []
    for path in sorted(TEMPLATES.rglob("templates/**/*.html")):
        text = path.read_text()
        for pattern in (r"\|\s*safe\b", r"autoescape\s+false", r"\bMarkup\b"):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {pattern}")
    assert offenders == []


PHISHING = (
    '<a href="//evil.example/login">session expired: sign in again</a>'
    '<meta http-equiv="refresh" content="0;url=//evil.example">'
)


def test_an_answer_to_a_question_whose_type_changed_is_still_text(app, api, make, signed_in):
    """Review finding: the item analysis chose how to print the most chosen wrong answer
    from the working copy's question type and printed it as markup. A trainee answered the
    short-text question with a fake sign-in link and a meta refresh; the author then made it
    a single-choice question in the draft: the trainer's and the author's pages served the
    answer raw. The statistics follow the published version, and a trainee's answer is text
    whatever the question has become (in the draft, and once republished)."""
    from tests.cohortkit import staff
    from tests.quizkit import QUIZ, QUIZ_YML, SLUG, answers_for

    people = staff(api, make)
    cohort = create_cohort(api, people.sale_token)
    added = api.post(
        f"/api/v1/cohorts/{cohort}/members",
        token=people.sale_token,
        json={"emails": [people.trainee.email]},
    )
    assert added.status_code == 200
    attempt = api.post(QUIZ, token=people.trainee_token).get_json()
    done = api.post(
        f"/api/v1/attempts/{attempt['id']}/submit",
        token=people.trainee_token,
        json={"answers": answers_for(attempt, {"q5": PHISHING})},
    )
    assert done.status_code == 200
    yaml_text = QUIZ_YML.format(max_attempts=2, time_limit="")
    start = yaml_text.index("  - id: q5")
    single = yaml_text[:start] + (
        "  - id: q5\n    type: single\n"
        '    prompt: {fr: "Organe qui presse les plaquettes ?", ar: "ما العضو؟"}\n'
        "    choices:\n"
        '      - {id: a, text: {fr: "L\'étrier", ar: الملقط}, correct: true}\n'
        "      - {id: b, text: {fr: Le disque, ar: القرص}}\n"
    )
    author = signed_in(people.expert.email)
    saved = author.post_form(f"/studio/{SLUG}/modules/checks/quiz", {"yaml": single})
    assert saved.status_code in (200, 303), saved.status_code
    pages = [
        (signed_in(people.sale.email), f"/cohorts/{cohort}/items"),
        (author, f"/studio/{SLUG}/questions"),
        (author, f"/studio/{SLUG}/modules/checks/quiz"),
    ]
    for client, url in pages:
        html = check_page(client, url, PHISHING)
        assert '<a href="//evil.example' not in html and "<meta http-equiv" not in html, url
    admin = make.token(make.user("admin").email)
    assert api.post(f"/api/v1/courses/{SLUG}/submit", token=people.expert_token).status_code == 200
    published = api.post(f"/api/v1/courses/{SLUG}/publish", token=admin)
    assert published.status_code == 200, published.get_json()
    for client, url in pages:
        html = check_page(client, url, PHISHING)
        assert '<a href="//evil.example' not in html and "<meta http-equiv" not in html, url


# -- sources and links a browser would take elsewhere -----------------------------------------

#: Each is read by browsers as ``//evil.example`` — another site — but not written so.
DISGUISED = [
    "/\\evil.example/x.png",
    "/\t/evil.example/x.png",
    " //evil.example/x.png",
    "\\\\evil.example/x.png",
    "/\n/evil.example/x.png",
]


def test_sources_and_links_browsers_read_as_another_site_never_reach_a_page(api, make):
    """Review finding: ``<img src="/\\host">`` passed the filter (it starts with one slash)
    and reached published pages; browsers read it as ``//host``. The same rule as redirect
    targets (``core.text.is_local_path``) now judges every ``src``: a path on this site,
    read by a browser exactly as written; a link a browser would read differently than it
    is written is dropped too."""
    from elearn.authoring.rendering import render_markdown

    make.centre()
    token = make.token(make.user("expert", network="DMK").email)
    body = (
        "\n\n".join(
            f'<img src="{url}"> <video src="{url}"></video> <audio><source src="{url}"></audio>'
            f' <a href="{url.replace("x.png", "login")}">Se reconnecter</a>'
            for url in DISGUISED
        )
        + '\n\n<img src="//evil.example/pixel.png">'
    )  # plainly elsewhere: media come from here
    for html in (render_markdown(body), render_markdown(body.replace("\n\n", " "))):
        assert_nothing_points_elsewhere(html)
        assert "pixel.png" not in html
    # and through the API, into the stored HTML readers get
    from tests.factories import package

    assert imported(api, token, package())
    lesson = "/api/v1/courses/engine-basics/modules/basics/lessons/cycle"
    saved = api.call(
        "PUT", lesson, token=token, json={"lang": "fr", "title": "Le cycle", "markdown": body}
    )
    assert saved.status_code == 200, saved.get_json()
    assert_nothing_points_elsewhere(api.get(lesson, token=token).get_json()["html"])


def assert_nothing_points_elsewhere(html: str) -> None:
    """Every source is a path on this site as a browser reads it; every link reads as
    written."""
    from elearn.core.text import as_browsers_read

    for tag, attributes in _elements(html):
        for name, value in attributes:
            seen = as_browsers_read(value)
            if name == "src":
                assert seen == value and value.startswith("/"), (tag, value)
                assert not value.startswith("//"), (tag, value)
            if name == "href":
                assert seen == value, (tag, value)


def _elements(html: str):
    page = _Page()
    page.feed(html)
    return page.elements
