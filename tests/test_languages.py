"""Two languages, one resolver: the interface a person reads (``?lang=``, remembered) and
the language of a lesson, quiz or editor page's content (``?content=``, remembered
nowhere), with one fallback rule underneath (``pick_language``)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from elearn.accounts.models import User
from elearn.authoring.models import Course, LessonContent
from elearn.cohorts import tables
from elearn.extensions import db
from elearn.i18n.formatting import translated
from elearn.i18n.languages import (
    CONTENT_LANGUAGES,
    INTERFACE_LANGUAGES,
    direction,
    pick_language,
)
from elearn.learning.models import Certificate
from tests.factories import imported, package
from tests.quizkit import certify, enrolled_trainee, publish

LESSON = "/courses/engine-basics/modules/basics/lessons/cycle"
EDIT = "/studio/engine-basics/modules/basics/lessons/cycle/edit"
HTML_FR = '<html lang="fr" dir="ltr">'
HTML_AR = '<html lang="ar" dir="rtl">'


# --- the rule, without a request -------------------------------------------------------


def test_the_wanted_language_wins_when_it_exists():
    assert pick_language(["fr", "ar"], "ar", "fr") == "ar"


def test_else_the_source_language_then_the_platform_languages_first():
    assert pick_language(["fr", "ar"], "en", "ar") == "ar"
    assert pick_language(["en", "ar", "fr"], "de", None) == "fr"
    assert pick_language(["en", "ar"], None, "fr") == "ar"
    assert pick_language({"en": 1}, "fr", "fr") == "en"


def test_nothing_to_pick_from_is_none():
    assert pick_language([], "fr", "fr") is None


def test_the_interface_speaks_fewer_languages_than_content_may_be_written_in():
    assert INTERFACE_LANGUAGES == ("fr", "ar")
    assert set(INTERFACE_LANGUAGES) < set(CONTENT_LANGUAGES) == {"fr", "ar", "en"}
    assert [direction(code) for code in ("ar", "fr", "en", "xx", None)] == ["rtl"] + ["ltr"] * 4


def test_a_translated_field_falls_back_by_the_same_rule_and_skips_empty_texts():
    title = {"fr": "Moteur", "ar": "", "en": "Engine"}
    assert translated(title, "ar", "en") == "Engine"
    assert translated(title, "ar") == "Moteur"
    assert translated({}, "fr") == "" and translated(None, "fr") == ""


# --- pages -------------------------------------------------------------------------------


@pytest.fixture
def course(api, make):
    admin = make.token(make.user("admin").email)
    assert imported(api, admin, package(), "?publish=true")


def _reader(app, make, locale):
    trainee = make.user("trainee", locale=locale)
    client = app.test_client()
    client.login(trainee.email)
    client.post_form("/courses/engine-basics/enrol")
    return trainee, client


def _html(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _body(html: str) -> str:
    return html.split('<div class="lesson-body"', 1)[1].split("</div>", 1)[0]


def _locale_of(app, user_id) -> str:
    with app.app_context():
        return db.session.get(User, user_id).locale


def test_a_french_trainee_reads_the_arabic_text_in_a_french_interface(app, make, course):
    trainee, client = _reader(app, make, "fr")
    french = _html(client.get(LESSON))
    also = french.split('class="lesson-langs', 1)[1].split("</p>", 1)[0]
    assert f'href="{LESSON}?content=ar"' in also and "?lang=" not in also

    arabic = _html(client.get(f"{LESSON}?content=ar"))
    assert HTML_FR in arabic and "Mon apprentissage" in arabic  # a French interface
    body = _body(arabic)
    assert 'lang="ar" dir="rtl"' in body and "أربعة أشواط" in body
    assert '<h1 id="lesson-title" lang="ar" dir="rtl">الدورة</h1>' in arabic
    assert f'href="{LESSON}?content=fr"' in arabic  # and back to the French text
    assert "pas encore disponible" not in arabic  # the Arabic text exists: no notice

    # nothing remembered: the next page and the same lesson without the link are French
    assert HTML_FR in _html(client.get("/my/learning"))
    assert 'lang="fr" dir="ltr"' in _body(_html(client.get(LESSON)))
    assert _locale_of(app, trainee.id) == "fr"


def test_an_arabic_trainee_reads_the_french_text_in_an_arabic_interface(app, make, course):
    trainee, client = _reader(app, make, "ar")
    french = _html(client.get(f"{LESSON}?content=fr"))
    assert HTML_AR in french
    assert 'lang="fr" dir="ltr"' in _body(french) and "Quatre temps" in _body(french)
    assert HTML_AR in _html(client.get("/my/learning"))
    assert 'lang="ar" dir="rtl"' in _body(_html(client.get(LESSON)))
    assert _locale_of(app, trainee.id) == "ar"


def test_a_missing_version_falls_back_to_the_source_with_the_notice(app, make, api):
    admin = make.token(make.user("admin").email)
    assert imported(api, admin, package(extra_ar=False), "?publish=true")
    _trainee, client = _reader(app, make, "ar")
    page = _html(client.get(LESSON))
    assert HTML_AR in page and 'lang="fr" dir="ltr"' in _body(page)
    assert 'class="flash flash-info" role="status" lang="ar"' in page  # said, in Arabic
    asked_en = _html(client.get(f"{LESSON}?content=en"))  # a content language, not offered
    assert HTML_AR in asked_en and 'lang="fr"' in _body(asked_en)
    assert 'class="lesson-langs' not in page  # no other version to offer


def test_an_old_lang_link_on_a_lesson_still_switches_the_interface(app, make, course):
    _trainee, client = _reader(app, make, "fr")
    page = _html(client.get(f"{LESSON}?lang=ar"))
    assert HTML_AR in page and 'lang="ar" dir="rtl"' in _body(page)
    assert HTML_AR in _html(client.get("/my/learning"))  # remembered, as it always was
    also = page.split('class="lesson-langs', 1)[1].split("</p>", 1)[0]
    assert f'href="{LESSON}?content=fr"' in also  # the old ?lang= is not carried along


def test_a_link_between_lessons_opens_the_text_not_the_interface(app, make, course):
    with app.app_context():
        html = db.session.scalar(
            select(LessonContent.html)
            .join(LessonContent.lesson)
            .where(LessonContent.lang == "fr")
            .where(LessonContent.html.contains("Suite"))
        )
    assert 'href="/courses/engine-basics/modules/basics/lessons/oil?content=fr"' in html


def test_the_quiz_takes_content_for_its_questions_only(app, make, course):
    _trainee, client = _reader(app, make, "fr")
    started = client.post_form("/courses/engine-basics/modules/basics/quiz/attempts")
    attempt = started.headers["Location"]
    page = _html(client.get(f"{attempt}?content=ar"))
    assert HTML_FR in page and "هل للمحرك" in page and 'lang="ar"' in page
    assert f'action="{attempt}?content=ar"' in page  # saving the form keeps the text
    saved = client.post_form(f"{attempt}?content=ar", {"action": "save"})
    assert saved.headers["Location"].endswith(f"{attempt}?content=ar")
    assert HTML_FR in _html(client.get("/my/learning"))
    assert "Un moteur 4 temps" in _html(client.get(attempt))


# --- the Studio --------------------------------------------------------------------------


def _author(app, make, locale):
    expert = make.user("expert", network="DMK", locale=locale)
    client = app.test_client()
    client.login(expert.email)
    return expert, client


def test_a_french_expert_edits_the_arabic_text_in_a_french_studio(app, make, course):
    expert, client = _author(app, make, "fr")
    page = _html(client.get(f"{EDIT}?content=ar"))
    assert HTML_FR in page
    tabs = page.split('class="lang-tabs"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{EDIT}?content=ar"' in tabs and f'href="{EDIT}?content=fr"' in tabs
    assert "?lang=" not in tabs
    # both texts side by side, the one asked for focused
    assert 'id="markdown-ar" name="markdown_ar" rows="18" lang="ar" dir="rtl"' in page
    assert 'id="markdown-fr" name="markdown_fr" rows="18" lang="fr" dir="ltr"' in page
    assert page.split('id="markdown-ar"', 1)[1].split(">", 1)[0].endswith("autofocus")
    assert 'name="content" value="ar"' in page
    saved = client.post_form(
        f"{EDIT}?content=ar",
        {"action": "save", "title": "الدورة", "markdown": "# نص جديد\n", "content": "ar"},
    )
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"{EDIT}?content=ar")
    assert HTML_FR in _html(client.get("/studio/engine-basics"))
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "engine-basics"))
        lesson = course.modules[0].lessons[0]
        assert lesson.content("ar").markdown == "# نص جديد\n"
        assert "Quatre temps" in lesson.content("fr").markdown
    assert _locale_of(app, expert.id) == "fr"


def test_an_arabic_expert_edits_the_french_text_in_an_arabic_studio(app, make, course):
    _expert, client = _author(app, make, "ar")
    assert 'lang="ar" dir="rtl"' in _html(client.get(EDIT)).split('id="markdown-ar"', 1)[1]
    page = _html(client.get(f"{EDIT}?content=fr"))
    assert (
        HTML_AR in page
        and 'id="markdown-fr" name="markdown_fr" rows="18" lang="fr" dir="ltr"' in page
    )
    assert page.split('id="markdown-fr"', 1)[1].split(">", 1)[0].endswith("autofocus")
    history = _html(client.get(EDIT.replace("/edit", "/history") + "?content=fr"))
    assert HTML_AR in history and 'name="content" value="fr"' in history
    board = _html(client.get("/studio/engine-basics/translations"))
    assert f'href="{EDIT}?content=fr"' in board and f'href="{EDIT}?content=ar"' in board
    assert HTML_AR in _html(client.get("/studio/engine-basics"))


# --- the API keeps ?lang= for content ----------------------------------------------------


def test_the_api_reads_lang_as_the_content_language(api, make, course):
    reader = make.token(make.user("trainee", locale="fr").email)
    api.post("/api/v1/courses/engine-basics/enrolment", token=reader)
    lesson = "/api/v1" + LESSON
    assert api.get(lesson, token=reader).get_json()["lang"] == "fr"
    arabic = api.get(lesson + "?lang=ar", token=reader).get_json()
    assert (arabic["lang"], arabic["dir"], arabic["title"]) == ("ar", "rtl", "الدورة")
    english = api.get(lesson + "?lang=en", token=reader).get_json()  # not written: the source
    assert (english["lang"], english["requested_lang"]) == ("fr", "en")
    oil = api.get(lesson.replace("cycle", "oil") + "?lang=ar", token=reader).get_json()
    assert (oil["equipment"], oil["equipment_lang"]) == (["مقياس"], "ar")


def test_interface_choices_offer_only_interface_languages(app, make):
    _trainee, client = _reader(app, make, "fr")
    account = _html(client.get("/account"))
    assert 'value="fr"' in account and 'value="ar"' in account and 'value="en"' not in account


# --- certificates and exports fall back by the same rule ---------------------------------


def test_a_certificate_whose_title_lacks_arabic_shows_the_french_one_marked_french(app, api, make):
    publish(api, make)
    email = "holder@example.org"
    code = certify(api, enrolled_trainee(api, make, email=email))
    with app.app_context():
        certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
        certificate.course_title = {"fr": "Freinage", "ar": ""}
        db.session.commit()
    client = app.test_client()
    client.login(email)
    page = _html(client.get(f"/certificates/{code}"))
    sides = page.split('class="certificate-side"')[1:]
    assert [side.split(">", 1)[0] for side in sides] == [
        ' lang="fr" dir="ltr"',
        ' lang="ar" dir="rtl"',
    ]
    assert '<p class="certificate-course">Freinage</p>' in sides[0]
    assert '<p class="certificate-course" lang="fr" dir="ltr">Freinage</p>' in sides[1]


def test_an_export_header_takes_a_missing_module_title_from_the_source_language(app):
    modules = [
        SimpleNamespace(title={"fr": "Bases", "ar": "الأساسيات"}, quiz_id=None),
        SimpleNamespace(title={"fr": "Freins", "ar": "", "en": "Brakes"}, quiz_id=None),
    ]
    with app.test_request_context("/?lang=ar"):
        head = tables.header(modules, "ar", "en")
    assert "الأساسيات" in head[5] and "Brakes" in head[6]


def test_the_apis_lang_never_becomes_the_interface_of_the_session(app, make):
    """``?lang=ar`` on the API asks for that answer in Arabic: the same browser's pages
    stay in the language they were in, and so does the API's next answer."""
    make.user("trainee", email="reader@example.org")
    browser = app.test_client()
    assert browser.login("reader@example.org").status_code == 303
    browser.get("/api/v1/courses?lang=ar")
    page = browser.get("/my/learning").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr"' in page
    problem = browser.get("/api/v1/courses/nothing-here").get_json()
    assert problem["status"] == 404 and not any("\u0600" <= c <= "\u06ff" for c in problem["title"])
