"""The course outline in the Studio: identifiers made from titles, lessons moved between
modules (trainees see it at the next publication, their progress kept), reordering that
names what it moves, and the whole course previewed as a trainee would see it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from elearn.authoring import published
from elearn.authoring.models import Course, Lesson, LessonContent, LessonRevision, Module
from elearn.cohorts import dashboard
from elearn.cohorts.models import Cohort
from elearn.core.db import utcnow
from elearn.core.text import ascii_slug
from elearn.extensions import db
from elearn.learning.models import LessonCompletion
from tests.studiokit import publish_from_the_page

BASE = "/studio/engine-basics"
COURSE = "/courses/engine-basics"


# -- identifiers from titles (pure) -------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Diagnostic des pannes", "diagnostic-des-pannes"),
        ("Électricité : l'alternateur", "electricite-l-alternateur"),
        ("Œil et cœur", "oeil-et-coeur"),
        ("تشخيص الأعطال", "tshkhis-al-atal"),
        ("وحدة الصيانة", "whda-al-siana"),
        ("مُحَرِّك", "mhrk"),  # the vowel marks go
        ("الدرس ٣", "al-drs-3"),  # Eastern Arabic digits
        ("Freins ABS — الفرامل", "freins-abs-al-framl"),
    ],
)
def test_identifiers_are_read_off_french_and_arabic_titles(title, slug):
    assert ascii_slug(title, "module") == slug


def test_an_identifier_is_never_empty_nor_too_long():
    assert ascii_slug("🔧 ⚙️", "lesson") == "lesson"
    assert ascii_slug("", "module") == "module"
    long = ascii_slug("moteur " * 30, "module")
    assert len(long) <= 48 and long.endswith("moteur")  # cut between words
    assert len(ascii_slug("a" * 200, "module")) == 48


# -- adding by title ----------------------------------------------------------------------


@pytest.fixture
def course(make):
    return make.course()


@pytest.fixture
def expert(app, make, course):
    client = app.test_client()
    assert client.login(make.user("expert", network="DMK").email).status_code == 303
    return client


def _module_slugs(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Module.slug).order_by(Module.position)))


def test_a_module_needs_only_its_title_and_gets_a_unique_identifier(app, expert):
    for title in ("Freins", "Freins", "New", "Bases"):
        assert expert.post_form(BASE + "/modules", {"title": title}).status_code == 303
    # "new" is one of the Studio's own addresses; "basics" was taken, "bases" is not
    assert _module_slugs(app) == ["basics", "freins", "freins-2", "new-2", "bases"]
    page = expert.get(BASE).get_data(as_text=True)
    assert "<summary>Réglages avancés</summary>" in page  # the identifier stays, optional
    assert '<input id="ms" name="slug" type="text" dir="ltr" pattern="[a-z0-9-]+"' in page


def test_a_typed_identifier_is_kept_and_checked_as_before(app, expert):
    ok = expert.post_form(BASE + "/modules", {"title": "Freins", "slug": "brakes"})
    assert ok.status_code == 303
    refused = expert.post_form(BASE + "/modules", {"title": "Autre", "slug": "Bad Slug!"})
    assert refused.headers["Location"].endswith("#add-module")
    taken = expert.post_form(BASE + "/modules", {"title": "Autre", "slug": "brakes"})
    page = expert.get(taken.headers["Location"]).get_data(as_text=True)
    assert "Cet identifiant est déjà utilisé ici." in page
    assert _module_slugs(app) == ["basics", "brakes"]


def test_the_other_language_title_is_optional_and_kept(app, expert):
    expert.post_form(BASE + "/modules", {"title": "Freins", "title_ar": "الفرامل"})
    added = expert.post_form(
        BASE + "/modules/freins/lessons",
        {"title": "Plaquettes", "title_ar": "الوسادات", "kind": "practical"},
    )
    assert added.headers["Location"].endswith("/modules/freins/lessons/plaquettes/edit")
    expert.post_form(BASE + "/modules/freins/lessons", {"title": "Disques", "title_ar": ""})
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "freins"))
        assert module.title == {"fr": "Freins", "ar": "الفرامل"}
        pads, discs = sorted(module.lessons, key=lambda x: x.position)
        assert {c.lang: c.title for c in pads.contents} == {"fr": "Plaquettes", "ar": "الوسادات"}
        assert [c.lang for c in discs.contents] == ["fr"]
    board = expert.get(BASE + "/translations").get_data(as_text=True)
    assert "state-missing" in board  # a title alone is not a translation


def test_an_arabic_course_gets_latin_identifiers(app, make):
    client = app.test_client()
    client.login(make.user("expert", network="DMK").email)
    created = client.post_form(
        "/studio/new",
        {
            "title": "الميكانيك",
            "slug": "mecanique",
            "network": "DMK",
            "domain": "automotive",
            "source": "ar",
            "languages": ["ar", "fr"],
        },
    )
    assert created.headers["Location"].endswith("/studio/mecanique#add-module")
    landing = client.get("/studio/mecanique").get_data(as_text=True)
    assert '<details class="add-module" id="add-module" open>' in landing  # nothing yet
    assert 'name="title" type="text" lang="ar" dir="rtl" required' in landing
    client.post_form("/studio/mecanique/modules", {"title": "تشخيص الأعطال"})
    client.post_form("/studio/mecanique/modules/tshkhis-al-atal/lessons", {"title": "🔧"})
    with app.app_context():
        lesson = db.session.scalar(select(Lesson))
        assert (lesson.module.slug, lesson.slug) == ("tshkhis-al-atal", "lesson")
        assert lesson.module.title == {"ar": "تشخيص الأعطال"}


def test_the_settings_page_leads_to_the_outline_and_the_preview(expert):
    page = expert.get(BASE + "/settings").get_data(as_text=True)
    assert f'href="{BASE}#outline"' in page and f'href="{BASE}/preview"' in page


# -- moving a lesson to another module ----------------------------------------------------


def _publish(app, make, expert):
    assert expert.post_form(BASE + "/submit").status_code == 303
    admin = app.test_client()
    admin.login(make.user("admin").email)
    assert publish_from_the_page(admin, "engine-basics").status_code == 303


def _positions(app) -> dict[str, list[tuple[str, int]]]:
    with app.app_context():
        rows = db.session.execute(
            select(Module.slug, Lesson.slug, Lesson.position)
            .join(Lesson.module)
            .order_by(Module.slug, Lesson.position)
        ).all()
    found: dict[str, list] = {}
    for module, lesson, position in rows:
        found.setdefault(module, []).append((lesson, position))
    return found


def _grid(app, cohort_id: int) -> list[tuple[str, int, int]]:
    """The trainer's grid for the one trainee: (module, lessons, read) per column."""
    with app.app_context():
        course = db.session.scalar(select(Course))
        _columns, rows = dashboard.grid(
            db.session, db.session.get(Cohort, cohort_id), course, now=utcnow()
        )
        return [(cell.slug, cell.lessons, cell.done) for cell in rows[0].cells]


