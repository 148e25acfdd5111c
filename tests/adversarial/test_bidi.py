"""Bidi spoofing (T49-T50): the invisible direction controls U+202A-U+202E, U+2066-U+2069
and U+200E/U+200F never survive in a display name, a cohort, centre or network name, a
title or a media file name, whoever writes it and however; downloads are named by the
server; names shown inside a sentence are isolated with ``<bdi>``.

"\\u202enimda" displays as "admin"; "devoir\\u202egnp.pdf" displays as "devoirfdp.png".

Already covered elsewhere (not repeated here):

- names typed in the admin's account form and in one's own account page:
  tests/test_admin_pages.py::test_bidi_override_characters_are_dropped_from_names,
  ::test_account_page_changes_name_and_language;
- names in the secretariat's file (parser):
  tests/test_cohort_csv.py::test_bidi_override_is_removed_from_names;
- titles imported from a package:
  tests/test_rendering_xss.py::test_direction_overrides_do_not_survive_in_stored_titles;
  lesson bodies and quiz texts: ::test_direction_controls_are_removed;
- an uploaded file's name (ticket):
  tests/test_uploads.py::test_the_server_picks_the_key_whatever_the_name.

Here: every other writer (API, Studio, cohort and centre forms), media file names inside a
package, the download headers, and ``<bdi>`` around names in sentences.

Found while writing these tests, and fixed: competency titles typed in the Studio's settings
kept their controls; a package's media file could be named "devoir\u202egnp.pdf" (shown as
"devoirfdp.png" in the Studio, and a lesson linking to it was refused with a confusing
"missing media" error), now refused at its path; "Welcome, <name>" on the home and
password pages and the network in the certificate's sentence were not isolated.
"""

from __future__ import annotations

import io
import re
import urllib.parse
import urllib.request
import zipfile

import pytest
from sqlalchemy import select

from elearn.extensions import db
from tests.cohortkit import create_cohort, staff
from tests.factories import imported, package, upload
from tests.harness import s3_config
from tests.quizkit import publish

pytestmark = pytest.mark.adversarial

CONTROLS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)]
EVERY = "".join(CONTROLS)


def spoof(word: str) -> str:
    """A word reversed behind an override, with every other control sprinkled after it:
    it displays as ``word`` reversed and must be stored as the characters typed."""
    return "\u202e" + word + EVERY


def assert_clean(value: str, context="") -> None:
    assert not set(value) & set(CONTROLS), (context, ascii(value))


def test_the_list_of_controls_is_the_one_of_the_case():
    assert len(CONTROLS) == 11
    assert {f"{ord(c):04X}" for c in CONTROLS} == {
        "202A", "202B", "202C", "202D", "202E", "2066", "2067", "2068", "2069", "200E", "200F",
    }  # fmt: skip


# -- names of people, cohorts, centres, networks ---------------------------------------------


def _user(app, email):
    from elearn.accounts.models import User

    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def test_names_written_through_the_api_lose_their_controls(app, api, make):
    make.centre("SALE")
    admin = make.token(make.user("admin").email)
    trainer = make.token(make.user("trainer", centre="SALE").email)
    for token, email in ((admin, "a@ofppt.example"), (trainer, "t@ofppt.example")):
        created = api.post(
            "/api/v1/users",
            token=token,
            json={"email": email, "name": spoof("nimda"), "roles": ["trainee"], "centre": "SALE"},
        )
        assert created.status_code == 201, created.get_json()
        assert created.get_json()["name"] == "nimda"
        assert _user(app, email).name == "nimda"
    person = _user(app, "a@ofppt.example")
    patched = api.patch(f"/api/v1/users/{person.id}", token=admin, json={"name": spoof("Salma")})
    assert patched.status_code == 200 and patched.get_json()["name"] == "Salma"
    own = make.token(make.user("trainee", email="me@ofppt.example").email)
    mine = api.patch("/api/v1/me", token=own, json={"name": "Youssef " + spoof("ilaneB")})
    assert mine.status_code == 200 and mine.get_json()["name"] == "Youssef ilaneB"
    assert _user(app, "me@ofppt.example").name == "Youssef ilaneB"
    only_controls = api.patch("/api/v1/me", token=own, json={"name": EVERY})
    assert only_controls.status_code == 422  # nothing visible left: not a name
    assert _user(app, "me@ofppt.example").name == "Youssef ilaneB"


