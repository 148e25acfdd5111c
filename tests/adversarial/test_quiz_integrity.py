"""Quiz integrity: the answers stay secret, the server grades once, on its own clock.

Cases (security-cases.md) and where each is covered:

- T22 nothing of the answers in the attempt JSON or the quiz HTML:
  tests/test_quizzes.py::test_an_attempt_shows_questions_and_never_an_answer (API, secret
  markers, no author choice ids) and ::test_the_quiz_pages_work_without_javascript (the
  attempt page). Added: ``test_nothing_about_the_answers_is_readable_before_submission``
  (every GET route and API endpoint a trainee can reach, page and JSON).
- T23 parallel starts against the attempt limit: tests/test_quiz_concurrency.py::
  test_twenty_simultaneous_starts_open_one_attempt and
  ::test_twenty_racing_trainees_never_exceed_the_attempt_limit; a limit that cannot be
  raised from outside: tests/adversarial/test_escalation.py::
  test_there_is_no_way_to_override_a_quiz_or_a_grade.
- T24 parallel submissions: tests/test_quiz_concurrency.py::
  test_twenty_simultaneous_submissions_are_graded_once.
- T25 writing after submission: tests/test_quizzes.py::
  test_a_perfect_submission_scores_everything_with_feedback (a second submit is 409).
  Added: ``test_a_graded_attempt_cannot_be_rewritten`` (score and passed in the body, new
  answers by API and by form, before and after submission).
- T26 the clock: tests/test_quizzes.py::test_the_clock_is_the_servers (late answers do not
  count, API). Added: ``test_the_client_cannot_move_the_clock`` (started_at, expires_at,
  elapsed sent by the client, on the API and the form).
- T27 answers to questions that are not this attempt's:
  tests/test_quizzes.py::test_malformed_answers_are_refused_with_the_question_named (an
  unknown id and an unknown choice, when saving). Added:
  ``test_answers_must_belong_to_this_attempt`` (another quiz's question, another attempt's
  choice tokens, a question published after the attempt started; on submit too, which then
  grades nothing) and ``test_the_form_takes_only_this_attempts_questions``.
- T28 as written (review "after close"): not applicable, the platform has no delayed
  review; results are shown as soon as the trainee submits. What it protects — the
  correction before it is due — is ``test_nothing_about_the_answers_is_readable_...``.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from elearn.extensions import db
from tests import quizkit
from tests.factories import imported
from tests.quizkit import (
    QUIZ,
    RIGHT,
    SECRETS,
    SLUG,
    answers_for,
    enrolled_trainee,
    publish,
    quiz_package,
)

pytestmark = pytest.mark.adversarial


def start(api, token, **kw):
    response = api.post(QUIZ, token=token, **kw)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def attempt_row(app, attempt_id):
    with app.app_context():
        from elearn.quizzes.models import QuizAttempt

        db.session.expire_all()
        row = db.session.get(QuizAttempt, attempt_id)
        return {
            "status": row.status,
            "answers": dict(row.answers or {}),
            "score": row.score,
            "percent": row.percent,
            "passed": row.passed,
            "results": row.results,
            "started_at": row.started_at,
            "deadline": row.deadline,
            "submitted_at": row.submitted_at,
        }


def browser_for(app, email):
    browser = app.test_client()
    assert browser.login(email).status_code == 303
    return browser


# -- T22 / T28 ----------------------------------------------------------------------------

#: Beyond the seeded secrets: how an answer key or a grading flag would show.
GIVEAWAYS = [
    "data-correct",
    "is_correct",
    "answer_key",
    "correct: true",
    '"correct"',
    '"feedback',
    '"accept"',
    '"tolerance"',
    '"explanation"',
    '"answer": 2.3',
    '"answer": true',  # q3's answer as a key, not a trainee's saved value (none saved)
    "2,3",  # q4's value as written in French
]


def test_nothing_about_the_answers_is_readable_before_submission(app, api, make):
    """A trainee with an open attempt walks every GET route and API endpoint with their own
    ids (the course, its module and lessons, the attempt): no answer, flag or feedback."""
    publish(api, make)
    user = make.user("trainee", email="curious@ofppt.example")
    token = make.token(user.email)
    assert api.post(f"/api/v1/courses/{SLUG}/enrolment", token=token).status_code == 201
    attempt = start(api, token)
    browser = browser_for(app, user.email)
    values = {
        "slug": SLUG,
        "module": "checks",
        "lesson": "pads",
        "attempt_id": attempt["id"],
        "kind": "csv",
        "path": "x.png",
        "code": "AAAA-BBBB-CCCC",
        "token": "x" * 43,
        "upload_id": "0" * 32,
        "action": "preview",
    }
    adapter = app.url_map.bind("localhost")
    read = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in {"static", "api-docs.openapi_json"}:
            continue
        args = {name: values.get(name, 1) for name in rule.arguments}
        url = adapter.build(rule.endpoint, args)
        for lang in ("fr", "ar"):
            if rule.rule.startswith("/api/"):
                response = api.get(f"{url}?lang={lang}", token=token)
            else:
                response = browser.get(f"{url}?lang={lang}")
            text = response.get_data(as_text=True)
            if response.status_code == 200:
                read += 1
            for secret in [*SECRETS, *GIVEAWAYS]:
                assert secret not in text, (url, lang, secret)
    assert read >= 20  # the walk did reach the pages: catalogue, course, lessons, quiz, attempt
    # the walk left the interface in Arabic: the French questions are asked for as content
    page = browser.get(f"/attempts/{attempt['id']}?content=fr").get_data(as_text=True)
    assert "Épaisseur minimale" in page  # the questions are there, only the answers are not
    # the correction appears once submitted, and only then
    api.post(f"/api/v1/attempts/{attempt['id']}/submit", token=token, json={})
    done = browser.get(f"/attempts/{attempt['id']}?content=fr").get_data(as_text=True)
    assert "SECRET-FEEDBACK-B" not in done  # that feedback belongs to a choice not picked
    assert "absorbe" in done  # the question's own feedback, after submission


# -- T25 ----------------------------------------------------------------------------------


def test_a_graded_attempt_cannot_be_rewritten(app, api, make):
    publish(api, make)
    token = enrolled_trainee(api, make, email="late.writer@ofppt.example")
    attempt = start(api, token)
    url = f"/api/v1/attempts/{attempt['id']}"
    # before submission, a grade in the body is refused, and nothing is graded
    forged = api.post(
        url + "/submit",
        token=token,
        json={"answers": answers_for(attempt, {"q3": True}), "score": 100, "passed": True},
    )
    assert forged.status_code == 422
    assert attempt_row(app, attempt["id"])["status"] == "open"
    graded = api.post(
        url + "/submit", token=token, json={"answers": answers_for(attempt, {"q3": True})}
    )
    assert graded.status_code == 200 and graded.get_json()["passed"] is False
    before = attempt_row(app, attempt["id"])
    assert before["score"] == 1
    for method, path, body in (
        ("POST", "/submit", {"score": 100, "passed": True}),
        ("POST", "/submit", {"answers": answers_for(attempt, RIGHT)}),
        ("POST", "/submit", {}),
        ("PUT", "/answers", {"answers": answers_for(attempt, RIGHT)}),
        ("PUT", "/answers", {"answers": {}, "score": 100}),
        ("PATCH", "", {"score": 100, "passed": True, "status": "open"}),
    ):
        response = api.call(method, url + path, token=token, json=body)
        assert response.status_code in (405, 409, 422), (method, path, response.status_code)
        assert response.mimetype == "application/problem+json"
    # the form of the page too
    browser = browser_for(app, "late.writer@ofppt.example")
    for action in ("save", "submit"):
        posted = browser.post_form(
            f"/attempts/{attempt['id']}",
            {"q-q3": "true", "q-q4": "2,3", "q-q5": "étrier", "action": action, "score": "100"},
        )
        assert posted.status_code == 303
    assert attempt_row(app, attempt["id"]) == before
    read = api.get(url, token=token).get_json()
    assert (read["score"], read["percent"], read["passed"]) == (1, before["percent"], False)


# -- T26 ----------------------------------------------------------------------------------


def test_the_client_cannot_move_the_clock(app, api, make, clock):
    publish(api, make, time_limit=1)
    token = enrolled_trainee(api, make, email="clockwork@ofppt.example")
    claims = {
        "started_at": "2026-11-30T09:00:00Z",
        "expires_at": "2099-01-01T00:00:00Z",
        "deadline": "2099-01-01T00:00:00Z",
        "elapsed": 0,
        "time_limit_minutes": 600,
    }
    attempt = start(api, token, json=claims, headers={"Date": "Thu, 01 Jan 2099 00:00:00 GMT"})
    assert attempt["started_at"] == "2026-11-30T08:00:00Z"
    assert attempt["expires_at"] == "2026-11-30T08:01:00Z"
    row = attempt_row(app, attempt["id"])
    assert row["deadline"] - row["started_at"] == timedelta(minutes=1)
    url = f"/api/v1/attempts/{attempt['id']}"
    clock.advance(seconds=30)
    saved = api.call("PUT", url + "/answers", token=token, json={"answers": {"q3": True}})
    assert saved.status_code == 200
    clock.advance(seconds=30 + 15 + 1)  # the minute, the grace, one second more
    # a client saying little time has passed is refused outright
    refused = api.post(
        url + "/submit", token=token, json={"answers": answers_for(attempt, RIGHT), **claims}
    )
    assert refused.status_code == 422
    # the form's hidden-field equivalents are not read at all: graded as expired
    browser = browser_for(app, "clockwork@ofppt.example")
    form = {"q-q4": "2,3", "q-q5": "étrier", "action": "submit", **{k: "0" for k in claims}}
    assert browser.post_form(f"/attempts/{attempt['id']}", form).status_code == 303
    row = attempt_row(app, attempt["id"])
    assert row["status"] == "expired"
    assert row["answers"] == {"q3": True} and row["score"] == 1  # only what came in time
    assert row["submitted_at"] == clock.moment


# -- T27 ----------------------------------------------------------------------------------


def other_course_package() -> bytes:
    files = {
        "course.yml": """slug: torque
