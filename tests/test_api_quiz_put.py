"""``GET`` and ``PUT /api/v1/courses/{slug}/modules/{m}/quiz``: the quiz as JSON for its
authors, every problem on its path, missing translations as warnings, and nothing written
when anything is wrong."""

from __future__ import annotations

import copy

from sqlalchemy import select

from elearn.authoring.models import Course
from elearn.extensions import db
from tests.factories import imported, package, package_files, zipped
from tests.quizkit import ALL_TYPES

URL = "/api/v1/courses/engine-basics/modules/basics/quiz"


def _author(api, make):
    user = make.user("expert", network="DMK")
    token = make.token(user.email)
    imported(api, token, package())
    return token


def test_an_author_puts_a_quiz_of_every_type_and_gets_it_back(app, api, make):
    token = _author(api, make)
    saved = api.call("PUT", URL, token=token, json=ALL_TYPES)
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body.pop("warnings") == []
    assert body == ALL_TYPES
    again = api.get(URL, token=token).get_json()
    assert again.pop("warnings") == [] and again == ALL_TYPES
    with app.app_context():
        quiz = db.session.scalar(select(Course)).modules[0].quiz
        live = [q.key for q in quiz.questions if q.archived_at is None]
        assert live == [f"q{n}" for n in range(1, 8)]  # q1 of the package replaced, same key


def test_a_missing_translation_is_a_warning_and_the_quiz_saves(api, make):
    token = _author(api, make)
    data = copy.deepcopy(ALL_TYPES)
    del data["questions"][2]["prompt"]["ar"]
    saved = api.call("PUT", URL, token=token, json=data)
    assert saved.status_code == 200
    (warning,) = saved.get_json()["warnings"]
    assert warning["path"] == "questions[2].prompt.ar"
    assert api.get(URL, token=token).get_json()["questions"][2]["prompt"] == {
        "fr": "L'huile lubrifie."
    }


def test_errors_name_each_field_and_nothing_is_saved(api, make):
    token = _author(api, make)
    data = copy.deepcopy(ALL_TYPES)
    del data["questions"][0]["prompt"]["fr"]
    data["questions"][1]["choices"][0]["correct"] = "oui"
    data["pass_mark"] = 150
    refused = api.call("PUT", URL, token=token, json=data, headers={"Accept-Language": "fr"})
    assert refused.status_code == 422
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    paths = {e["path"]: e["message"] for e in refused.get_json()["errors"]}
    assert {"questions[0].prompt.fr", "questions[1].choices[0].correct", "pass_mark"} <= set(paths)
    assert "questions[0].prompt.ar" not in paths  # warnings are not errors
    before = api.get(URL, token=token).get_json()
    assert [q["id"] for q in before["questions"]] == ["q1"] and before["pass_mark"] == 70


def test_the_quiz_is_created_when_the_module_had_none(api, make):
    user = make.user("expert", network="DMK")
    token = make.token(user.email)
    files = package_files()
    del files["01-basics/quiz.yml"]
    imported(api, token, zipped("engine-basics", files))
    assert api.get(URL, token=token).status_code == 404
    saved = api.call("PUT", URL, token=token, json=ALL_TYPES)
    assert saved.status_code == 200
    assert api.get(URL, token=token).get_json()["title"] == ALL_TYPES["title"]


def test_only_authors_read_or_replace_the_quiz(api, make):
    _author(api, make)
    outsider = make.token(make.user("expert", network="AEROMAC").email)
    trainee = make.token(make.user("trainee").email)
    for token in (outsider, trainee):
        assert api.get(URL, token=token).status_code == 404
        assert api.call("PUT", URL, token=token, json=ALL_TYPES).status_code == 404
    assert api.call("PUT", URL, json=ALL_TYPES).status_code == 401
    author = make.token(make.user("expert", network="DMK").email)
    missing = URL.replace("basics/quiz", "nope/quiz")
    assert api.call("PUT", missing, token=author, json=ALL_TYPES).status_code == 404
