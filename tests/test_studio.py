"""The Studio in the browser's shoes (HTTP): who may open what, and editing by form."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from elearn.authoring.models import Course, Lesson, LessonRevision
from elearn.extensions import db
from tests.factories import package
from tests.studiokit import publish_from_the_page


@pytest.fixture
def course(app, tmp_path):
    with zipfile.ZipFile(io.BytesIO(package())) as archive:
        archive.extractall(tmp_path)
    target = str(tmp_path / "engine-basics")
    result = app.test_cli_runner().invoke(args=["courses", "import", target])
    assert result.exit_code == 0, result.output
    return "engine-basics"


def signed_in(app, user):
    client = app.test_client()
    assert client.login(user.email).status_code == 303
    return client


STUDIO_PAGES = [
    "/studio/engine-basics",
    "/studio/engine-basics/modules/basics/lessons/cycle/edit?lang=ar",
    "/studio/engine-basics/modules/basics/lessons/cycle/history",
    "/studio/engine-basics/modules/basics/quiz",
    "/studio/engine-basics/translations",
    "/studio/engine-basics/export",
    "/studio/engine-basics/preview/basics/cycle",
]


@pytest.mark.parametrize("url", STUDIO_PAGES)
def test_only_the_network_and_admins_open_a_course_in_the_studio(app, make, course, url):
    assert signed_in(app, make.user("expert", network="DMK")).get(url).status_code == 200
    assert signed_in(app, make.user("admin")).get(url).status_code == 200
    assert signed_in(app, make.user("expert", network="AEROMAC")).get(url).status_code == 404
    assert signed_in(app, make.user("trainee")).get(url).status_code == 403
    assert signed_in(app, make.user("trainer")).get(url).status_code == 403


def test_other_network_cannot_change_anything(app, make, course):
    outsider = signed_in(app, make.user("expert", network="AEROMAC"))
    posts = [
        (
            "/studio/engine-basics/modules/basics/lessons/cycle/edit?lang=fr",
            {"title": "x", "markdown": "x", "action": "save"},
        ),
        ("/studio/engine-basics/modules", {"slug": "evil", "title": "Evil"}),
        ("/studio/engine-basics/modules/basics/archive", {}),
        ("/studio/engine-basics/submit", {}),
        ("/studio/engine-basics/modules/basics/quiz", {"yaml": "title: {fr: x}"}),
    ]
    for url, data in posts:
        assert outsider.post_form(url, data).status_code == 404, url
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LessonRevision)) == 4
        assert db.session.scalar(select(Course.status)) == "draft"


def test_expert_edits_translation_which_becomes_current(app, make, course):
    expert = signed_in(app, make.user("expert", network="DMK"))
    edit = "/studio/engine-basics/modules/basics/lessons/cycle/edit"
    expert.post_form(
        edit + "?lang=fr",
        {
            "lang": "fr",
            "title": "Le cycle",
            "action": "save",
            "markdown": "# Quatre temps\n\nTexte revu.",
        },
    )
    board = expert.get("/studio/engine-basics/translations?lang=fr").get_data(as_text=True)
    assert "state-stale" in board
    page = expert.get(edit + "?lang=ar").get_data(as_text=True)
    assert "Texte revu." in page  # the new source text is shown beside the translation
    saved = expert.post_form(
        edit + "?lang=ar",
        {"lang": "ar", "title": "الدورة", "markdown": "نص مراجع.", "action": "save"},
    )
    assert saved.status_code == 303
    assert "state-stale" not in expert.get("/studio/engine-basics/translations").get_data(
        as_text=True
    )


def test_preview_does_not_save_and_sanitises(app, make, course):
    expert = signed_in(app, make.user("expert", network="DMK"))
    response = expert.post_form(
        "/studio/engine-basics/modules/basics/lessons/cycle/edit?lang=fr",
        {
            "lang": "fr",
            "title": "Le cycle",
            "action": "preview",
            "markdown": "**gras** <script>alert(1)</script><img src=x onerror=alert(1)>",
        },
    )
    html = response.get_data(as_text=True)
    preview = html[html.index('<section class="preview"') :]
    assert "<strong>gras</strong>" in preview
    assert "<script" not in preview and "onerror" not in preview
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LessonRevision)) == 4


def test_outline_add_reorder_archive_and_restore(app, make, course):
    expert = signed_in(app, make.user("expert", network="DMK"))
    expert.post_form("/studio/engine-basics/modules", {"slug": "brakes", "title": "Freins"})
    added = expert.post_form(
        "/studio/engine-basics/modules/brakes/lessons",
        {"slug": "pads", "title": "Plaquettes", "kind": "practical"},
    )
    assert added.headers["Location"].endswith("/modules/brakes/lessons/pads/edit")
    refused = expert.post_form("/studio/engine-basics/modules", {"slug": "Bad Slug!", "title": "x"})
    assert refused.status_code == 303
    expert.post_form("/studio/engine-basics/modules/basics/lessons/oil/up")
    expert.post_form("/studio/engine-basics/modules/basics/lessons/cycle/archive")
    with app.app_context():
        lessons = {x.slug: x for x in db.session.scalars(select(Lesson))}
        assert lessons["oil"].position == 1 and lessons["cycle"].archived_at is not None
        assert lessons["pads"].kind == "practical"
    expert.post_form("/studio/engine-basics/modules/basics/lessons/cycle/restore")
    with app.app_context():
        cycle = db.session.scalar(select(Lesson).where(Lesson.slug == "cycle"))
        assert cycle.archived_at is None and cycle.position == 2


def test_quiz_editor_reports_problems_and_saves_good_yaml(app, make, course):
    expert = signed_in(app, make.user("expert", network="DMK"))
    url = "/studio/engine-basics/modules/basics/quiz"
    bad = expert.post_form(
        url,
        {
            "yaml": "title: {fr: Quiz, ar: اختبار}\nquestions:\n"
            "  - id: q1\n    type: single\n"
            "    prompt: {fr: x, ar: س}\n    choices:\n"
            "      - {id: a, text: {fr: A, ar: أ}}\n"
            "      - {id: b, text: {fr: B, ar: ب}}\n"
        },
    )
    issues = bad.get_data(as_text=True)
    assert '<ul class="issues"' in issues and "quiz.yml:6: question q1" in issues
    good = expert.post_form(
        url,
        {
            "yaml": "title: {fr: Quiz, ar: اختبار}\nquestions:\n"
            "  - id: q1\n    type: numeric\n"
            '    prompt: {fr: "Combien ?", ar: "كم؟"}\n'
            "    answer: 4\n"
        },
    )
    assert good.status_code == 303
    assert "answer: 4" in expert.get(f"{url}/yaml").get_data(as_text=True)


def test_review_publish_and_send_back(app, make, course):
    expert = signed_in(app, make.user("expert", network="DMK"))
    admin = signed_in(app, make.user("admin"))
    expert.post_form("/studio/engine-basics/submit")
    assert "engine-basics" in admin.get("/studio/review").get_data(as_text=True)
    assert expert.get("/studio/review").status_code == 403
    assert expert.post_form("/studio/engine-basics/publish").status_code == 403
    admin.post_form("/studio/engine-basics/return", {"comment": "Ajoutez une image."})
    page = expert.get("/studio/engine-basics").get_data(as_text=True)
    assert "Ajoutez une image." in page and 'data-status="draft"' in page
    expert.post_form("/studio/engine-basics/submit")
    assert publish_from_the_page(admin, "engine-basics").status_code == 303
    trainee = signed_in(app, make.user("trainee"))
    lesson = "/courses/engine-basics/modules/basics/lessons/cycle"
    assert trainee.get(lesson).status_code == 302  # to the course page, to enrol first
    assert trainee.post_form("/courses/engine-basics/enrol").headers["Location"] == lesson
    assert trainee.get(lesson).status_code == 200


def test_history_shows_the_difference_between_two_revisions(app, make, course):
    expert = signed_in(app, make.user("expert", network="DMK"))
    edit = "/studio/engine-basics/modules/basics/lessons/cycle/edit?lang=fr"
    expert.post_form(
        edit,
        {
            "lang": "fr",
            "title": "Le cycle",
            "action": "save",
            "markdown": "# Quatre temps\n\nUne ligne ajoutée.",
        },
    )
    page = expert.get("/studio/engine-basics/modules/basics/lessons/cycle/history?lang=fr")
    html = page.get_data(as_text=True)
    assert '<span class="add">+Une ligne ajoutée.</span>' in html


def test_a_course_written_entirely_in_the_browser(app, make, tmp_path):
    expert = signed_in(app, make.user("expert", network="AEROMAC"))
    created = expert.post_form(
        "/studio/new",
        {
            "title": "Rivetage",
            "slug": "rivets",
            "network": "AEROMAC",
            "domain": "aeronautics",
            "source": "fr",
            "languages": ["fr", "ar"],
        },
    )
    assert created.headers["Location"].endswith("/studio/rivets#add-module")  # the outline
    assert (
        expert.post_form(
            "/studio/new",
            {
                "title": "x",
                "slug": "other",
                "network": "DMK",
                "domain": "automotive",
                "source": "fr",
            },
        ).status_code
        == 200
    )  # not their network: refused with a message
    expert.post_form(
        "/studio/rivets/settings",
        {
            "title_fr": "Rivetage",
            "title_ar": "البرشمة",
            "summary_fr": "Assembler.",
            "summary_ar": "التجميع.",
            "level": "intermediate",
            "estimated_hours": "7,5",
            "competency_code": ["C1", ""],
            "competency_0_fr": "Poser un rivet",
            "competency_0_ar": "تركيب برشام",
        },
    )
    expert.post_form("/studio/rivets/modules", {"slug": "basics", "title": "Bases"})
    expert.post_form(
        "/studio/rivets/modules/basics/lessons",
        {"slug": "drill", "title": "Percer", "kind": "practical"},
    )
    edit = "/studio/rivets/modules/basics/lessons/drill/edit"
    expert.post_form(
        edit + "?lang=fr",
        {
            "lang": "fr",
            "title": "Percer",
            "markdown": "Percez à 3,3 mm.",
            "action": "save",
            "kind": "practical",
            "duration_minutes": "30",
            "competencies": ["C1"],
            "equipment": "Perceuse\nForet 3,3 mm",
            "safety": "Lunettes obligatoires.",
        },
    )
    expert.post_form(
        edit + "?lang=ar",
        {
            "lang": "ar",
            "title": "الثقب",
            "markdown": "اثقب بقطر 3,3 مم.",
            "action": "save",
            "equipment": "مثقاب",
            "safety": "النظارات إلزامية.",
        },
    )
    expert.post_form("/studio/rivets/submit")
    admin = signed_in(app, make.user("admin"))
    assert publish_from_the_page(admin, "rivets").status_code == 303
    reader = signed_in(app, make.user("trainee", locale="ar"))
    reader.post_form("/courses/rivets/enrol")
    page = reader.get("/courses/rivets/modules/basics/lessons/drill").get_data(as_text=True)
    assert "الثقب" in page and "مثقاب" in page and "النظارات إلزامية." in page
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "rivets"))
        assert course.estimated_hours == 7.5 and course.competencies[0]["code"] == "C1"
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "drill"))
        assert lesson.duration_minutes == 30 and lesson.competencies == ["C1"]
        assert lesson.equipment == {"fr": ["Perceuse", "Foret 3,3 mm"], "ar": ["مثقاب"]}
    exported = admin.get("/studio/rivets/export")
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    (tmp_path / "rivets.zip").write_bytes(exported.data)
    check = app.test_cli_runner().invoke(args=["courses", "validate", str(tmp_path / "rivets.zip")])
    assert check.exit_code == 0, check.output  # what the browser made is a valid package
