"""What changed since the last publication: the service, the Studio page and the API, as an
author (and a reviewer) checks them before a publication."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from elearn.authoring import services
from elearn.authoring.changes import (
    DiffBlock,
    course_changes,
    folded,
    markdown_diff,
    rendered_diff,
)
from elearn.authoring.models import Lesson, LessonContent
from elearn.extensions import db
from tests.browser import screenshot, sign_in
from tests.factories import package, package_files, zipped

SLUG = "engine-basics"
API = f"/api/v1/courses/{SLUG}/changes"
PAGE = f"/studio/{SLUG}/changes"
QUIZ = f"/studio/{SLUG}/modules/basics/quiz"
#: The answer right after a publication: the contract's two lists and the two this adds.
EMPTY = {"settings": [], "modules": [], "lessons": [], "quizzes": []}
QUIZ_YAML = """title: {fr: Quiz, ar: اختبار}
pass_mark: 70
max_attempts: 2
questions:
  - id: q1
    type: true_false
    prompt: {fr: "Un moteur 4 temps a 4 temps ?", ar: "هل للمحرك رباعي الأشواط أربعة أشواط؟"}
    answer: true
"""


@pytest.fixture
def expert(make, signed_in):
    """An expert of the course's network: a token for the API and a signed-in browser."""
    user = make.user("expert", network="DMK")
    browser = signed_in(user.email)
    browser.token = make.token(user.email)
    return browser


def _changes(api, expert) -> dict:
    answer = api.get(API, token=expert.token)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer.get_json()


def _markdown(app, lesson: str, lang: str) -> tuple[str, str]:
    with app.app_context():
        content = db.session.scalar(
            select(LessonContent)
            .join(Lesson)
            .where(Lesson.slug == lesson, LessonContent.lang == lang)
        )
        return content.title, content.markdown


def _put(api, expert, lesson: str, lang: str, title: str, markdown: str):
    answer = api.call(
        "PUT",
        f"/api/v1/courses/{SLUG}/modules/basics/lessons/{lesson}",
        token=expert.token,
        json={"lang": lang, "title": title, "markdown": markdown},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]


def _short(body: dict) -> tuple[list, list]:
    return (
        [(x["module"], x["lesson"], x["lang"], x["change"]) for x in body["lessons"]],
        [(x["module"], x["change"]) for x in body["quizzes"]],
    )


def test_a_course_never_published_is_all_added(api, make, expert):
    make.course()
    lessons, quizzes = _short(_changes(api, expert))
    assert lessons == [
        ("basics", "cycle", "fr", "added"),
        ("basics", "cycle", "ar", "added"),
        ("basics", "oil", "fr", "added"),
        ("basics", "oil", "ar", "added"),
    ]
    assert quizzes == [("basics", "added")]
    page = expert.get(PAGE).get_data(as_text=True)
    assert "never been published" in page or "jamais été publié" in page


def test_right_after_publication_nothing_changed(api, make, expert):
    make.course(publish=True)
    assert _changes(api, expert) == EMPTY
    page = expert.get(PAGE)
    assert page.status_code == 200 and "data-changes-empty" in page.get_data(as_text=True)
    studio = expert.get(f"/studio/{SLUG}").get_data(as_text=True)
    assert f'href="{PAGE}"' in studio


def test_an_edited_french_text_is_that_lesson_and_language_only(app, api, make, expert):
    make.course(publish=True)
    title, markdown = _markdown(app, "cycle", "fr")
    assert "# Quatre temps" in markdown
    _put(api, expert, "cycle", "fr", title, markdown.replace("# Quatre temps", "# Cinq temps"))
    body = _changes(api, expert)
    assert _short(body) == ([("basics", "cycle", "fr", "changed")], [])
    assert body["lessons"][0]["fields"] == ["text"]
    page = expert.get(PAGE).get_data(as_text=True)
    markdown_part = page[page.index('class="md-diff"') :]
    assert "<del>Quatre</del>" in markdown_part and "<ins>Cinq</ins>" in markdown_part
    rendered = page[page.index('class="rendered-diff') : page.index('class="md-diff"')]
    assert re.search(r'<del class="diff-block">.*?<h2[^>]*>Quatre temps</h2></del>', rendered, re.S)
    assert re.search(r'<ins class="diff-block">.*?<h2[^>]*>Cinq temps</h2></ins>', rendered, re.S)
    assert 'class="diff-block diff-same"' in rendered  # the image and the link did not change


