"""Readers' outlines are kept in each worker's memory (authoring/published.py): a new
publication must reach every worker at once, and drafts must never leak to readers."""

from __future__ import annotations

from sqlalchemy import select

from elearn import create_app
from elearn.authoring import published
from elearn.authoring.models import Course
from elearn.extensions import db
from tests.factories import imported, package, upload
from tests.harness import Client, base_config
from tests.studiokit import publish_from_the_page

COURSE = "/courses/engine-basics"
CYCLE = COURSE + "/modules/basics/lessons/cycle"
API_CYCLE = "/api/v1" + CYCLE


def test_a_new_publication_reaches_a_worker_that_cached_the_old_one(app, api, make, database_url):
    admin = make.token(make.user("admin").email)
    trainee = make.user("trainee")
    assert imported(api, admin, package(), "?publish=true")
    # a second worker: its own process memory, the same database
    other = create_app(base_config(database_url))
    other.test_client_class = Client
    try:
        reader = other.test_client()
        reader.login(trainee.email)
        reader.post_form(COURSE + "/enrol")
        page = reader.get(CYCLE).get_data(as_text=True)
        assert "<h1" in page and "Le cycle</h1>" in page and "Quatre temps" in page
        assert 'rel="next"' in page

        # the author's draft changes nothing for readers until it is published
        edited = api.call(
            "PUT",
            API_CYCLE,
            token=admin,
            json={"lang": "fr", "title": "Le cycle à quatre temps", "markdown": "Admission."},
        )
        assert edited.status_code == 200, edited.get_json()
        assert "Le cycle</h1>" in reader.get(CYCLE).get_data(as_text=True)
        assert reader.get("/api/v1" + CYCLE + "?lang=fr").get_json()["title"] == "Le cycle"

        assert api.post("/api/v1/courses/engine-basics/submit", token=admin).status_code == 200
        published = api.post("/api/v1/courses/engine-basics/publish", token=admin)
        assert published.status_code == 200, published.get_json()
        page = reader.get(CYCLE).get_data(as_text=True)
        assert "Le cycle à quatre temps</h1>" in page and "Admission." in page
        assert "Quatre temps" not in page
        assert reader.get(API_CYCLE + "?lang=fr").get_json()["title"] == "Le cycle à quatre temps"
        course_page = reader.get(COURSE).get_data(as_text=True)
        assert "Le cycle à quatre temps" in course_page
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_lesson_taken_out_and_republished_is_gone_for_readers_who_had_it_cached(app, api, make):
    admin = make.token(make.user("admin").email)
    upload(api, admin, package(), "?publish=true")
    reader = app.test_client()
    reader.login(make.user("trainee").email)
    reader.post_form(COURSE + "/enrol")
    oil = COURSE + "/modules/basics/lessons/oil"
    assert reader.get(oil).status_code == 200
    assert 'rel="next"' in reader.get(CYCLE).get_data(as_text=True)
    studio = app.test_client()
    studio.login(make.user("admin").email)
    base = "/studio/engine-basics"
    assert studio.post_form(base + "/modules/basics/lessons/oil/archive").status_code == 303
    assert reader.get(oil).status_code == 200  # still part of the published version
    assert studio.post_form(base + "/submit").status_code == 303
    assert publish_from_the_page(studio, "engine-basics").status_code == 303
    assert reader.get(oil).status_code == 404
    assert reader.get("/api/v1" + oil).status_code == 404
    page = reader.get(CYCLE).get_data(as_text=True)
    assert 'rel="next"' not in page and 'class="quiz-link"' in page
    # nor does it count in the trainee's progress (it did: the snapshot it had was the
    # JSON document null, which "IS NOT NULL" matched)
    mine = reader.get("/api/v1/me/courses").get_json()[0]
    assert mine["total_lessons"] == 1, mine
    # nor in the outline every other reader of progress uses (dashboard, exports, API)
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "engine-basics"))
        outline = published.outline(db.session, course)
        assert [e.lesson.slug for e in outline.entries] == ["cycle"]
