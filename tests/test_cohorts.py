"""Cohorts through the API and the pages: creating them, adding trainees (JSON and the
secretariat's CSV), accounts with a one-time password link, progress, item statistics."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from elearn.accounts.models import SetupLink, User
from elearn.cohorts.models import CohortMember
from elearn.core.db import utcnow
from elearn.extensions import db
from elearn.learning.models import Enrolment
from tests.cohortkit import create_cohort, staff
from tests.quizkit import LESSONS, QUIZ, RIGHT, SLUG, answers_for

CSV_FR = (
    "\ufeffemail;nom;langue\r\n"
    "fatima.zahra@ofppt.example;Fatima Zahra El Amrani;ar\r\n"
    "youssef.b@ofppt.example;Youssef Benali;fr\r\n"
    "\r\n"
    "pas-un-email;Quelqu'un;fr\r\n"
    "YOUSSEF.B@ofppt.example;Youssef encore;fr\r\n"
).encode()


def members_url(cohort_id):
    return f"/api/v1/cohorts/{cohort_id}/members"


def test_a_trainer_creates_a_cohort_for_their_centre_only(api, make):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    body = api.get(f"/api/v1/cohorts/{cohort_id}", token=people.sale_token).get_json()
    assert body["centre"] == "SALE" and body["courses"] == [SLUG]
    assert body["trainers"] == [people.sale.email]  # the creator follows it
    elsewhere = api.post(
        "/api/v1/cohorts",
        token=people.sale_token,
        json={"name": "X", "centre": "KEN", "starts_on": "2026-09-15"},
    )
    assert elsewhere.status_code == 403
    backwards = api.post(
        "/api/v1/cohorts",
        token=people.sale_token,
        json={"name": "X", "centre": "SALE", "starts_on": "2026-09-15", "ends_on": "2026-01-01"},
    )
    assert backwards.status_code == 422 and backwards.get_json()["errors"][0]["path"] == "ends_on"
    unknown = api.post(
        "/api/v1/cohorts",
        token=people.sale_token,
        json={"name": "X", "centre": "SALE", "starts_on": "2026-09-15", "courses": ["nope"]},
    )
    assert unknown.status_code == 422
    assert api.post("/api/v1/cohorts", token=people.trainee_token, json={}).status_code == 422
    refused = api.post(
        "/api/v1/cohorts",
        token=people.trainee_token,
        json={"name": "X", "centre": "SALE", "starts_on": "2026-09-15"},
    )
    assert refused.status_code == 403


def test_members_from_the_secretariats_csv_get_accounts_links_and_enrolments(
    api, make, app, outbox
):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    existing = make.user("trainee", centre="SALE", email="deja@ofppt.example")
    response = api.call(
        "POST",
        members_url(cohort_id),
        token=people.sale_token,
        data=CSV_FR + b"deja@ofppt.example;;\r\n",
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["created_accounts"] == ["fatima.zahra@ofppt.example", "youssef.b@ofppt.example"]
    assert sorted(body["added"]) == sorted(body["created_accounts"] + [existing.email])
    assert [(e["row"], e["email"] or None) for e in body["errors"]] == [(5, None), (6, None)]
    assert len(outbox) == 2
    message = next(m for m in outbox if m["To"] == "fatima.zahra@ofppt.example")
    text = message.get_content()
    assert "Fatima Zahra El Amrani" in text  # written in her language: Arabic
    link = re.search(r"https?://\S+/password/setup/\S+", text).group(0)
    with app.app_context():
        fatima = db.session.scalar(select(User).where(User.email == "fatima.zahra@ofppt.example"))
        assert fatima.locale == "ar" and fatima.password_hash is None
        assert fatima.centre.code == "SALE" and fatima.roles == {"trainee"}
        enrolled = db.session.scalar(
            select(func.count()).select_from(Enrolment).where(Enrolment.source == "cohort")
        )
        assert enrolled == 3
    # the same list again: nothing new, nobody mailed twice
    again = api.call(
        "POST",
        members_url(cohort_id),
        token=people.sale_token,
        data=CSV_FR,
        headers={"Content-Type": "text/csv"},
    ).get_json()
    assert again["added"] == [] and again["created_accounts"] == []
    assert sorted(again["already_members"]) == sorted(body["created_accounts"])
    assert len(outbox) == 2
    assert api.get(link).status_code == 200  # her link still opens the password page


def test_the_link_sets_a_password_once_and_signs_in(api, make, app, client, outbox):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    api.post(
        members_url(cohort_id), token=people.sale_token, json={"emails": ["new@ofppt.example"]}
    )
    link = re.search(r"/password/setup/\S+", outbox[0].get_content()).group(0)
    page = client.get(link)
    assert page.status_code == 200 and "new@ofppt.example" in page.get_data(as_text=True)
    short = client.post_form(link, {"new_password": "abc", "confirm": "abc"})
    assert short.status_code == 200 and "8" in short.get_data(as_text=True)
    done = client.post_form(link, {"new_password": "kenitra-2026!", "confirm": "kenitra-2026!"})
    assert done.status_code == 303 and done.headers["Location"] == "/my/learning"
    assert SLUG in client.get("/my/learning").get_data(as_text=True)  # enrolled by the cohort
    client.logout()
    assert client.get(link).status_code == 410  # used once
    assert client.login("new@ofppt.example", "kenitra-2026!").status_code in (302, 303)


def test_an_expired_link_is_refused_and_a_new_one_replaces_it(api, make, app, client, outbox):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    api.post(
        members_url(cohort_id), token=people.sale_token, json={"emails": ["late@ofppt.example"]}
    )
    first = re.search(r"/password/setup/\S+", outbox[0].get_content()).group(0)
    with app.app_context():
        link = db.session.scalar(select(SetupLink))
        link.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert client.get(first).status_code == 410
    client.login(people.sale.email)
    with app.app_context():
        late = db.session.scalar(select(User).where(User.email == "late@ofppt.example"))
    resent = client.post_form(f"/cohorts/{cohort_id}/members/{late.id}/link")
    assert resent.status_code == 303 and len(outbox) == 2
    second = re.search(r"/password/setup/\S+", outbox[1].get_content()).group(0)
    assert second != first
    client.logout()
    assert client.get(second).status_code == 200


def test_json_members_report_bad_and_duplicate_emails(api, make):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    response = api.post(
        members_url(cohort_id),
        token=people.sale_token,
        json={"emails": ["a@ofppt.example", "A@ofppt.example", "nope", 42, people.expert.email]},
    ).get_json()
    assert response["added"] == ["a@ofppt.example"]
    assert [e["row"] for e in response["errors"]] == [2, 3, 4, 5]
    assert (
        api.post(members_url(cohort_id), token=people.sale_token, json={"x": 1}).status_code == 422
    )


def test_a_trainee_of_another_centre_needs_an_admin(api, make):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    other = make.user("trainee", centre="KEN")
    by_trainer = api.post(
        members_url(cohort_id), token=people.sale_token, json={"emails": [other.email]}
    ).get_json()
    assert by_trainer["added"] == [] and len(by_trainer["errors"]) == 1
    by_admin = api.post(
        members_url(cohort_id), token=people.admin_token, json={"emails": [other.email]}
    ).get_json()
    assert by_admin["added"] == [other.email]


def test_trainers_read_the_course_and_their_trainees_attempts(api, make):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    trainee_token = make.token(people.trainee.email)
    api.post(
        members_url(cohort_id), token=people.sale_token, json={"emails": [people.trainee.email]}
    )
    attempt = api.post(QUIZ, token=trainee_token).get_json()
    url = f"/api/v1/attempts/{attempt['id']}"
    assert api.get(url, token=people.sale_token).status_code == 200
    assert api.get(url, token=people.kenitra_token).status_code == 404
    assert "correct" not in str(api.get(url, token=people.sale_token).get_json())
    assert api.get(LESSONS[0], token=people.sale_token).status_code == 200
    assert api.get(LESSONS[0], token=people.kenitra_token).status_code == 403


def test_progress_and_item_statistics(api, make, app):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    tokens = []
    for n in range(3):
        email = f"t{n}@ofppt.example"
        make.user("trainee", centre="SALE", email=email, name=f"Trainee {n}")
        tokens.append(make.token(email))
    api.post(
        members_url(cohort_id),
        token=people.sale_token,
        json={"emails": [f"t{n}@ofppt.example" for n in range(3)]},
    )
    for url in LESSONS:
        api.post(url + "/complete", token=tokens[0])
    api.post(LESSONS[0] + "/complete", token=tokens[1])
    good = api.post(QUIZ, token=tokens[0]).get_json()
    api.post(
        f"/api/v1/attempts/{good['id']}/submit",
        token=tokens[0],
        json={"answers": answers_for(good, RIGHT)},
    )
    bad = api.post(QUIZ, token=tokens[1]).get_json()
    api.post(
        f"/api/v1/attempts/{bad['id']}/submit",
        token=tokens[1],
        json={"answers": answers_for(bad, {"q1": "1 mm", "q3": True})},
    )
    progress = api.get(f"/api/v1/cohorts/{cohort_id}/progress", token=people.sale_token).get_json()
    course = progress["courses"][0]
    by_email = {t["email"]: t for t in course["trainees"]}
    assert by_email["t0@ofppt.example"]["percent"] == 100
    assert by_email["t0@ofppt.example"]["completed"] is True
    assert by_email["t0@ofppt.example"]["modules"][0]["status"] == "complete"
    assert by_email["t1@ofppt.example"]["modules"][0]["status"] == "in_progress"
    assert by_email["t1@ofppt.example"]["modules"][0]["best_quiz_percent"] == pytest.approx(16.6)
    assert by_email["t1@ofppt.example"]["needs_attention"] == ["failed_last"]
    assert by_email["t2@ofppt.example"]["modules"][0]["status"] == "not_started"
    assert by_email["t2@ofppt.example"]["needs_attention"] == []  # enrolled today
    app.config["TEST_CLOCK"] = lambda: utcnow() + timedelta(days=8)
    later = api.get(f"/api/v1/cohorts/{cohort_id}/progress", token=people.sale_token).get_json()
    flags = {t["email"]: t["needs_attention"] for t in later["courses"][0]["trainees"]}
    assert flags["t2@ofppt.example"] == ["inactive"]
    assert flags["t1@ofppt.example"] == ["failed_last", "inactive"]
    assert flags["t0@ofppt.example"] == []  # done: nothing to chase
    del app.config["TEST_CLOCK"]
    assert course["summary"] == {
        "members": 3,
        "enrolled": 3,
        "started": 2,
        "completed": 1,
        "average_quiz_percent": pytest.approx(58.3),
    }
    stats = api.get(
        f"/api/v1/courses/{SLUG}/quiz-stats?cohort={cohort_id}", token=people.sale_token
    ).get_json()
    questions = {q["id"]: q for q in stats["quizzes"][0]["questions"]}
    assert questions["q1"]["attempts"] == 2 and questions["q1"]["percent_correct"] == 50
    assert questions["q3"]["percent_correct"] == 100
    assert questions["q1"]["most_chosen_wrong"] == {"value": "a", "count": 1}
    # authors see every trainee, without a cohort; trainers must name theirs
    by_author = api.get(f"/api/v1/courses/{SLUG}/quiz-stats", token=people.expert_token)
    assert by_author.status_code == 200
    assert "t0@" not in by_author.get_data(as_text=True)
    assert api.get(f"/api/v1/courses/{SLUG}/quiz-stats", token=people.sale_token).status_code == 422
    assert (
        api.get(
            f"/api/v1/courses/{SLUG}/quiz-stats?cohort={cohort_id}", token=people.kenitra_token
        ).status_code
        == 404
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CohortMember)) == 3
