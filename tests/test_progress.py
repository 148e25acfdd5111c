"""Progress: a completion once per lesson, course percent, where to continue, whatever the
language the trainee reads in."""

from __future__ import annotations

from sqlalchemy import func, select

from elearn import create_app
from elearn.extensions import db
from elearn.learning.models import LessonCompletion
from tests.factories import package, upload
from tests.harness import Client, base_config, count_queries

LESSON = "/api/v1/courses/engine-basics/modules/basics/lessons/{}"


def setup_course(api, make):
    admin = make.token(make.user("admin").email)
    trainee = make.token(make.user("trainee", locale="ar").email)
    upload(api, admin, package(), "?publish=true")
    return admin, trainee


def test_completion_is_recorded_once_and_moves_the_percent(app, api, make):
    _admin, trainee = setup_course(api, make)
    complete = LESSON.format("cycle") + "/complete"
    assert api.post(complete, token=trainee).status_code == 403  # enrol first
    api.post("/api/v1/courses/engine-basics/enrolment", token=trainee)
    answers = [api.post(complete, token=trainee).get_json() for _ in range(3)]
    # two lessons and a quiz to pass: one lesson read is a third of the way
    assert answers == [{"course_progress_percent": 33}] * 3
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LessonCompletion)) == 1
    mine = api.get("/api/v1/me/courses", token=trainee).get_json()
    assert mine == [
        {
            "slug": "engine-basics",
            "title": {"fr": "Moteur", "ar": "المحرك"},
            "progress_percent": 33,
            "completed_lessons": 1,
            "total_lessons": 2,
            "next_lesson": {"module": "basics", "lesson": "oil"},
            "quizzes": [
                {"module": "basics", "best_percent": None, "passed": False, "attempts_used": 0}
            ],
            "completed": False,
            "certificate": None,
        }
    ]
    # reading in French after Arabic changes nothing: progress belongs to the lesson
    in_french = api.get(LESSON.format("cycle") + "?lang=fr", token=trainee).get_json()
    assert in_french["lang"] == "fr" and in_french["completed"] is True
    assert api.get(LESSON.format("oil"), token=trainee).get_json()["completed"] is False
    last = api.post(LESSON.format("oil") + "/complete", token=trainee).get_json()
    assert last == {"course_progress_percent": 67}  # the quiz is still to pass
    mine = api.get("/api/v1/me/courses", token=trainee).get_json()[0]
    assert mine["next_lesson"] is None and mine["completed"] is False


def test_pages_mark_complete_go_on_and_my_learning_continues(app, api, make, queries):

    setup_course(api, make)
    trainee = make.user("trainee")
    browser = app.test_client()
    browser.login(trainee.email)
    browser.post_form("/courses/engine-basics/enrol")
    lesson = "/courses/engine-basics/modules/basics/lessons/cycle"
    page = browser.get(lesson).get_data(as_text=True)
    assert 'action="' + lesson + '/complete"' in page
    also = page.split('class="lesson-langs', 1)[1].split("</p>", 1)[0]  # the other version
    assert 'href="' + lesson + '?content=ar"' in also and "العربية" in also
    moved = browser.post_form(lesson + "/complete")
    assert moved.headers["Location"] == "/courses/engine-basics/modules/basics/lessons/oil"
    with queries() as reading:
        assert 'class="badge done"' in browser.get(lesson).get_data(as_text=True)
    # who (with roles), the course row, enrolled-and-read, the quiz results (the course
    # progress shown beside the module's outline), the lesson's HTML
    assert len([q for q in reading if not q.startswith("BEGIN")]) == 5, reading
    page = browser.get("/my/learning").get_data(as_text=True)
    assert 'value="33"' in page and "/modules/basics/lessons/oil" in page
    with queries() as one_course:
        browser.get("/my/learning")
    upload_more(api, make)
    browser.post_form("/courses/engine-basics-2/enrol")
    with queries() as two_courses:
        browser.get("/my/learning")
    assert len(one_course) == len(two_courses)  # no query per course


def upload_more(api, make):
    admin = make.token(make.user("admin").email)
    upload(api, admin, package(slug="engine-basics-2"), "?publish=true")


def test_catalogue_filters_and_folded_search(app, api, make):

    admin = make.token(make.user("admin").email)
    upload(api, admin, package(), "?publish=true")
    browser = app.test_client()
    browser.login(make.user("trainee").email)

    def slugs(query):
        html = browser.get("/courses?" + query).get_data(as_text=True)
        return "/courses/engine-basics" in html

    assert slugs("q=moteur") and slugs("q=MOTEUR") and slugs("q=المحرك")
    assert slugs("q=المحرّك")  # a diacritic the title does not have
    assert not slugs("q=aviation")
    assert slugs("domain=automotive") and not slugs("domain=health")
    assert slugs("network=dmk") and not slugs("network=AEROMAC")
    assert slugs("level=beginner") and not slugs("level=advanced")
    assert slugs("language=ar") and not slugs("language=en")
    assert browser.get("/courses?level=%27%20OR%201=1--&q=%25").status_code == 200


def test_a_new_worker_builds_the_outlines_my_learning_needs_in_one_go(app, api, make, database_url):
    """A worker that has no outline in memory yet (just started, or the course was
    published again) reads every course's structure in the same few queries, whatever the
    number of courses on the page."""
    setup_course(api, make)
    upload_more(api, make)
    one, two = make.user("trainee"), make.user("trainee")
    for trainee, slugs in ((one, ["engine-basics"]), (two, ["engine-basics", "engine-basics-2"])):
        token = make.token(trainee.email)
        for slug in slugs:
            assert api.post(f"/api/v1/courses/{slug}/enrolment", token=token).status_code < 300

    def first_page(trainee) -> tuple[str, int]:
        worker = create_app(base_config(database_url))
        worker.test_client_class = Client
        try:
            browser = worker.test_client()
            browser.login(trainee.email)
            with count_queries(worker) as sent:
                page = browser.get("/my/learning").get_data(as_text=True)
            return page, len(sent)
        finally:
            with worker.app_context():
                db.session.remove()
                db.engine.dispose()

    page_one, cold_one = first_page(one)
    page_two, cold_two = first_page(two)
    assert page_one.count('value="0"') == 1 and page_two.count('value="0"') == 2
    assert cold_one == cold_two