def test_a_moved_lesson_reaches_trainees_at_the_next_publication_with_their_progress(
    app, make, expert
):
    _publish(app, make, expert)
    reader = make.user("trainee")
    cohort = make.cohort(courses=["engine-basics"], members=[reader.email])
    trainee = app.test_client()
    trainee.login(reader.email)
    assert trainee.post_form(COURSE + "/modules/basics/lessons/oil/complete").status_code == 303
    assert _grid(app, cohort.id) == [("basics", 2, 1)]
    with app.app_context():
        oil_id = db.session.scalar(select(Lesson.id).where(Lesson.slug == "oil"))
        revisions = db.session.scalar(
            select(func.count()).where(LessonRevision.lesson_id == oil_id)
        )

    expert.post_form(BASE + "/modules", {"title": "Entretien"})
    expert.post_form(BASE + "/modules/entretien/lessons", {"title": "Oil", "slug": "oil"})
    moved = expert.post_form(BASE + "/modules/basics/lessons/oil/move", {"module": "entretien"})
    assert moved.headers["Location"].endswith(f"{BASE}#lesson-{oil_id}")
    told = expert.get(moved.headers["Location"]).get_data(as_text=True)
    assert "une fois le cours publié à nouveau" in told
    assert expert.get(BASE + "/modules/entretien/lessons/oil-2/edit").status_code == 200
    assert expert.get(BASE + "/modules/basics/lessons/oil/edit").status_code == 404
    # the same row, renamed in its new module (the name was taken), positions contiguous
    assert _positions(app) == {
        "basics": [("cycle", 1)],
        "entretien": [("oil", 1), ("oil-2", 2)],
    }
    with app.app_context():
        lesson = db.session.get(Lesson, oil_id)
        assert (lesson.module.slug, lesson.slug) == ("entretien", "oil-2")
        assert (
            db.session.scalar(select(func.count()).where(LessonRevision.lesson_id == oil_id))
            == revisions
        )

    # until it is published again, trainees read the outline they had
    outline = trainee.get(COURSE).get_data(as_text=True)
    assert f"{COURSE}/modules/basics/lessons/oil" in outline and "oil-2" not in outline
    assert "Entretien" not in outline
    assert trainee.get(COURSE + "/modules/basics/lessons/oil").status_code == 200
    assert trainee.get(COURSE + "/modules/entretien/lessons/oil-2").status_code == 404
    me = trainee.get("/api/v1/me/courses").get_json()[0]
    assert (me["completed_lessons"], me["total_lessons"]) == (1, 2)
    assert _grid(app, cohort.id) == [("basics", 2, 1)]  # the trainer's grid too

    _publish(app, make, expert)
    outline = trainee.get(COURSE).get_data(as_text=True)
    assert f"{COURSE}/modules/entretien/lessons/oil-2" in outline
    assert f"{COURSE}/modules/basics/lessons/oil" not in outline
    assert trainee.get(COURSE + "/modules/basics/lessons/oil").status_code == 404
    assert trainee.get(COURSE + "/modules/entretien/lessons/oil-2").status_code == 200
    me = trainee.get("/api/v1/me/courses").get_json()[0]
    assert (me["completed_lessons"], me["total_lessons"]) == (1, 3)  # still read
    assert _grid(app, cohort.id) == [("basics", 1, 0), ("entretien", 2, 1)]
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).where(LessonCompletion.lesson_id == oil_id)) == 1
        )