def test_a_new_arabic_translation_is_added(app, api, make, expert):
    make.course(package(extra_ar=False), publish=True)
    _put(api, expert, "cycle", "ar", "الدورة", "# أربعة أشواط\n\nنص جديد.\n")
    assert _short(_changes(api, expert)) == ([("basics", "cycle", "ar", "added")], [])
    page = expert.get(PAGE).get_data(as_text=True)
    block = page[page.index('data-lang="ar"') :]
    assert '<div class="rendered-diff lesson-body" lang="ar" dir="rtl">' in block
    assert '<pre class="md-diff" lang="ar" dir="rtl">' in block
    assert "<ins>نص جديد.</ins>" in block


def test_an_archived_lesson_is_removed_and_the_next_one_not_moved(app, api, make, expert):
    make.course(publish=True)
    done = expert.post_form(f"/studio/{SLUG}/modules/basics/lessons/cycle/archive")
    assert done.status_code == 303
    lessons, quizzes = _short(_changes(api, expert))
    assert lessons == [
        ("basics", "cycle", "fr", "removed"),
        ("basics", "cycle", "ar", "removed"),
    ]
    assert quizzes == []


def test_a_reordered_lesson_and_new_metadata_are_listed(app, api, make, expert):
    make.course(publish=True)
    assert expert.post_form(f"/studio/{SLUG}/modules/basics/lessons/oil/up").status_code == 303
    lessons = _changes(api, expert)["lessons"]
    assert {(x["lesson"], x["lang"]) for x in lessons} == {
        ("cycle", "fr"),
        ("cycle", "ar"),
        ("oil", "fr"),
        ("oil", "ar"),
    }
    assert all(x["change"] == "changed" and x["fields"] == ["position"] for x in lessons)
    title, markdown = _markdown(app, "oil", "fr")
    saved = expert.post_form(
        f"/studio/{SLUG}/modules/basics/lessons/oil/edit?content=fr",
        {
            "title": title,
            "markdown": markdown,
            "action": "save",
            "kind": "practical",
            "duration_minutes": "25",
            "equipment": "Jauge\nChiffon",
            "safety": "Moteur froid.",
        },
    )
    assert saved.status_code == 303
    oil = {x["lang"]: x for x in _changes(api, expert)["lessons"] if x["lesson"] == "oil"}
    assert oil["fr"]["fields"] == ["position", "duration_minutes", "equipment"]
    assert oil["ar"]["fields"] == ["position", "duration_minutes"]  # shared; its list unchanged
    page = expert.get(PAGE).get_data(as_text=True)
    assert "Déplacée ailleurs dans le plan." in page and "Chiffon" in page


def test_quiz_prompt_question_and_pass_mark_changes_are_listed(api, make, expert):
    make.course(publish=True)
    changed = QUIZ_YAML.replace("pass_mark: 70", "pass_mark: 80").replace(
        "a 4 temps ?", "a quatre temps ?"
    ) + (
        "  - id: q2\n    type: true_false\n"
        '    prompt: {fr: "L\'huile se vidange ?", ar: "هل يُغيَّر الزيت؟"}\n    answer: true\n'
    )
    assert expert.post_form(QUIZ, {"yaml": changed}).status_code == 303
    body = _changes(api, expert)
    assert body["lessons"] == []
    (quiz,) = body["quizzes"]
    assert (quiz["module"], quiz["change"], quiz["bank"]) == ("basics", "changed", False)
    assert quiz["settings"] == [{"field": "pass_mark", "old": 70, "new": 80}]
    questions = {q["key"]: q for q in quiz["questions"]}
    assert questions["q1"]["change"] == "changed" and questions["q1"]["fields"] == ["prompt"]
    assert questions["q2"]["change"] == "added"
    page = expert.get(PAGE).get_data(as_text=True)
    assert "Un moteur 4 temps a 4 temps ?" in page and "Un moteur 4 temps a quatre temps ?" in page
    assert re.search(r"<del class=\"diff-old\">.*70.*</del>", page)