def test_names_from_the_secretariats_file_lose_their_controls_in_the_database(app, api, make):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    text = (
        f"email;nom\r\nf@ofppt.example;{spoof('amitaF')}\r\ny@ofppt.example;\u2067يوسف\u2069 B\r\n"
    )
    response = api.call(
        "POST",
        f"/api/v1/cohorts/{cohort_id}/members",
        token=people.sale_token,
        data=text.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.get_json()
    assert _user(app, "f@ofppt.example").name == "amitaF"
    assert _user(app, "y@ofppt.example").name == "يوسف B"


def test_cohort_names_lose_their_controls_in_the_api_and_the_form(app, api, make, signed_in):
    from elearn.cohorts.models import Cohort

    people = staff(api, make)
    by_api = create_cohort(api, people.sale_token, name=spoof("TS Diagnostic"))
    assert api.get(f"/api/v1/cohorts/{by_api}", token=people.sale_token).get_json()["name"] == (
        "TS Diagnostic"
    )
    browser = signed_in(people.sale.email)
    with app.app_context():
        from elearn.accounts.models import Centre

        centre_id = db.session.scalar(select(Centre.id).where(Centre.code == "SALE"))
    response = browser.post_form(
        f"/cohorts/{by_api}/edit",
        {"name": "Groupe " + spoof("B"), "centre": str(centre_id), "starts_on": "2026-09-15"},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    with app.app_context():
        assert db.session.get(Cohort, by_api).name == "Groupe B"
    html = browser.get(f"/cohorts/{by_api}").get_data(as_text=True)
    assert_clean(html, "cohort page")


def test_centre_and_network_names_lose_their_controls(app, api, make, signed_in):
    from elearn.accounts.models import Centre, Network

    admin = make.user("admin")
    token = make.token(admin.email)
    created = api.post(
        "/api/v1/centres",
        token=token,
        json={"code": "KEN", "name": spoof("Centre de Kénitra"), "city": spoof("Kénitra")},
    )
    assert created.status_code == 201, created.get_json()
    patched = api.patch("/api/v1/centres/KEN", token=token, json={"name": "CFP " + spoof("KEN")})
    assert patched.status_code == 200
    network = api.post(
        "/api/v1/networks",
        token=token,
        json={
            "code": "NEW",
            "name": {"fr": spoof("Réseau"), "ar": "\u2067شبكة\u2069"},
            "domains": ["health"],
        },
    )
    assert network.status_code == 201, network.get_json()
    with app.app_context():
        network_id = db.session.scalar(select(Network.id).where(Network.code == "DMK"))
    form = signed_in(admin.email).post_form(
        f"/admin/networks/{network_id}",
        {"code": "DMK", "name_fr": spoof("DMK"), "name_ar": spoof("دمك"), "country": "DE",
         "domains": ["automotive"]},
    )  # fmt: skip
    assert form.status_code == 303
    with app.app_context():
        centre = db.session.scalar(select(Centre).where(Centre.code == "KEN"))
        assert (centre.name, centre.city) == ("CFP KEN", "Kénitra")
        for found in db.session.scalars(select(Network)):
            for name in found.name.values():
                assert_clean(name, found.code)


# -- titles written in the Studio and through the API ----------------------------------------


@pytest.fixture
def studio(app, make, signed_in):
    """An expert's browser, with a course created in the Studio under a spoofed title."""
    expert = make.user("expert", network="DMK")
    browser = signed_in(expert.email)
    response = browser.post_form(
        "/studio/new",
        {"title": spoof("Freinage"), "slug": "freins", "network": "DMK", "domain": "automotive",
         "source": "fr", "languages": ["fr", "ar"]},
    )  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    browser.expert = expert
    return browser


def _course(app, slug="freins"):
    from elearn.authoring.models import Course

    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        modules = [
            (
                m.title,
                [(lesson.contents and lesson.content("fr").title) for lesson in m.lessons],
                m.quiz.title if m.quiz else None,
            )
            for m in course.modules
        ]
        return course.title, course.competencies, modules


def test_titles_typed_in_the_studio_lose_their_controls(app, studio):
    saved = studio.post_form(
        "/studio/freins/settings",
        {
            "title_fr": "Freinage " + spoof("sruetnom"),
            "title_ar": "\u2067الفرملة\u2069",
            "summary_fr": "Contrôler.",
            "level": "beginner",
            "estimated_hours": "2",
            "competency_code": ["C\u202e1"],
            "competency_0_fr": "Mesurer " + spoof("serueusim"),
            "competency_0_ar": "\u2067قياس\u2069",
        },
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)[:500]
    added = studio.post_form(
        "/studio/freins/modules", {"slug": "pads", "title": spoof("Plaquettes")}
    )
    assert added.status_code == 303
    lesson = studio.post_form(
        "/studio/freins/modules/pads/lessons", {"slug": "measure", "title": spoof("Mesure")}
    )
    assert lesson.status_code == 303
    titles, competencies, modules = _course(app)
    for text in titles.values():
        assert_clean(text, "course title")
    assert titles["fr"] == "Freinage sruetnom"
    for competency in competencies:
        assert_clean(competency["code"], "competency code")
        for text in competency["title"].values():
            assert_clean(text, "competency title")
    ((module_title, lesson_titles, _quiz),) = modules
    assert module_title["fr"] == "Plaquettes" and lesson_titles == ["Mesure"]


def test_a_lesson_title_saved_in_the_editor_or_the_api_loses_its_controls(app, api, studio):
    studio.post_form("/studio/freins/modules", {"slug": "pads", "title": "Plaquettes"})
    studio.post_form("/studio/freins/modules/pads/lessons", {"slug": "measure", "title": "Mesure"})
    url = "/studio/freins/modules/pads/lessons/measure/edit?lang=fr"
    saved = studio.post_form(
        url,
        {"action": "save", "title": spoof("Mesurer"), "markdown": "Texte.", "kind": "theory"},
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)[:500]
    assert _course(app)[2][0][1] == ["Mesurer"]
    put = api.call(
        "PUT",
        "/api/v1/courses/freins/modules/pads/lessons/measure",
        token=_token(app, studio.expert.email),
        json={"lang": "fr", "title": "API " + spoof("erusem"), "markdown": "Texte."},
    )
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["title"] == "API erusem"
    assert _course(app)[2][0][1] == ["API erusem"]


def _token(app, email):
    from elearn.accounts import services
    from elearn.core.db import utcnow

    with app.app_context():
        user = services.find_user(db.session, email)
        _row, plain = services.create_token(db.session, user, "t", now=utcnow(), lifetime_days=1)
        db.session.commit()
        return plain


def test_a_quiz_title_saved_in_the_quiz_editor_loses_its_controls(app, studio):
    studio.post_form("/studio/freins/modules", {"slug": "pads", "title": "Plaquettes"})
    text = (
        f'title: {{fr: "Quiz {spoof("sreinarf")}"}}\n'
        "questions:\n"
        "  - id: q1\n    type: true_false\n"
        '    prompt: {fr: "Vrai ?"}\n    answer: true\n'
    )
    saved = studio.post_form("/studio/freins/modules/pads/quiz", {"yaml": text})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:800]
    quiz_title = _course(app)[2][0][2]
    assert quiz_title["fr"] == "Quiz sreinarf"


# -- media file names and downloads -----------------------------------------------------------

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _with_media(name: str, data: bytes, lesson_ref: bool = False) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(package()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            content = source.read(info)
            if lesson_ref and info.filename.endswith("01-cycle.fr.md"):
                content += f"\n[Fiche]({name})\n".encode()
            archive.writestr(info.filename, content)
        archive.writestr(f"engine-basics/{name}", data)
    return out.getvalue()


@pytest.mark.parametrize(
    "name",
    ["media/devoir\u202egnp.pdf", "media/fiche\u2066.pdf", "media/\u200fnote.pdf"],
    ids=["RLO", "LRI", "RLM"],
)
def test_a_package_media_name_with_direction_controls_is_refused_at_its_path(api, make, name):
    """The name would display as another file ("devoirfdp.png") in the Studio, and a
    lesson linking to it would break once its controls are stripped from the link: the
    author renames the file."""
    admin = make.token(make.user("admin").email)
    response = upload(api, admin, _with_media(name, PDF, lesson_ref=True), "?dry_run=true")
    assert response.status_code == 200
    body = response.get_json()
    assert body["valid"] is False
    (error,) = [e for e in body["errors"] if e["path"] == name]
    assert "rename" in error["message"] or "renomm" in error["message"]  # what to do
    imported = upload(api, admin, _with_media(name, PDF))
    assert imported.status_code == 422
    assert name in [e["path"] for e in imported.get_json()["errors"]]


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return {"STORAGE": "local", "MEDIA_DIR": str(tmp_path / "media")}
    return s3_config(request.getfixturevalue("s3_bucket"))


@pytest.fixture
def app_config(request, tmp_path):
    """Local files for every test; the download test runs on local files and on S3."""
    if "storage" in request.fixturenames:
        return request.getfixturevalue("storage")
    return {"MEDIA_DIR": str(tmp_path / "media")}


def test_downloads_are_named_by_the_server_never_by_the_uploader(
    app, api, make, signed_in, storage
):
    """T49: whatever the uploader called a file, the response names it after its key and
    its checked type: no control character, no quote, no extension of the uploader's."""
    admin = make.user("admin")
    token = make.token(admin.email)
    weird = "media/x\";filename*=UTF-8''evil.html;a=\".pdf"
    assert imported(api, token, _with_media(weird, PDF), "?publish=true")
    browser = signed_in(admin.email)
    found = browser.get("/courses/engine-basics/media/" + urllib.parse.quote(weird[6:]))
    assert found.status_code == 302
    location = found.headers["Location"]
    if location.startswith("/"):
        served = browser.get(location)
        status, headers = served.status_code, served.headers
    else:  # the storage host answers
        with urllib.request.urlopen(location, timeout=10) as served:  # noqa: S310 - loopback S3
            status, headers = served.status, served.headers
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    disposition = headers.get("Content-Disposition") or ""
    assert "evil" not in disposition and "filename*" not in disposition
    assert re.fullmatch(r"(inline; filename=[0-9a-f]{64}\.pdf)?", disposition), disposition
    assert not re.search(r"%E2%80%A[A-E]|%E2%81%A[6-9]|%E2%80%8[EF]", location, re.I)


# -- <bdi> around names in sentences ----------------------------------------------------------


def test_a_name_inside_a_sentence_is_isolated(app, make, signed_in, outbox, api):
    """An Arabic name in a French sentence (or the reverse) would carry the punctuation
    around it to the wrong side without an isolate."""
    make.user("trainee", email="fz@ofppt.example", name="فاطمة الزهراء")
    html = signed_in("fz@ofppt.example").get("/?lang=fr").get_data(as_text=True)
    heading = re.search(r'<h1 id="you">(.*?)</h1>', html, re.S).group(1)
    assert "<bdi>فاطمة الزهراء</bdi>" in heading, heading
    html = signed_in("fz@ofppt.example").get("/?lang=ar").get_data(as_text=True)
    assert "<bdi>فاطمة الزهراء</bdi>" in re.search(r'<h1 id="you">(.*?)</h1>', html, re.S).group(1)

    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    text = "email;nom;langue\r\nnew@ofppt.example;Zoé Lefèvre;ar\r\n"
    api.call(
        "POST",
        f"/api/v1/cohorts/{cohort_id}/members",
        token=people.sale_token,
        data=text.encode(),
        headers={"Content-Type": "text/csv"},
    )
    link = re.search(r"/password/setup/\S+", outbox[-1].get_content()).group(0)
    page = app.test_client().get(link).get_data(as_text=True)
    assert "<bdi>Zoé Lefèvre</bdi>" in page
    assert re.search(r"<bdi[^>]*>new@ofppt\.example</bdi>", page)


def test_the_network_inside_the_certificate_sentence_is_isolated(api, make, signed_in):
    """On the Arabic side of the certificate, "DMK" sits inside an Arabic sentence."""
    from tests.quizkit import LESSONS, QUIZ, RIGHT, answers_for, enrolled_trainee

    publish(api, make)
    token = enrolled_trainee(api, make, email="laureate@ofppt.example")
    for url in LESSONS:
        api.post(url + "/complete", token=token)
    attempt = api.post(QUIZ, token=token).get_json()
    result = api.post(
        f"/api/v1/attempts/{attempt['id']}/submit",
        token=token,
        json={"answers": answers_for(attempt, RIGHT)},
    )
    assert result.get_json()["passed"]
    networks = api.get("/api/v1/networks", token=token).get_json()["items"]
    names = next(n["name"] for n in networks if n["code"] == "DMK")
    browser = signed_in("laureate@ofppt.example")
    html = browser.get("/my/learning").get_data(as_text=True)
    code = re.search(r"/certificates/([A-Z0-9-]+)", html).group(1)
    page = browser.get(f"/certificates/{code}").get_data(as_text=True)
    sides = re.findall(
        r'<section class="certificate-side" lang="(fr|ar)"(.*?)</section>', page, re.S
    )
    assert [lang for lang, _html in sides] == ["fr", "ar"]
    for lang, side in sides:
        after_course = side.split("certificate-course", 1)[1]
        sentence = re.search(r"<p>([^<]*)<bdi[^>]*>([^<]+)</bdi>([^<]*)</p>", after_course)
        assert sentence, (lang, after_course)
        assert sentence.group(2) == names[lang] and sentence.group(1).strip(), (lang, sentence)


def test_language_names_inside_studio_labels_are_isolated(studio):
    """In "العنوان (Français)" or "Titre (العربية)", a language's name sits inside a label or
    heading of the other direction, on every Studio page with one column per language. Not
    isolated, its parenthesis jumps to the wrong side (seen on the Arabic review page:
    "Français) (fundamentals/…"). Every name the pages print comes from one filter that
    tags and isolates it, except where it stands alone (a link, an option)."""
    studio.post_form("/studio/freins/modules", {"slug": "pads", "title": "Plaquettes"})
    studio.post_form("/studio/freins/modules/pads/lessons", {"slug": "measure", "title": "Mesure"})
    pages = [
        "/studio/freins",
        "/studio/freins/settings",
        "/studio/freins/translations",
        "/studio/freins/changes",
        "/studio/freins/modules/pads/lessons/measure/edit",
        "/studio/freins/modules/pads/quiz",
    ]
    for ui, other, name in (("ar", "fr", "Français"), ("fr", "ar", "العربية")):
        for url in pages:
            response = studio.get(f"{url}?lang={ui}")
            assert response.status_code == 200, (url, response.status_code)
            html = response.get_data(as_text=True)
            found = [m.start() for m in re.finditer(re.escape(name), html)]
            assert found, (url, ui)
            for at in found:
                before = html[max(0, at - 300) : at]
                assert before.endswith(f'<bdi lang="{other}">') or re.search(
                    rf'<(a|option)\b[^<>]*lang="{other}"[^<>]*>$', before
                ), (url, ui, html[at - 120 : at + 40])