def test_a_move_to_no_other_live_module_is_refused_with_a_message(app, expert):
    expert.post_form(BASE + "/modules", {"title": "Entretien"})
    expert.post_form(BASE + "/modules/entretien/archive")
    for target in ("basics", "entretien", "nowhere", ""):
        refused = expert.post_form(BASE + "/modules/basics/lessons/oil/move", {"module": target})
        assert refused.status_code == 303
        page = expert.get(refused.headers["Location"]).get_data(as_text=True)
        assert "Choisissez un autre module de ce cours." in page
    assert _positions(app)["basics"] == [("cycle", 1), ("oil", 2)]
    assert expert.post_form(BASE + "/modules/basics/move", {"module": "x"}).status_code == 404


def test_each_lesson_offers_the_other_live_modules(expert):
    page = expert.get(BASE).get_data(as_text=True)
    assert 'class="inline move-lesson"' not in page  # one module: nowhere to go
    expert.post_form(BASE + "/modules", {"title": "Entretien"})
    page = expert.get(BASE).get_data(as_text=True)
    form = page[page.index('action="/studio/engine-basics/modules/basics/lessons/cycle/move"') :]
    form = form[: form.index("</form>")]
    assert '<option value="entretien">Entretien</option>' in form
    assert 'value="basics"' not in form
    assert "Module où déplacer «\u00a0Le cycle\u00a0»</span></label>" in form


# -- reordering with the keyboard ---------------------------------------------------------


def test_reorder_buttons_name_their_item_and_bring_the_focus_back(app, expert):
    page = expert.get(BASE).get_data(as_text=True)
    with app.app_context():
        ids = dict(db.session.execute(select(Lesson.slug, Lesson.id)).all())
        module_id = db.session.scalar(select(Module.id))
    oil = ids["oil"]
    assert (
        f'id="lesson-{oil}-up" aria-label="Monter «\u00a0L&#39;huile\u00a0»">Monter</button>'
        in page
    )
    assert f'id="lesson-{oil}-down" aria-label="Descendre «\u00a0L&#39;huile\u00a0»">' in page
    assert f'id="module-{module_id}-up" aria-label="Monter «\u00a0Bases\u00a0»">' in page
    assert f'<li class="" id="lesson-{oil}" tabindex="-1">' in page
    assert "js/outline.js" in page
    moved = expert.post_form(BASE + "/modules/basics/lessons/oil/up")
    assert moved.headers["Location"].endswith(f"#lesson-{oil}-up")
    assert _positions(app)["basics"] == [("oil", 1), ("cycle", 2)]
    down = expert.post_form(BASE + "/modules/basics/down")
    assert down.headers["Location"].endswith(f"#module-{module_id}-down")


