"""The scheduled work a worker runs: expired attempts graded, stale media collected, lost
jobs delivered again — each run as the worker runs it (``jobs.runner.run_periodic``)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from elearn.jobs import runner
from elearn.jobs.registry import PERIODIC
from tests.quizkit import QUIZ, answers_for, enrolled_trainee, publish


def run(app, name: str) -> None:
    (periodic,) = [p for p in PERIODIC if p.name == name]
    runner.run_periodic(app, periodic)


def test_an_abandoned_timed_attempt_is_graded_without_waiting_for_the_trainee(
    app, api, make, clock
):
    publish(api, make, time_limit=10, max_attempts=2)
    token = enrolled_trainee(api, make)
    attempt = api.post(QUIZ, token=token).get_json()
    api.call(
        "PUT",
        f"/api/v1/attempts/{attempt['id']}/answers",
        token=token,
        json={"answers": answers_for(attempt, {"q3": True})},
    )
    url = f"/api/v1/attempts/{attempt['id']}"
    clock.advance(minutes=5)
    run(app, "settle_expired_attempts")
    assert api.get(url, token=token).get_json()["status"] == "open"  # time is not over
    clock.advance(hours=2)  # the phone was closed
    run(app, "settle_expired_attempts")
    graded = api.get(url, token=token).get_json()
    assert graded["status"] == "expired" and graded["score"] == 1  # on what was saved
    run(app, "settle_expired_attempts")  # a second run changes nothing
    assert api.get(url, token=token).get_json() == graded


@pytest.fixture
def app_config(tmp_path):
    return {"STORAGE": "local", "MEDIA_DIR": str(tmp_path / "media")}


def test_the_nightly_clean_up_removes_only_old_unreferenced_media(app, make, tmp_path):
    make.course(publish=True)
    media = Path(tmp_path / "media")
    used = sorted(p for p in media.rglob("*") if p.is_file())
    assert used  # the course's image
    old, young = media / "courses/gone/old.png", media / "courses/gone/young.png"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"x")
    young.write_bytes(b"y")
    week_ago = time.time() - 7 * 86400
    for path in [old, *used]:
        os.utime(path, (week_ago, week_ago))
    run(app, "collect_media")
    assert not old.exists()
    assert young.exists()  # perhaps an import in progress
    assert all(p.exists() for p in used)  # what a course refers to stays, however old
