"""Quizzes through the API and the pages: fixed order, saved answers, server grading,
limits, the clock, and nothing of the answers before submission."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.quizzes.models import QuizAttempt
from tests.quizkit import (
    QUIZ,
    RIGHT,
    RIGHT_AR,
    SECRETS,
    SLUG,
    answers_for,
    enrolled_trainee,
    publish,
)


def start(api, token, **kw):
    response = api.post(QUIZ, token=token, **kw)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def submit(api, token, attempt, answers):
    return api.post(
        f"/api/v1/attempts/{attempt['id']}/submit",
        token=token,
        json={"answers": answers_for(attempt, answers)},
    )


def test_an_attempt_shows_questions_and_never_an_answer(api, make):
    publish(api, make)
    token = enrolled_trainee(api, make)
    response = api.post(QUIZ, token=token)
    assert response.status_code == 201
    attempt = response.get_json()
    assert attempt["attempt_number"] == 1 and attempt["expires_at"] is None
    assert sorted(q["id"] for q in attempt["questions"]) == ["q1", "q2", "q3", "q4", "q5"]
    assert {q["type"] for q in attempt["questions"]} == {
        "single",
        "multiple",
        "true_false",
        "numeric",
        "short_text",
    }
    text = json.dumps(attempt, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in text
    # the times are the clock's: "…T23:30:32.3…" holds "2.3" as often as not
    untimed = json.dumps({k: v for k, v in attempt.items() if not k.endswith("_at")})
    for forbidden in ('"correct"', '"feedback', '"accept"', '"tolerance"', '"passed"', "2.3"):
        assert forbidden not in untimed
    q1 = next(q for q in attempt["questions"] if q["id"] == "q1")
    # choice ids are this attempt's own: the author's "a", "b", "c" order does not show
    assert not {c["id"] for c in q1["choices"]} & {"a", "b", "c"}
    # reading it again, or in Arabic, shows the same attempt in the same order
    again = api.get(f"/api/v1/attempts/{attempt['id']}?lang=ar", token=token).get_json()
    assert [q["id"] for q in again["questions"]] == [q["id"] for q in attempt["questions"]]
    assert "وسادة" in json.dumps(again, ensure_ascii=False)
    assert [c["id"] for c in again["questions"][0]["choices"]] == [
        c["id"] for c in attempt["questions"][0]["choices"]
    ]
    assert "correct" not in json.dumps(again)


def test_starting_twice_resumes_the_open_attempt(api, make):
    publish(api, make)
    token = enrolled_trainee(api, make)
    first = api.post(QUIZ, token=token)
    second = api.post(QUIZ, token=token)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"]


def test_only_enrolled_trainees_take_quizzes(api, make):
    publish(api, make)
    stranger = make.token(make.user("trainee").email)
    assert api.post(QUIZ, token=stranger).status_code == 403
    assert api.post(QUIZ).status_code == 401
    assert api.post(QUIZ.replace("checks", "nope"), token=stranger).status_code == 404


def test_a_perfect_submission_scores_everything_with_feedback(api, make):
    publish(api, make)
    token = enrolled_trainee(api, make)
    attempt = start(api, token)
    result = submit(api, token, attempt, RIGHT)
    assert result.status_code == 200
    body = result.get_json()
    assert (body["score"], body["max_score"], body["percent"], body["passed"]) == (6, 6, 100, True)
    by_id = {q["id"]: q for q in body["questions"]}
    assert all(q["correct"] for q in by_id.values())
    assert by_id["q2"]["points_awarded"] == 2
    assert "SECRET-FEEDBACK-B" in by_id["q1"]["feedback_html"]  # the chosen choice's feedback
    assert "absorbe" in by_id["q3"]["feedback_html"]  # the question's own feedback
    # a second submission, even with other answers, changes nothing
    again = submit(api, token, attempt, {"q1": "1 mm"})
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    read = api.get(f"/api/v1/attempts/{attempt['id']}", token=token).get_json()
    assert read["percent"] == 100 and read["status"] == "submitted"
    assert all(q["prompt_html"] and q["correct"] for q in read["questions"])


def test_arabic_answers_are_graded_like_french_ones(api, make):
    publish(api, make)
    token = enrolled_trainee(api, make, locale="ar")
    attempt = start(api, token)  # the trainee's language: Arabic texts
    assert "للوسادة" in json.dumps(attempt, ensure_ascii=False)
    body = submit(api, token, attempt, RIGHT_AR).get_json()
    assert body["percent"] == 100
    assert "ملاحظة-ب" in next(q for q in body["questions"] if q["id"] == "q1")["feedback_html"]


def test_wrong_and_missing_answers_score_nothing(api, make):
    publish(api, make)
    token = enrolled_trainee(api, make)
    attempt = start(api, token)
    body = submit(
        api, token, attempt, {"q1": "1 mm", "q2": ["Grincement"], "q3": False, "q4": "23"}
    ).get_json()
    assert body["score"] == 0 and body["percent"] == 0 and body["passed"] is False
    assert not any(q["correct"] for q in body["questions"])
    assert "Trop mince" in next(q for q in body["questions"] if q["id"] == "q1")["feedback_html"]


def test_answers_are_saved_as_the_trainee_goes(api, make):
    publish(api, make)
    token = enrolled_trainee(api, make)
    attempt = start(api, token)
    url = f"/api/v1/attempts/{attempt['id']}/answers"
    saved = api.call(
        "PUT", url, token=token, json={"answers": answers_for(attempt, {"q1": "3 mm"})}
    )
    assert saved.status_code == 200 and saved.get_json()["answered"] == 1
    api.call("PUT", url, token=token, json={"answers": {"q5": "étrier"}})
    # the connection dropped; the trainee comes back and finds both answers
    back = api.post(QUIZ, token=token).get_json()
    by_id = {q["id"]: q for q in back["questions"]}
    q1 = by_id["q1"]
    assert q1["answer"] == next(c["id"] for c in q1["choices"] if c["text_html"] == "3 mm")
    assert by_id["q5"]["answer"] == "étrier"
    # clearing an answer
    api.call("PUT", url, token=token, json={"answers": {"q5": ""}})
    assert api.get(f"/api/v1/attempts/{attempt['id']}", token=token).get_json()["questions"]
    # submitting with nothing more grades what was saved
    body = api.post(f"/api/v1/attempts/{attempt['id']}/submit", token=token, json={}).get_json()
    assert body["score"] == 1


@pytest.mark.parametrize(
    "answers, path",
    [
        ({"q9": "x"}, "answers.q9"),
        ({"q1": "not-a-choice"}, "answers.q1"),
        ({"q3": "maybe"}, "answers.q3"),
        ({"q4": {"$gt": 1}}, "answers.q4"),
    ],
)
def test_malformed_answers_are_refused_with_the_question_named(api, make, answers, path):
    publish(api, make)
    token = enrolled_trainee(api, make)
    attempt = start(api, token)
    url = f"/api/v1/attempts/{attempt['id']}/answers"
    response = api.call("PUT", url, token=token, json={"answers": answers})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["path"] == path
    bad_body = api.call("PUT", url, token=token, json={"answers": ["q1"]})
    assert bad_body.status_code == 422


def test_the_attempt_limit_holds_and_the_best_attempt_counts(api, make):
    publish(api, make, max_attempts=2)
    token = enrolled_trainee(api, make)
    first = start(api, token)
    assert submit(api, token, first, {"q3": True}).get_json()["passed"] is False
    second = start(api, token)
    assert second["attempt_number"] == 2
    assert submit(api, token, second, RIGHT).get_json()["passed"] is True
    refused = api.post(QUIZ, token=token)
    assert refused.status_code == 409
    assert "tentatives" in refused.get_json()["detail"]  # the trainee's language
    mine = api.get("/api/v1/me/courses", token=token).get_json()[0]
    assert mine["quizzes"] == [
        {"module": "checks", "best_percent": 100.0, "passed": True, "attempts_used": 2}
    ]


def test_shuffled_orders_differ_between_attempts(api, make):
    publish(api, make, max_attempts=0)
    token = enrolled_trainee(api, make)
    orders = set()
    for _ in range(8):
        attempt = start(api, token)
        orders.add(tuple(q["id"] for q in attempt["questions"]))
        submit(api, token, attempt, {})
    # 120 possible orders: eight identical draws would mean no shuffle at all
    assert len(orders) > 1


def test_the_clock_is_the_servers(api, make, clock, app):
    app.config["QUIZ_GRACE_SECONDS"] = 15
    publish(api, make, time_limit=10)
    token = enrolled_trainee(api, make)
    attempt = start(api, token)
    assert attempt["expires_at"] == "2026-11-30T08:10:00Z"
    url = f"/api/v1/attempts/{attempt['id']}/answers"
    clock.advance(minutes=9)
    saved = api.call("PUT", url, token=token, json={"answers": answers_for(attempt, RIGHT)})
    assert saved.status_code == 200
    clock.advance(minutes=1, seconds=20)  # 20 s late: past the 15 s of grace
    late_save = api.call("PUT", url, token=token, json={"answers": {"q5": "faux"}})
    assert late_save.status_code == 409
    # a late submission carrying other answers is graded on what was saved in time
    body = submit(api, token, attempt, {"q1": "1 mm"}).get_json()
    assert body["status"] == "expired" and body["expired"] is True
    assert body["percent"] == 100


def test_a_submission_within_the_grace_counts_normally(api, make, clock, app):
    app.config["QUIZ_GRACE_SECONDS"] = 15
    publish(api, make, time_limit=10)
    token = enrolled_trainee(api, make)
    attempt = start(api, token)
    clock.advance(minutes=10, seconds=10)  # the network took its time
    body = submit(api, token, attempt, RIGHT).get_json()
    assert body["status"] == "submitted" and body["percent"] == 100


def test_an_abandoned_timed_attempt_is_graded_expired_before_the_next(api, make, clock, app):
    publish(api, make, time_limit=10, max_attempts=2)
    token = enrolled_trainee(api, make)
    first = start(api, token)
    api.call(
        "PUT",
        f"/api/v1/attempts/{first['id']}/answers",
        token=token,
        json={"answers": answers_for(first, {"q3": True})},
    )
    clock.advance(hours=2)  # the phone was closed
    second = api.post(QUIZ, token=token)
    assert second.status_code == 201 and second.get_json()["attempt_number"] == 2
    old = api.get(f"/api/v1/attempts/{first['id']}", token=token).get_json()
    assert old["status"] == "expired" and old["score"] == 1
    clock.advance(hours=2)
    third = api.post(QUIZ, token=token)
    assert third.status_code == 409  # the second one was graded; none is left
    assert (
        api.get(f"/api/v1/attempts/{second.get_json()['id']}", token=token).get_json()["status"]
        == "expired"
    )


def test_attempts_are_private(api, make):
    publish(api, make)
    owner = enrolled_trainee(api, make)
    other = enrolled_trainee(api, make)
    admin = make.token(make.user("admin").email)
    expert = make.token(make.user("expert").email)
    attempt = start(api, owner)
    url = f"/api/v1/attempts/{attempt['id']}"
    assert api.get(url, token=other).status_code == 404
    assert api.get(url, token=expert).status_code == 404
    assert api.post(url + "/submit", token=other, json={}).status_code == 404
    assert api.call("PUT", url + "/answers", token=other, json={"answers": {}}).status_code == 404
    assert api.get(url, token=admin).status_code == 200
    assert api.post(url + "/submit", token=admin, json={}).status_code == 403
    assert api.get("/api/v1/attempts/999999", token=owner).status_code == 404


def test_a_republished_fix_is_graded_but_the_order_stays(api, make, app):
    """An expert fixes an accepted answer while a trainee is mid-attempt: the fix counts."""
    publish(api, make)
    token = enrolled_trainee(api, make)
    attempt = start(api, token)
    with app.app_context():
        from elearn.authoring.models import Question

        question = db.session.scalar(select(Question).where(Question.key == "q5"))
        published = dict(question.published)
        spec = dict(published["spec"])
        spec["accept"] = {"fr": ["pince"], "ar": ["الملقط"]}
        question.published = {**published, "spec": spec}
        db.session.commit()
    body = submit(api, token, attempt, {"q5": "pince"}).get_json()
    assert next(q for q in body["questions"] if q["id"] == "q5")["correct"] is True


# -- pages --------------------------------------------------------------------------------


def _browser(app, make, locale="fr"):

    browser = app.test_client()
    user = make.user("trainee", locale=locale)
    browser.login(user.email)
    return browser, user


def _choice_value(html, question, text):
    block = html.split(f'id="question-{question}"')[1].split("</fieldset>")[0]
    pattern = rf'value="([0-9a-f]+)"(?: checked)?> <span[^>]*>{re.escape(text)}</span>'
    return re.search(pattern, block).group(1)


def test_the_quiz_pages_work_without_javascript(app, api, make):
    publish(api, make)
    browser, _user = _browser(app, make)
    browser.post_form(f"/courses/{SLUG}/enrol")
    quiz_page = browser.get(f"/courses/{SLUG}/modules/checks/quiz").get_data(as_text=True)
    assert "Quiz freins" in quiz_page and "70" in quiz_page
    started = browser.post_form(f"/courses/{SLUG}/modules/checks/quiz/attempts")
    assert started.status_code == 303
    page_url = started.headers["Location"]
    html = browser.get(page_url).get_data(as_text=True)
    for secret in SECRETS:
        assert secret not in html
    assert "correct" not in html.lower().replace("tick every correct answer", "")
    good = {
        "q-q1": _choice_value(html, "q1", "3 mm"),
        "q-q2": [_choice_value(html, "q2", "Grincement"), _choice_value(html, "q2", "Vibration")],
        "q-q3": "true",
        "q-q4": "2,3",
    }
    saved = browser.post_form(page_url, {**good, "action": "save"})
    assert saved.status_code == 303
    html = browser.get(page_url).get_data(as_text=True)
    assert f'value="{good["q-q1"]}" checked' in html and 'value="2,3"' in html
    done = browser.post_form(page_url, {**good, "q-q5": "L'étrier", "action": "submit"})
    result = browser.get(done.headers["Location"]).get_data(as_text=True)
    assert "100" in result and "SECRET-FEEDBACK-B" in result
    assert "Réussi" in result or "Passed" in result


def test_finishing_the_last_lesson_leads_to_the_quiz_then_the_certificate(app, api, make):
    publish(api, make)
    browser, user = _browser(app, make, locale="ar")
    browser.post_form(f"/courses/{SLUG}/enrol")
    first = f"/courses/{SLUG}/modules/checks/lessons/pads"
    last = f"/courses/{SLUG}/modules/checks/lessons/fluid"
    browser.post_form(first + "/complete")
    assert "/quiz" in browser.get(last).get_data(as_text=True)  # "take the module quiz"
    moved = browser.post_form(last + "/complete")
    assert moved.headers["Location"] == f"/courses/{SLUG}/modules/checks/quiz"
    started = browser.post_form(f"/courses/{SLUG}/modules/checks/quiz/attempts")
    html = browser.get(started.headers["Location"]).get_data(as_text=True)
    assert 'dir="rtl"' in html
    answers = {
        "q-q1": _choice_value(html, "q1", "3 مم"),
        "q-q2": [_choice_value(html, "q2", "صرير"), _choice_value(html, "q2", "اهتزاز")],
        "q-q3": "true",
        "q-q4": "٢٫٣",
        "q-q5": "الملقط",
        "action": "submit",
    }
    done = browser.post_form(started.headers["Location"], answers)
    result = browser.get(done.headers["Location"]).get_data(as_text=True)
    code = re.search(r'/certificates/([A-Z0-9-]{14})"', result).group(1)
    certificate = browser.get(f"/certificates/{code}").get_data(as_text=True)
    assert "Test Trainee" in certificate and "Freinage" in certificate and "الفرملة" in certificate
    assert 'lang="fr"' in certificate and 'dir="rtl"' in certificate
    mine = browser.get("/my/learning").get_data(as_text=True)
    assert f"/certificates/{code}" in mine
    with app.app_context():
        attempt = db.session.scalar(select(QuizAttempt))
        assert attempt.passed and attempt.user_id == user.id


def test_the_deadline_is_shown_in_moroccan_time(app, api, make, clock):
    publish(api, make, time_limit=10)
    browser, _user = _browser(app, make)
    browser.post_form(f"/courses/{SLUG}/enrol")
    started = browser.post_form(f"/courses/{SLUG}/modules/checks/quiz/attempts")
    html = browser.get(started.headers["Location"]).get_data(as_text=True)
    # 08:10 UTC is 09:10 in Kénitra (UTC+1 outside Ramadan)
    assert "09:10" in html and 'data-deadline="2026-11-30T08:10:00+00:00"' in html


def test_an_unknown_time_zone_is_refused_at_start():
    from elearn.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="ELEARN_TIMEZONE"):
        load_config({"ELEARN_TIMEZONE": "Mars/Olympus"}, Path("/tmp"))


def test_an_old_result_still_shows_after_the_quiz_is_withdrawn(app, api, make):
    publish(api, make)
    browser, _user = _browser(app, make)
    browser.post_form(f"/courses/{SLUG}/enrol")
    started = browser.post_form(f"/courses/{SLUG}/modules/checks/quiz/attempts")
    done = browser.post_form(started.headers["Location"], {"q-q4": "2,3", "action": "submit"})
    with app.app_context():
        from elearn.authoring.models import Quiz

        quiz = db.session.scalar(select(Quiz))
        quiz.published = None  # what a re-import without quiz.yml leaves
        db.session.commit()
    page = browser.get(done.headers["Location"])
    assert page.status_code == 200 and "Quiz freins" in page.get_data(as_text=True)
    assert browser.get(f"/courses/{SLUG}/modules/checks/quiz").status_code == 404