def test_the_arabic_studio_names_items_in_arabic(app, make, course):
    client = app.test_client()
    client.login(make.user("expert", network="DMK", locale="ar").email)
    page = client.get(BASE).get_data(as_text=True)
    assert 'dir="rtl"' in page
    assert 'aria-label="نقل «⁨الأساسيات⁩» إلى الأعلى">نقل إلى الأعلى</button>' in page


def test_the_course_page_and_preview_cost_the_same_statements_for_2_or_12_lessons(
    app, expert, queries
):
    def cost(url: str) -> int:
        with queries() as statements:
            assert expert.get(url).status_code == 200
        return len(statements)

    expert.post_form(BASE + "/modules", {"title": "Entretien"})
    few = cost(BASE), cost(BASE + "/preview?content=ar")
    for n in range(10):
        module = "basics" if n % 2 else "entretien"
        expert.post_form(BASE + f"/modules/{module}/lessons", {"title": f"Leçon {n}"})
    assert (cost(BASE), cost(BASE + "/preview?content=ar")) == few


# -- the whole course previewed -----------------------------------------------------------


def test_the_preview_shows_the_draft_outline_with_lessons_and_quizzes(app, expert):
    expert.post_form(BASE + "/modules", {"title": "Entretien", "title_ar": "الصيانة"})
    expert.post_form(BASE + "/modules/entretien/lessons", {"title": "Vidange"})
    page = expert.get(BASE + "/preview").get_data(as_text=True)
    assert "Aperçu — non publié" in page
    assert f'href="{BASE}/preview/entretien/vidange?content=fr"' in page
    assert f'href="{BASE}/preview/basics/cycle?content=fr"' in page
    assert '<span lang="fr" dir="ltr">Quiz</span> — 1 question</p>' in page
    assert page.index("Bases") < page.index("Entretien")
    arabic = expert.get(BASE + "/preview?content=ar").get_data(as_text=True)
    assert '<h3><span lang="ar" dir="rtl">الصيانة</span></h3>' in arabic
    assert '<h1><span lang="ar" dir="rtl">المحرك</span></h1>' in arabic
    assert f'href="{BASE}/preview/basics/cycle?content=ar" lang="ar" dir="rtl">الدورة</a>' in arabic
    # no Arabic text yet for the new lesson: its French title, marked as French
    assert 'lang="fr" dir="ltr">Vidange</a>' in arabic
    assert expert.get(f"{BASE}/preview/entretien/vidange?content=fr").status_code == 200
    # linked from the course page
    assert f'href="{BASE}/preview"' in expert.get(BASE).get_data(as_text=True)


def test_only_the_course_authors_open_the_preview(app, make, course):
    def status(user) -> int:
        client = app.test_client()
        client.login(user.email)
        return client.get(BASE + "/preview").status_code

    assert status(make.user("expert", network="DMK")) == 200
    assert status(make.user("admin")) == 200
    assert status(make.user("expert", network="AEROMAC")) == 404
    assert status(make.user("trainee")) == 403
    assert status(make.user("trainer")) == 403


def test_the_preview_writes_nothing(app, expert):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(LessonContent))
    expert.get(BASE + "/preview?content=ar")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LessonContent)) == before


def test_snapshots_published_before_moves_were_recorded_still_place_their_lessons(app, make):
    """Lessons published before snapshots named their module sit where their row is."""
    make.course(publish=True)
    with app.app_context():
        before = published.build(db.session, [db.session.scalar(select(Course.id))])
        for lesson in db.session.scalars(select(Lesson)):
            assert {"module_id", "slug"} <= set(lesson.published)
            lesson.published = {
                k: v for k, v in lesson.published.items() if k not in ("module_id", "slug")
            }
        db.session.commit()
        course_id = db.session.scalar(select(Course.id))
        after = published.build(db.session, [course_id])[course_id]
        old = before[course_id]
        assert (
            [(e.module.slug, e.lesson.slug) for e in after.entries]
            == [(e.module.slug, e.lesson.slug) for e in old.entries]
            == [("basics", "cycle"), ("basics", "oil")]
        )


def test_a_move_during_review_is_a_change_to_review_again(app, make, expert):
    expert.post_form(BASE + "/modules", {"title": "Entretien"})
    assert expert.post_form(BASE + "/submit").status_code == 303
    expert.post_form(BASE + "/modules/basics/lessons/oil/move", {"module": "entretien"})
    page = expert.get(BASE).get_data(as_text=True)
    assert "data-changed-since-submission" in page
