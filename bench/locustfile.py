"""The mixed load of ``bench/run``: trainees reading and taking quizzes, trainers watching
their 1,000-trainee dashboards, an expert pushing a 100-lesson course, all at once.

Not meant to be run by hand: ``bench/run`` seeds the database, creates the accounts, signs
them in and writes the plan this file reads (``BENCH_PLAN``: cookies, tokens, the lessons
of each trainee's course, the cohorts, the packages), then starts locust headless with
exactly ``len(trainees) + len(trainers) + 1`` users. Each user class has a ``fixed_count``
so the mix is the same whatever the spawn order.

- A trainee reads the lessons of a module one by one (the HTML page a phone loads, then
  "mark as done" through the API), then takes the module's quiz through the API: start,
  save the answers, submit; each starts somewhere inside a module, so quizzes come from
  the first seconds on. One to three seconds of reading between steps, so forty of them
  submit quizzes within the same minute.
- A trainer opens their cohort's dashboard (sorted or filtered now and then), every two to
  five seconds.
- The expert pushes the course package (``POST /api/v1/courses/import``) every ten to
  twenty seconds, alternating two versions that differ by one lesson, so every push is a
  real change.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from pathlib import Path

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

PLAN: dict = {"trainees": [], "trainers": [], "expert": None}
if os.environ.get("BENCH_PLAN"):
    with open(os.environ["BENCH_PLAN"], encoding="utf-8") as _handle:
        PLAN.update(json.load(_handle))
_lock = threading.Lock()
_next = {"trainee": itertools.count(), "trainer": itertools.count()}


def _take(kind: str) -> dict:
    with _lock:
        n = next(_next[kind])
    people = PLAN[kind + "s"]
    return people[n % len(people)]


class BenchUser(FastHttpUser):
    abstract = True

    def headers(self, **extra) -> dict:
        # the session cookie is the one of the plan, sent as a header: forget any the
        # server set meanwhile, or the two would travel together
        self.client.cookiejar.clear()
        return {"User-Agent": PLAN.get("user_agent", "elearn-bench"), **extra}


class TraineeUser(BenchUser):
    fixed_count = len(PLAN["trainees"])
    wait_time = between(1, 3)

    def on_start(self):
        me = _take("trainee")
        self.cookie = f"{PLAN['cookie_name']}={me['cookie']}"
        self.bearer = f"Bearer {me['token']}"
        self.course = me["course"]
        self.modules = me["modules"]
        self.rng = random.Random(me["token"])
        self.module = me.get("start_module", 0) % len(self.modules)
        # trainees start at different places in their module, so quizzes are submitted
        # from the first seconds on rather than all together after ten lessons
        self.lesson = me.get("start_lesson", 0) % (len(self.modules[self.module]["lessons"]) + 1)

    @task
    def step(self):
        module = self.modules[self.module]
        if self.lesson < len(module["lessons"]):
            self.read(module["slug"], module["lessons"][self.lesson])
            self.lesson += 1
            return
        if module["quiz"]:
            self.quiz(module["slug"])
        self.module = (self.module + 1) % len(self.modules)
        self.lesson = 0

    def read(self, module: str, lesson: str) -> None:
        path = f"/courses/{self.course}/modules/{module}/lessons/{lesson}"
        self.client.get(path, headers=self.headers(Cookie=self.cookie), name="lesson page")
        self.client.post(
            f"/api/v1{path}/complete",
            headers=self.headers(Authorization=self.bearer),
            name="lesson complete (API)",
        )

    def quiz(self, module: str) -> None:
        api = self.headers(Authorization=self.bearer)
        with self.client.post(
            f"/api/v1/courses/{self.course}/modules/{module}/quiz/attempts",
            headers=api,
            name="quiz start (API)",
            catch_response=True,
        ) as response:
            if response.status_code == 409:  # no attempt left on this module: move on
                response.success()
                return
            if response.status_code not in (200, 201):
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            attempt = response.json()
        answers = {q["id"]: self.answer(q) for q in attempt["questions"]}
        self.client.put(
            f"/api/v1/attempts/{attempt['id']}/answers",
            json={"answers": answers},
            headers=api,
            name="quiz save (API)",
        )
        self.client.post(
            f"/api/v1/attempts/{attempt['id']}/submit",
            json={"answers": answers},
            headers=api,
            name="quiz submit (API)",
        )

    def answer(self, question: dict):
        kind, choices = question["type"], question.get("choices") or []
        if kind == "true_false":
            return self.rng.random() < 0.8
        if kind == "numeric":
            return 12.6 if self.rng.random() < 0.6 else 11
        if kind == "multiple":
            return [c["id"] for c in choices if self.rng.random() < 0.5]
        if choices:
            return self.rng.choice(choices)["id"]
        return "réponse"


class TrainerUser(BenchUser):
    fixed_count = len(PLAN["trainers"])
    wait_time = between(2, 5)

    def on_start(self):
        me = _take("trainer")
        self.cookie = f"{PLAN['cookie_name']}={me['cookie']}"
        self.path = f"/cohorts/{me['cohort']}"
        self.name = f"dashboard ({me['size']:,} trainees)"
        self.rng = random.Random(me["cookie"])

    @task
    def dashboard(self):
        query = self.rng.choice(["", "", "?sort=progress&dir=desc", "?show=attention", "?page=2"])
        self.client.get(self.path + query, headers=self.headers(Cookie=self.cookie), name=self.name)


class ExpertUser(BenchUser):
    fixed_count = 1 if PLAN["expert"] else 0
    wait_time = between(10, 20)

    def on_start(self):
        me = PLAN["expert"]
        self.bearer = f"Bearer {me['token']}"
        self.packages = [Path(p).read_bytes() for p in me["packages"]]
        self.name = me.get("label", "course import")
        self.pushes = 0

    @task
    def push(self):
        data = self.packages[self.pushes % len(self.packages)]
        self.pushes += 1
        boundary = "elearn-bench-boundary"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="course.zip"\r\nContent-Type: application/zip\r\n\r\n'
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        self.client.post(
            "/api/v1/courses/import",
            data=body,
            headers=self.headers(
                Authorization=self.bearer,
                **{"Content-Type": f"multipart/form-data; boundary={boundary}"},
            ),
            name=self.name,
        )
