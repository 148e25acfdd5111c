"""Twenty requests at once: the attempt limit, the one open attempt and the single grading
hold under real concurrency (run on PostgreSQL in CI, where requests truly overlap)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from elearn.extensions import db
from elearn.quizzes.models import QuizAttempt
from tests.quizkit import QUIZ, RIGHT, answers_for, enrolled_trainee, publish

WORKERS = 20


def in_parallel(app, token, call):
    """Run ``call(client)`` from 20 threads released together; return their responses."""
    barrier = threading.Barrier(WORKERS)

    def run(_):
        client = app.test_client()
        barrier.wait()
        return call(client, {"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(run, range(WORKERS)))


def count_attempts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(QuizAttempt))


def test_twenty_simultaneous_starts_open_one_attempt(app, api, make):
    publish(api, make, max_attempts=3)
    token = enrolled_trainee(api, make)
    responses = in_parallel(app, token, lambda c, h: c.post(QUIZ, headers=h))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (WORKERS - 1) + [201]  # one created, the others resumed it
    assert len({r.get_json()["id"] for r in responses}) == 1
    assert count_attempts(app) == 1


def test_twenty_racing_trainees_never_exceed_the_attempt_limit(app, api, make):
    """Each thread starts and submits as fast as it can until refused."""
    publish(api, make, max_attempts=3)
    token = enrolled_trainee(api, make)

    def hammer(client, headers):
        seen = []
        for _ in range(6):
            started = client.post(QUIZ, headers=headers)
            if started.status_code == 409:
                break
            assert started.status_code in (200, 201), started.get_json()
            attempt = started.get_json()
            seen.append(attempt["attempt_number"])
            client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers, json={})
        return seen

    numbers = [n for seen in in_parallel(app, token, hammer) for n in seen]
    assert max(numbers) == 3
    assert count_attempts(app) == 3
    with app.app_context():
        rows = db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.number)).all()
        assert [a.number for a in rows] == [1, 2, 3]
        assert all(a.status == "submitted" for a in rows)


def test_twenty_simultaneous_submissions_are_graded_once(app, api, make):
    publish(api, make)
    token = enrolled_trainee(api, make)
    attempt = api.post(QUIZ, token=token).get_json()
    body = {"answers": answers_for(attempt, RIGHT)}
    url = f"/api/v1/attempts/{attempt['id']}/submit"
    responses = in_parallel(app, token, lambda c, h: c.post(url, headers=h, json=body))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (WORKERS - 1)
    with app.app_context():
        row = db.session.get(QuizAttempt, attempt["id"])
        assert row.percent == 100 and row.status == "submitted"
