"""Courses through /api/v1: who sees what, import by network, reading, editing, review."""

from __future__ import annotations

import pytest

from tests.factories import PNG, imported, package, upload


@pytest.fixture
def people(make):
    return {
        "admin": make.token(make.user("admin").email),
        "dmk": make.token(make.user("expert", network="DMK").email),
        "aeromac": make.token(make.user("expert", network="AEROMAC").email),
        "trainee": make.token(make.user("trainee").email),
    }


def test_dry_run_reports_without_importing(api, people):
    response = upload(api, people["dmk"], package(extra_ar=False), "?dry_run=true")
    assert response.status_code == 200
    body = response.get_json()
    assert body["valid"] is True and body["errors"] == []
    assert any("ar" in w["message"] for w in body["warnings"])
    assert api.get("/api/v1/courses/engine-basics", token=people["dmk"]).status_code == 404


def test_an_invalid_package_is_a_422_listing_every_error(api, people):
    bad = package(network="NOPE")
    response = upload(api, people["admin"], bad)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert any(e["path"] == "course.yml" and e["line"] == 3 for e in response.get_json()["errors"])


def test_experts_import_only_for_their_network(api, people):
    assert upload(api, people["aeromac"], package()).status_code == 403
    assert upload(api, people["trainee"], package()).status_code == 403
    assert imported(api, people["dmk"], package())["status"] == "draft"
    # the AEROMAC expert can neither overwrite, edit nor export the DMK course
    assert upload(api, people["aeromac"], package()).status_code == 403
    edit = {"lang": "fr", "title": "Piraté", "markdown": "x"}
    assert (
        api.call(
            "PUT",
            "/api/v1/courses/engine-basics/modules/basics/lessons/cycle",
            token=people["aeromac"],
            json=edit,
        ).status_code
        == 404
    )
    assert (
        api.get("/api/v1/courses/engine-basics/export", token=people["aeromac"]).status_code == 404
    )


def test_trainees_see_only_what_is_published(api, people):
    upload(api, people["dmk"], package())
    assert api.get("/api/v1/courses", token=people["trainee"]).get_json()["total"] == 0
    lesson = "/api/v1/courses/engine-basics/modules/basics/lessons/cycle"
    assert api.get(lesson, token=people["trainee"]).status_code == 404
    assert api.post("/api/v1/courses/engine-basics/submit", token=people["dmk"]).status_code == 200
    assert api.post("/api/v1/courses/engine-basics/publish", token=people["dmk"]).status_code == 403
    assert (
        api.post("/api/v1/courses/engine-basics/publish", token=people["admin"]).status_code == 200
    )
    listed = api.get("/api/v1/courses?q=MOTEUR", token=people["trainee"]).get_json()
    assert [c["slug"] for c in listed["items"]] == ["engine-basics"]
    # reading needs an enrolment (idempotent: 201 then 200)
    assert api.get(lesson, token=people["trainee"]).status_code == 403
    enrol = "/api/v1/courses/engine-basics/enrolment"
    assert api.post(enrol, token=people["trainee"]).status_code == 201
    assert api.post(enrol, token=people["trainee"]).status_code == 200
    # a later draft edit stays invisible to trainees until it is published again
    api.call(
        "PUT",
        lesson,
        token=people["dmk"],
        json={"lang": "fr", "title": "Le cycle (v2)", "markdown": "Nouveau texte"},
    )
    seen = api.get(lesson + "?lang=fr", token=people["trainee"]).get_json()
    assert seen["title"] == "Le cycle" and "Quatre temps" in seen["html"]


def test_reading_in_arabic_falls_back_with_the_language_it_is_in(api, people):
    upload(api, people["admin"], package(extra_ar=False), "?publish=true")
    api.post("/api/v1/courses/engine-basics/enrolment", token=people["trainee"])
    lesson = api.get(
        "/api/v1/courses/engine-basics/modules/basics/lessons/cycle?lang=ar",
        token=people["trainee"],
    ).get_json()
    assert lesson["requested_lang"] == "ar" and lesson["lang"] == "fr"
    assert lesson["next"] == {"module": "basics", "lesson": "oil"} and lesson["previous"] is None
    assert 'src="/courses/engine-basics/media/engine.png"' in lesson["html"]
    practical = api.get(
        "/api/v1/courses/engine-basics/modules/basics/lessons/oil?lang=fr", token=people["trainee"]
    ).get_json()
    assert practical["kind"] == "practical" and practical["equipment"] == ["Jauge"]


def test_editing_sanitises_and_makes_translations_stale(api, people):
    upload(api, people["dmk"], package())
    lesson = "/api/v1/courses/engine-basics/modules/basics/lessons/cycle"
    response = api.call(
        "PUT",
        lesson,
        token=people["dmk"],
        json={
            "lang": "fr",
            "title": "Le cycle",
            "markdown": "<script>alert(1)</script>"
            "[x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        },
    )
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    board = api.get("/api/v1/courses/engine-basics/translations", token=people["dmk"]).get_json()
    states = {row["lesson"]: row["states"] for row in board["lessons"]}
    assert states["cycle"] == {"fr": "current", "ar": "stale"}
    assert states["oil"] == {"fr": "current", "ar": "current"}
    missing_media = api.call(
        "PUT",
        lesson,
        token=people["dmk"],
        json={"lang": "ar", "title": "الدورة", "markdown": "![x](media/nope.png)"},
    )
    assert missing_media.status_code == 422
    assert missing_media.get_json()["errors"][0]["path"] == "markdown"


def test_export_imports_back_to_the_same_course(api, people):
    upload(api, people["dmk"], package())
    before = api.get("/api/v1/courses/engine-basics", token=people["dmk"]).get_json()
    exported = api.get("/api/v1/courses/engine-basics/export", token=people["dmk"])
    assert exported.mimetype == "application/zip"
    assert imported(api, people["dmk"], exported.data)["warnings"] == []
    assert api.get("/api/v1/courses/engine-basics", token=people["dmk"]).get_json() == before


def test_media_are_served_only_to_readers(app, api, people, make):
    upload(api, people["dmk"], package())
    url = "/courses/engine-basics/media/engine.png"
    trainee = make.user("trainee")

    browser = app.test_client()
    browser.login(trainee.email)
    assert browser.get(url).status_code == 404  # not published yet
    upload(api, people["admin"], package(), "?publish=true")
    assert browser.get(url).status_code == 404  # published, but not enrolled
    browser.post_form("/courses/engine-basics/enrol")
    response = browser.get(url, follow_redirects=True)
    assert response.status_code == 200 and response.data == PNG
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert app.test_client().get(url).status_code == 302  # anonymous: sign in first