domain: automotive
network: DMK
source_language: fr
languages: [fr]
level: beginner
estimated_hours: 1
title: {fr: Couple}
summary: {fr: Serrer au couple.}
""",
        "01-basics/module.yml": "title: {fr: Bases}\n",
        "01-basics/01-wrench.fr.md": "---\ntitle: La clé\n---\n\nSerrer.\n",
        "01-basics/quiz.yml": """title: {fr: Quiz couple}
pass_mark: 50
questions:
  - id: torque9
    type: single
    prompt: {fr: "Outil ?"}
    choices:
      - {id: a, text: {fr: "Clé dynamométrique"}, correct: true}
      - {id: b, text: {fr: "Marteau"}}
""",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(f"torque/{path}", data)
    return buffer.getvalue()


EXTRA_QUESTION = """  - id: q6
    type: true_false
    prompt: {{fr: "Les disques s'usent aussi.", ar: "الأقراص تتآكل أيضا."}}
    answer: true
"""


def test_answers_must_belong_to_this_attempt(app, api, make, monkeypatch):
    publish(api, make, max_attempts=5)
    admin = make.token(make.user("admin").email)
    assert imported(api, admin, other_course_package(), "?publish=true")
    token = enrolled_trainee(api, make)
    other = enrolled_trainee(api, make)
    mine, theirs = start(api, token), start(api, other)
    with app.app_context():
        from elearn.authoring.models import Question

        foreign_id = db.session.scalar(select(Question.id).where(Question.key == "torque9"))
        own_q1_id = db.session.scalar(select(Question.id).where(Question.key == "q1"))
    q1 = {q["id"]: q for q in theirs["questions"]}["q1"]
    borrowed = q1["choices"][0]["id"]  # a token of the other trainee's attempt
    cases = [
        ({"torque9": "anything"}, "answers.torque9"),  # another quiz's question
        ({str(foreign_id): True}, f"answers.{foreign_id}"),  # its database id
        ({str(own_q1_id): True}, f"answers.{own_q1_id}"),  # ids never stand for keys
        ({"q1": borrowed}, "answers.q1"),  # another attempt's choice
        ({"q2": [borrowed]}, "answers.q2"),
        ({"q1": "b"}, "answers.q1"),  # the author's own choice id
    ]
    url = f"/api/v1/attempts/{mine['id']}"
    for answers, path in cases:
        for method, suffix in (("PUT", "/answers"), ("POST", "/submit")):
            response = api.call(method, url + suffix, token=token, json={"answers": answers})
            assert response.status_code == 422, (answers, method, response.status_code)
            assert response.get_json()["errors"][0]["path"] == path
    assert attempt_row(app, mine["id"])["status"] == "open"  # no refused submit graded it
    assert attempt_row(app, mine["id"])["answers"] == {}
    # a question published after the attempt started is not one of its questions
    monkeypatch.setattr(quizkit, "QUIZ_YML", quizkit.QUIZ_YML + EXTRA_QUESTION)
    assert imported(api, admin, quiz_package(max_attempts=5), "?publish=true")
    late = api.call("PUT", url + "/answers", token=token, json={"answers": {"q6": True}})
    assert late.status_code == 422 and late.get_json()["errors"][0]["path"] == "answers.q6"
    graded = api.post(url + "/submit", token=token, json={}).get_json()
    assert [q["id"] for q in graded["questions"]] == [q["id"] for q in mine["questions"]]
    assert graded["max_score"] == 6  # the five questions it showed
    fresh = start(api, token)
    assert "q6" in {q["id"] for q in fresh["questions"]}
    assert (
        api.call(
            "PUT",
            f"/api/v1/attempts/{fresh['id']}/answers",
            token=token,
            json={"answers": {"q6": True}},
        ).status_code
        == 200
    )


def test_the_form_takes_only_this_attempts_questions(app, api, make):
    publish(api, make)
    token = enrolled_trainee(api, make, email="former@ofppt.example")
    other = enrolled_trainee(api, make)
    mine, theirs = start(api, token), start(api, other)
    q1 = {q["id"]: q for q in theirs["questions"]}["q1"]
    browser = browser_for(app, "former@ofppt.example")
    page = f"/attempts/{mine['id']}"
    # another attempt's choice token: refused with a message, nothing saved
    refused = browser.post_form(page, {"q-q1": q1["choices"][0]["id"], "action": "save"})
    assert refused.status_code == 303
    shown = browser.get(page).get_data(as_text=True)
    assert re.search(r"(Unknown choice|Choix inconnu)[^<]*q1", shown), shown[:2000]
    assert attempt_row(app, mine["id"])["answers"] == {}
    # fields of questions that are not in the attempt are not read; the attempt's own are
    saved = browser.post_form(
        page, {"q-torque9": "x", "q-q99": "x", "q-q3": "true", "action": "save"}
    )
    assert saved.status_code == 303
    assert attempt_row(app, mine["id"])["answers"] == {"q3": True}
    assert json.dumps(attempt_row(app, mine["id"])["answers"]).count("q") == 1