def test_a_bank_question_change_is_listed_as_the_bank(api, make, expert):
    files = package_files()
    files["01-basics/quiz.yml"] += "draw:\n  - {tag: freins, count: 1}\n"
    bank = """questions:
  - {id: b1, type: true_false, tags: [freins], prompt: {fr: "Le disque s'use ?"}, answer: true}
  - {id: b2, type: true_false, tags: [freins], prompt: {fr: "Le tambour chauffe ?"}, answer: true}
"""
    files["bank.yml"] = bank
    make.course(zipped(SLUG, files), publish=True)
    assert _changes(api, expert) == EMPTY
    edited = bank.replace("Le tambour chauffe ?", "Le tambour refroidit ?")
    saved = expert.post_form(f"/studio/{SLUG}/bank", {"yaml": edited})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:800]
    (quiz,) = _changes(api, expert)["quizzes"]
    assert (quiz["module"], quiz["bank"], quiz["change"]) == (None, True, "changed")
    assert quiz["questions"] == [{"key": "b2", "change": "changed", "fields": ["prompt"]}]


def _big_package(slug: str, modules: int) -> bytes:
    """The engine course and ``modules`` more modules of three lessons and a quiz each."""
    files = package_files(slug)
    for m in range(2, modules + 2):
        files[f"0{m}-part{m}/module.yml"] = f"title: {{fr: Partie {m}, ar: الجزء {m}}}\n"
        for n in range(1, 4):
            files[f"0{m}-part{m}/0{n}-l{n}.fr.md"] = f"---\ntitle: Leçon {n}\n---\n\nTexte {n}.\n"
            files[f"0{m}-part{m}/0{n}-l{n}.ar.md"] = f"---\ntitle: درس {n}\n---\n\nنص {n}.\n"
        files[f"0{m}-part{m}/quiz.yml"] = QUIZ_YAML
    return zipped(slug, files)


def _edit_everything(app, slug: str):
    """Change every French text and every quiz's pass mark, in the working copy."""
    with app.app_context():
        course = services.course_by_slug(db.session, slug)
        for content in services.load_texts(db.session, course, LessonContent.markdown):
            if content.lang == "fr":
                content.markdown += "\nPlus."
                content.source_hash = services.digest(content.markdown)
        for module in course.modules:
            if module.quiz is not None:
                module.quiz.pass_mark = 90
        db.session.commit()


def test_the_statement_count_does_not_grow_with_the_course(app, make, queries, expert):
    counts = {}
    for slug, modules in (("engine-small", 0), ("engine-large", 6)):
        make.course(_big_package(slug, modules), publish=True)
        _edit_everything(app, slug)
        with app.app_context():
            course = services.course_by_slug(db.session, slug)
            with queries() as statements:
                changes = course_changes(db.session, course)
            assert len(changes.quizzes) == modules + 1
            assert len([c for c in changes.lessons if c.lang == "fr"]) == 2 + 3 * modules
            # modules, lessons, their contents, the texts that differ, their published
            # revisions, quizzes, their questions
            assert len(statements) == 7, statements
            db.session.remove()
        with queries() as statements:
            page = expert.get(f"/studio/{slug}/changes")
        assert page.status_code == 200
        assert page.get_data(as_text=True).count('class="lesson-change"') == 2 + 3 * modules
        counts[slug] = len(statements)
    assert counts["engine-small"] == counts["engine-large"], counts


