"""Search inside lessons: the published text of the courses one may read, Arabic-aware like
the catalogue (one normaliser, ``core.text.fold``), the same results on SQLite (FTS5) and
PostgreSQL (GIN), highlighted excerpts, rebuilt at each publication."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from elearn.authoring.models import Course, CourseStatus
from elearn.extensions import db
from elearn.learning import search
from tests.factories import package_files, zipped

ROOT = Path(__file__).resolve().parent.parent
HEALTH = ROOT / "courses" / "health-hand-hygiene-infection"
OBD = ROOT / "courses" / "auto-obd-diagnostics"
API = "/api/v1/search/lessons"

#: A course whose texts hold every variant the search must see through.
VARIANTS = "variants"
VARIANT_FILES = {
    **package_files(VARIANTS),
    "01-basics/01-cycle.fr.md": "---\ntitle: Sécurité électrique\n---\n\n"
    "Couper le contact avant toute intervention sur le faisceau.\n",
    "01-basics/01-cycle.ar.md": "---\ntitle: إصلاح المكابح\n---\n\n"
    "يجب فحص المكابح في المستشفى قبل الصيانة الدورية، كل ٣ أشهر على الأقل.\n",
}


def cli_import(app, path: Path) -> None:
    result = app.test_cli_runner().invoke(args=["courses", "import", str(path), "--publish"])
    assert result.exit_code == 0, result.output


def found(response) -> list[tuple[str, str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return [
        (i["course"]["slug"], i["lesson"]["slug"], i["lesson"]["lang"])
        for i in response.json["items"]
    ]


@pytest.fixture
def samples(app, make):
    """The OBD and health sample courses, published by ``elearn courses import --publish``,
    and a trainee enrolled in both (token)."""
    cli_import(app, OBD)
    cli_import(app, HEALTH)
    trainee = make.user("trainee")
    make.enrol(trainee.email, OBD.name)
    make.enrol(trainee.email, HEALTH.name)
    trainee.token = make.token(trainee.email)
    return trainee


def test_can_finds_the_lesson_by_its_title(samples, signed_in):
    page = signed_in(samples.email).get("/search?q=CAN")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    first = html.index("<mark>CAN</mark>")  # title matches first, highlighted
    assert "Les protocoles de communication" in html[first - 200 : first + 200]
    assert (
        "/courses/auto-obd-diagnostics/modules/fundamentals/lessons/communication-protocols" in html
    )
    assert "Diagnostic" in html  # the course's title beside it


def test_waste_sorting_is_found_in_the_arabic_body_of_the_health_lesson(samples, api):
    answer = api.get(f"{API}?q=فرز النفايات&lang=ar", token=samples.token)
    assert found(answer) == [(HEALTH.name, "sharps-and-waste", "ar")]
    hit = answer.json["items"][0]
    assert "فرز" not in hit["lesson"]["title"].split()  # "وفرز": the match is in the body
    assert "<mark>فرز</mark>" in hit["excerpt_html"]
    assert hit["url"].endswith("/lessons/sharps-and-waste?content=ar")
    assert hit["module"]["title"] and hit["course"]["title"]


def test_the_contracts_search_names_slugs_and_highlights_the_excerpt(samples, api):
    """``GET /api/v1/search?q=`` as shared/spec/api.md gives it: ``{items: [{course,
    module, lesson, lang, excerpt}], total}``, slugs, the words found in ``<mark>``."""
    answer = api.get("/api/v1/search?q=فرز النفايات&lang=ar", token=samples.token)
    assert answer.status_code == 200, answer.get_json()
    assert answer.json["total"] == 1
    (hit,) = answer.json["items"]
    assert {k: hit[k] for k in ("course", "module", "lesson", "lang")} == {
        "course": HEALTH.name,
        "module": hit["module"],
        "lesson": "sharps-and-waste",
        "lang": "ar",
    }
    assert isinstance(hit["module"], str) and hit["module"]
    assert "<mark>فرز</mark>" in hit["excerpt"]
    empty = api.get("/api/v1/search?q=", token=samples.token)
    assert empty.status_code == 400 and empty.mimetype == "application/problem+json"


def test_the_arabic_page_is_right_to_left_with_its_excerpt(samples, signed_in):
    html = signed_in(samples.email).get("/search?q=النفايات&lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    assert '<p class="excerpt" lang="ar" dir="rtl">' in html
    assert "<mark>النفايات</mark>" in html


@pytest.mark.parametrize(
    "query",
    [
        "إصلاح",  # as written
        "اصلاح",  # alef without hamza
        "أصلاح",  # another hamza form
        "إِصْلَاح",  # diacritics
        "إصـــلاح",  # tatweel
        "الصيانه",  # ha for ta marbuta
        "المستشفي",  # ya for alef maqsura
        "3 أشهر",  # Western digit for the text's Eastern ٣
        "المكا",  # the start of a word
        "securite electrique",  # no accents
        "SÉCURITÉ",  # capitals
        "intervention faisc",  # every word, the last one begun
    ],
)
def test_variants_of_a_word_find_the_same_lesson(app, make, api, query):
    make.course(zipped(VARIANTS, VARIANT_FILES), publish=True)
    admin = make.token(make.user("admin").email)
    assert [slug for _c, slug, _l in found(api.get(f"{API}?q={query}", token=admin))] == ["cycle"]


def test_eastern_digits_in_a_query_find_western_digits(samples, api):
    western = found(api.get(f"{API}?q=ISO 9141", token=samples.token))
    assert western and found(api.get(f"{API}?q=ISO ٩١٤١", token=samples.token)) == western


def test_every_word_must_be_there(app, make, api):
    make.course(zipped(VARIANTS, VARIANT_FILES), publish=True)
    admin = make.token(make.user("admin").email)
    assert found(api.get(f"{API}?q=faisceau absent", token=admin)) == []
    assert found(api.get(f"{API}?q=faisceau", token=admin)) == [(VARIANTS, "cycle", "fr")]


def test_unpublished_drafts_and_courses_one_cannot_read_never_appear(app, make, api):
    # published in DMK: its own word in a lesson
    files = {
        **package_files("brakes-live"),
        "01-basics/02-oil.fr.md": "---\ntitle: Huile\n---\n\nmotlive\n",
    }
    make.course(zipped("brakes-live", files), publish=True)
    # a draft of DMK, never published
    draft = {
        **package_files("brakes-draft"),
        "01-basics/02-oil.fr.md": "---\ntitle: Huile\n---\n\nmotdraft\n",
    }
    make.course(zipped("brakes-draft", draft))
    # published in AEROMAC
    other = {
        **package_files("wings", "AEROMAC"),
        "01-basics/02-oil.fr.md": "---\ntitle: Huile\n---\n\nmotwings\n",
    }
    make.course(zipped("wings", other), publish=True)
    enrolled = make.user("trainee")
    make.enrol(enrolled.email, "brakes-live")
    people = {
        "enrolled": make.token(enrolled.email),
        "stranger": make.token(make.user("trainee").email),
        "dmk": make.token(make.user("expert", network="DMK").email),
        "aeromac": make.token(make.user("expert", network="AEROMAC").email),
        "admin": make.token(make.user("admin").email),
    }
    seen = {
        who: {
            word: bool(found(api.get(f"{API}?q={word}", token=token)))
            for word in ("motlive", "motdraft", "motwings")
        }
        for who, token in people.items()
    }
    assert seen == {
        "enrolled": {"motlive": True, "motdraft": False, "motwings": False},
        "stranger": {"motlive": False, "motdraft": False, "motwings": False},
        "dmk": {"motlive": True, "motdraft": False, "motwings": False},
        "aeromac": {"motlive": False, "motdraft": False, "motwings": True},
        "admin": {"motlive": True, "motdraft": False, "motwings": True},
    }


def test_a_trainer_searches_the_courses_of_their_cohorts(app, make, api):
    make.course(zipped(VARIANTS, VARIANT_FILES), publish=True)
    trainer = make.user("trainer")
    make.cohort(courses=[VARIANTS], trainers=[trainer.email])
    assert found(api.get(f"{API}?q=faisceau", token=make.token(trainer.email)))
    elsewhere = make.user("trainer", centre="KENITRA")  # no cohort of theirs follows it
    assert not found(api.get(f"{API}?q=faisceau", token=make.token(elsewhere.email)))


def test_the_index_follows_publications_not_the_working_copy(app, make, api):
    make.course(zipped(VARIANTS, VARIANT_FILES), publish=True)
    admin = make.token(make.user("admin").email)
    changed = {
        **VARIANT_FILES,
        "01-basics/01-cycle.fr.md": "---\ntitle: Sécurité électrique\n---\n\nmotnouveau\n",
    }
    make.course(zipped(VARIANTS, changed))  # the working copy only
    assert found(api.get(f"{API}?q=motnouveau", token=admin)) == []
    assert found(api.get(f"{API}?q=faisceau", token=admin)) == [(VARIANTS, "cycle", "fr")]
    make.course(zipped(VARIANTS, changed), publish=True)
    assert found(api.get(f"{API}?q=motnouveau", token=admin)) == [(VARIANTS, "cycle", "fr")]
    assert found(api.get(f"{API}?q=faisceau", token=admin)) == []
    with app.app_context():  # one entry per published language version, nothing stale
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(search.LessonSearchEntry))
        assert rows == 4
        if db.engine.dialect.name == "sqlite":
            fts = db.session.execute(
                sa.text(
                    "SELECT count(*) FROM lesson_search_fts "
                    "WHERE lesson_search_fts MATCH 'faisceau'"
                )
            ).scalar()
            assert fts == 0


#: What the sample courses answer, on SQLite and on PostgreSQL alike (each backend's run
#: compares with the same list): order included.
EXPECTED = {
    "CAN": [  # the reader's language first, the title's matches first
        (OBD.name, "communication-protocols", "fr"),
        (OBD.name, "connector-pinout", "fr"),
    ],
    "فرز": [(HEALTH.name, "sharps-and-waste", "ar")],
    "hygiène mains": [
        (HEALTH.name, "five-moments", "fr"),
    ],
}


def test_the_same_results_on_both_databases(samples, api, backend):
    seen = {}
    for query in EXPECTED:
        items = found(api.get(f"{API}?q={query}&per_page=200", token=samples.token))
        seen[query] = items[: len(EXPECTED[query])]
    assert seen == EXPECTED, backend
    totals = {
        q: api.get(f"{API}?q={q}", token=samples.token).json["total"]
        for q in ("CAN", "protoc", "ISO 9141")
    }
    assert totals == {"CAN": 8, "protoc": 6, "ISO 9141": 4}, backend


def test_excerpts_escape_the_lesson_text_and_mark_only_the_words():
    query = search.parse("can")
    text = 'Le bus <script>alert("CAN")</script> & le CANAL, puis CAN.'
    assert str(search.highlight(text, query)) == (
        "Le bus &lt;script&gt;alert(&#34;<mark>CAN</mark>&#34;)&lt;/script&gt; &amp; le "
        "<mark>CANAL</mark>, puis <mark>CAN</mark>."
    )
    exact = search.parse("can bus")  # "can" is no longer the last word: no prefix
    assert "<mark>CANAL</mark>" not in str(search.highlight(text, exact))


def test_a_lesson_written_with_html_is_shown_escaped(app, make, api):
    files = {
        **package_files("xss-course"),
        "01-basics/02-oil.fr.md": "---\ntitle: Huile <b>grasse</b>\n---\n\n"
        "Le code `<img src=x onerror=alert(1)>` marque la jauge.\n",
    }
    make.course(zipped("xss-course", files), publish=True)
    admin = make.user("admin")
    hit = api.get(f"{API}?q=jauge", token=make.token(admin.email)).json["items"][0]
    assert "<img" not in hit["excerpt_html"] and "&lt;img src=x" in hit["excerpt_html"]
    assert "<mark>jauge</mark>" in hit["excerpt_html"]
    assert "<b>" not in hit["title_html"]


def test_plain_text_is_stored_once_without_tags():
    assert search.plain_text("<h1>Titre</h1><p>Un <strong>C</strong>AN &amp; <em>bus</em></p>") == (
        "Titre Un CAN & bus"
    )
    assert search.words("L'hygiène, c'est ça : ٣ fois") == [
        "l",
        "hygiene",
        "c",
        "est",
        "ca",
        "3",
        "fois",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Tapez un ou plusieurs mots"),
        ("   ", "Tapez un ou plusieurs mots"),
        ('"*"', "Tapez un ou plusieurs mots"),
        ("a", "au moins 2 lettres"),
        ("a b c", "au moins 2 lettres"),
        ("x" * 201, "200 caractères au plus"),
        (" ".join(f"w{i}" for i in range(11)), "10 mots au plus"),
    ],
)
def test_empty_and_too_short_queries_say_what_to_type(as_trainee, api, make, query, message):
    page = as_trainee.get("/search", query_string={"q": query})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    answer = api.get(API, query_string={"q": query}, token=make.token(as_trainee.user.email))
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert answer.json["errors"][0]["path"] == "q"
    assert message in answer.json["errors"][0]["message"]


def test_the_page_before_any_search_and_its_arabic_version(as_trainee):
    page = as_trainee.get("/search")
    assert page.status_code == 200
    assert 'name="q"' in page.get_data(as_text=True)
    arabic = as_trainee.get("/search?q=&lang=ar")
    assert arabic.status_code == 400
    html = arabic.get_data(as_text=True)
    assert 'dir="rtl"' in html and "يُرجى كتابة كلمة أو أكثر" in html


def test_nobody_signed_out_searches(client, api):
    assert client.get("/search?q=CAN").status_code == 302
    assert api.get(f"{API}?q=CAN").status_code == 401


def test_results_are_paginated(samples, api, signed_in):
    first = api.get(f"{API}?q=CAN&per_page=3", token=samples.token).json
    second = api.get(f"{API}?q=CAN&per_page=3&page=2", token=samples.token).json
    assert first["total"] == second["total"] == 8
    assert len(first["items"]) == len(second["items"]) == 3
    assert not {i["url"] for i in first["items"]} & {i["url"] for i in second["items"]}
    html = signed_in(samples.email).get("/search?q=protocole&language=fr").get_data(as_text=True)
    assert "<mark>" in html
    only_ar = found(api.get(f"{API}?q=CAN&language=ar&per_page=50", token=samples.token))
    assert only_ar and {lang for _c, _s, lang in only_ar} == {"ar"}


def test_statements_do_not_grow_with_the_results(samples, signed_in, queries):
    browser = signed_in(samples.email)
    with queries() as few:
        assert browser.get("/search?q=KWP2000").status_code == 200
    with queries() as many:
        assert browser.get("/search?q=CAN").status_code == 200
    assert len(many) == len(few) <= 6, many


def test_the_catalogue_and_every_page_offer_the_lesson_search(as_trainee):
    html = as_trainee.get("/courses?q=frein").get_data(as_text=True)
    assert 'formaction="/search"' in html  # the catalogue's form, sent to the lesson search
    assert '<form class="site-search" role="search" method="get" action="/search">' in html


def test_reindex_rebuilds_everything(app, samples, api):
    with app.app_context():
        db.session.execute(sa.delete(search.LessonSearchEntry))
        db.session.commit()
    assert found(api.get(f"{API}?q=CAN", token=samples.token)) == []
    with app.app_context():  # a title folded before fold() knew Eastern digits
        course = db.session.scalar(sa.select(Course).where(Course.slug == HEALTH.name))
        course.search_text = "دورة ٣"
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["courses", "reindex"])
    assert result.exit_code == 0, result.output
    assert "2" in result.output
    assert found(api.get(f"{API}?q=CAN", token=samples.token))
    with app.app_context():
        course = db.session.scalar(sa.select(Course).where(Course.slug == HEALTH.name))
        assert "٣" not in course.search_text and "hygiene" in course.search_text


def test_the_database_answers_from_its_full_text_index(app, samples):
    """The GIN index on PostgreSQL, the FTS5 table on SQLite: no scan of every text."""
    with app.app_context():
        where = search.matching(db.session, search.parse("protocole can"))
        stmt = sa.select(search.LessonSearchEntry.id).where(where)
        sql = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
            plan = db.session.execute(sa.text(f"EXPLAIN {sql}")).scalars().all()
            assert any(search.PG_INDEX in line for line in plan), plan
        else:
            plan = db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")).all()
            assert any("VIRTUAL TABLE INDEX" in row[-1] for row in plan), plan
        db.session.rollback()


def test_a_course_no_longer_live_or_deleted_leaves_the_search(app, make, api):
    course = make.course(zipped(VARIANTS, VARIANT_FILES), publish=True)
    admin = make.token(make.user("admin").email)
    assert found(api.get(f"{API}?q=faisceau", token=admin))
    with app.app_context():
        row = db.session.get(Course, course.id)
        row.status = CourseStatus.ARCHIVED  # not live: never shown, whatever the index holds
        db.session.commit()
        assert found(api.get(f"{API}?q=faisceau", token=admin)) == []
        assert search.index_course(db.session, row) == 0  # and its entries go
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(search.LessonSearchEntry.id))) == 0
        row.status = CourseStatus.PUBLISHED
        assert search.index_course(db.session, row) == 4
        db.session.commit()
        db.session.delete(row)  # its entries go with it (ON DELETE CASCADE, FTS5 triggers)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(search.LessonSearchEntry.id))) == 0
        if db.engine.dialect.name == "sqlite":
            left = "SELECT count(*) FROM lesson_search_fts WHERE lesson_search_fts MATCH 'faisceau'"
            assert db.session.execute(sa.text(left)).scalar() == 0