def test_markdown_with_a_script_is_shown_escaped(app, api, make, expert):
    make.course(publish=True)
    title, markdown = _markdown(app, "oil", "fr")
    _put(
        api,
        expert,
        "oil",
        "fr",
        title,
        markdown + "\n<script>alert('x')</script> <b onclick=x>gras</b>\n",
    )
    page = expert.get(PAGE).get_data(as_text=True)
    assert "<script>alert" not in page and "onclick" not in page.replace("onclick=x&gt;", "")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_the_page_reads_in_french_and_in_arabic(app, api, make, expert):
    make.course(publish=True)
    title, markdown = _markdown(app, "cycle", "ar")
    _put(api, expert, "cycle", "ar", title, markdown + "\nسطر جديد.\n")
    fr = expert.get(PAGE + "?lang=fr").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in fr and "1 leçon modifiée" in fr
    ar = expert.get(PAGE + "?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in ar and "ما الذي تغيّر منذ النشر" in ar
    assert 'data-lang="ar"' in ar and '<pre class="md-diff" lang="ar" dir="rtl">' in ar


def test_a_long_lesson_shows_its_change_with_the_rest_folded(app, api, make, expert):
    """One paragraph changed in the middle of twelve: the reviewer sees it with a paragraph
    on each side; the unchanged ones before and after are folded, and still one click away
    (a ``<details>``, no script needed)."""
    paragraphs = [f"Paragraphe numéro {n}." for n in range(12)]
    files = package_files()
    files["01-basics/01-cycle.fr.md"] = "---\ntitle: Le cycle\n---\n\n" + "\n\n".join(paragraphs)
    make.course(zipped(SLUG, files), publish=True)
    title, markdown = _markdown(app, "cycle", "fr")
    _put(api, expert, "cycle", "fr", title, markdown.replace("numéro 6.", "numéro six."))
    page = expert.get(PAGE + "?lang=fr").get_data(as_text=True)
    folds = re.findall(r'<details class="diff-fold"><summary[^>]*>([^<]*)</summary>', page)
    assert folds == ["5 parties inchangées", "4 parties inchangées"], folds
    first, second = (m.start() for m in re.finditer('<details class="diff-fold">', page))
    visible = page[first:second].split("</details>", 1)[1]  # the change and its context
    assert all(f"numéro {n}." in visible for n in (5, 7)) and "numéro six." in visible
    assert "Paragraphe numéro 0." in page and "Paragraphe numéro 11." in page  # folded, kept


def test_folding_keeps_one_block_around_each_change():
    def blocks(kinds):
        return [DiffBlock(k, escape(str(n))) for n, k in enumerate(kinds)]

    view = folded(blocks(["same"] * 5 + ["ins"] + ["same"] * 4))
    assert [getattr(b, "html", "fold") for b in view] == ["fold", "4", "5", "6", "fold"]
    assert [len(b.blocks) for b in view if b.kind == "fold"] == [4, 3]
    # two unchanged blocks between two changes stay visible (nothing worth folding)
    view = folded(blocks(["ins", "same", "same", "del"]))
    assert [b.kind for b in view] == ["ins", "same", "same", "del"]
    # a single unchanged block alone is never folded
    assert [b.kind for b in folded(blocks(["same", "ins"]))] == ["same", "ins"]


def test_only_authors_and_admins_see_the_changes(api, make, signed_in):
    make.course(publish=True)
    outsider = make.user("expert", network="AEROMAC")
    trainee = make.user("trainee")
    admin = make.user("admin")
    assert api.get(API, token=make.token(outsider.email)).status_code == 404
    assert api.get(API, token=make.token(trainee.email)).status_code == 404
    assert api.get(API).status_code == 401
    assert api.get(API, token=make.token(admin.email)).status_code == 200
    assert signed_in(outsider.email).get(PAGE).status_code == 404
    assert signed_in(trainee.email).get(PAGE).status_code == 403
    assert signed_in(admin.email).get(PAGE).status_code == 200


def test_word_level_marks_and_blocks():
    lines = markdown_diff("a\nle moteur tourne\nb\n", "a\nle moteur chauffe\nb\n")
    kinds = [line.kind for line in lines]
    assert kinds == ["hunk", "same", "del", "ins", "same"]
    assert str(lines[2].html) == "le moteur <del>tourne</del>"
    assert str(lines[3].html) == "le moteur <ins>chauffe</ins>"
    diff = rendered_diff("<p>un</p>\n<p>deux</p>", "<p>un</p>\n<p>trois</p>\n<hr>")
    assert [(b.kind, str(b.html)) for b in diff] == [
        ("same", "<p>un</p>"),
        ("del", "<p>deux</p>"),
        ("ins", "<p>trois</p>"),
        ("ins", "<hr>"),
    ]
    hostile = rendered_diff("", '<p onclick="x">a</p><script>b</script>text & <i>')
    assert all("onclick" not in str(b.html) and "<script" not in str(b.html) for b in hostile)


@pytest.mark.browser
def test_the_page_on_a_phone_and_a_desktop(app, api, make, expert, live_server, browser):
    """The differences read on a 360 px phone (nothing wider than the screen) and a desktop,
    in French and in Arabic; the Markdown opens from its summary."""
    make.course(publish=True)
    title, markdown = _markdown(app, "cycle", "fr")
    _put(
        api,
        expert,
        "cycle",
        "fr",
        "Le cycle à quatre temps",
        markdown.replace("# Quatre", "# Cinq"),
    )
    title, markdown = _markdown(app, "cycle", "ar")
    _put(api, expert, "cycle", "ar", title, markdown + "\nالسحب، الضغط، الاحتراق، العادم.\n")
    changed = QUIZ_YAML.replace("pass_mark: 70", "pass_mark: 80").replace("4 temps ?", "quatre ?")
    changed += (
        "  - id: q2\n    type: true_false\n"
        '    prompt: {fr: "Neuf ?", ar: جديد؟}\n    answer: true\n'
    )
    assert expert.post_form(QUIZ, {"yaml": changed}).status_code == 303
    person = make.user("expert", network="DMK")
    for lang, width in (("fr", 360), ("ar", 360), ("fr", 1200), ("ar", 1200)):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server.url, person.email, person.password, lang)
        page.goto(f"{live_server.url}{PAGE}")
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        assert page.locator("del.diff-block").first.is_visible()
        assert page.locator("ins.diff-block").first.is_visible()
        assert not page.locator(".md-diff").first.is_visible()  # folded in its <details>
        page.locator(".markdown-diff summary").first.click()
        assert page.locator(".md-diff ins").first.is_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (lang, width, overflow)
        screenshot(page, f"changes-{lang}-{width}")
        context.close()


def test_reordered_and_removed_questions_are_listed(api, make, expert):
    q2 = (
        "  - id: q2\n    type: true_false\n"
        '    prompt: {fr: "L\'huile se vidange ?", ar: "هل يُغيَّر الزيت؟"}\n    answer: true\n'
    )
    q3 = '  - id: q3\n    type: true_false\n    prompt: {fr: "Trois ?"}\n    answer: false\n'
    files = package_files()
    files["01-basics/quiz.yml"] = QUIZ_YAML + q2 + q3
    make.course(zipped(SLUG, files), publish=True)
    head, q1 = QUIZ_YAML.split("questions:\n")
    swapped = head + "questions:\n" + q2 + q1  # q3 gone, q2 now before q1
    assert expert.post_form(QUIZ, {"yaml": swapped}).status_code == 303
    (quiz,) = _changes(api, expert)["quizzes"]
    assert quiz["reordered"] is True and quiz["settings"] == []
    assert quiz["questions"] == [{"key": "q3", "change": "removed", "fields": []}]
    page = expert.get(PAGE).get_data(as_text=True)
    assert "Les questions sont dans un autre ordre." in page and "Trois ?" in page


def test_a_renamed_module_and_the_course_settings_are_listed(app, api, make, expert):
    make.course(publish=True)
    renamed = expert.post_form(
        f"/studio/{SLUG}/modules/basics/rename", {"lang": "fr", "title": "Les bases"}
    )
    assert renamed.status_code == 303
    with app.app_context():
        services.course_by_slug(db.session, SLUG).level = "advanced"
        db.session.commit()
    body = _changes(api, expert)
    assert body["settings"] == [{"field": "level", "old": "beginner", "new": "advanced"}]
    assert body["modules"] == [
        {
            "module": "basics",
            "change": "changed",
            "title": {"fr": "Les bases", "ar": "الأساسيات"},
            "fields": ["title"],
        }
    ]
    assert body["lessons"] == [] and body["quizzes"] == []
    page = expert.get(PAGE).get_data(as_text=True)
    assert '<del class="diff-old"><span class="diff-value" lang="fr" dir="ltr">Bases</span>' in page
    assert "advanced" in page
