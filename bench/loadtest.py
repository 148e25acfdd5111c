"""Load benchmark: elearn under gunicorn, driven from other processes, against a seeded
database, with the framework's ceiling measured in the same run. Run it as ``bench/run``:

    bench/run [--database-url URL] [--scale small|full] [--duration 60] [--no-seed]

1. Seed (``bench/seed.py``, unless ``--no-seed`` reuses what an earlier run loaded).
2. Prepare: recreate the load trainees (``t900000@bench.example`` …, members of a centre's
   whole-promotion cohort), mint their API tokens, build the expert's 100-lesson package.
3. In-process, warm, no network (the app's own cost): SQL statements and time of the
   lesson page, the lesson API, lesson completion and a quiz attempt; the cohort dashboard
   at every cohort size the dataset has (10, 100, 1,000); the CSV export's time and peak
   Python memory (tracemalloc) at each size up to the national cohort (10,000 at full).
4. The ceiling: ``bench/ceiling.py`` (one minimal Flask endpoint) under gunicorn, then
   elearn under the very same gunicorn command, each flooded by ``wrk`` (one thread,
   ``--connections`` keep-alive connections) for ``--duration`` seconds: the lesson page
   and the upload ticket as a share of the ceiling's requests/s.
5. The mix, with locust (``bench/locustfile.py``): ``--trainees`` trainees reading and
   taking quizzes, ``--trainers`` trainers on 1,000-trainee dashboards, one expert pushing
   a 100-lesson course; requests/s and p50/p95/p99 per endpoint.
6. The national cohort's CSV export over HTTP (time to the last byte), a soak of lesson
   reads until ``--soak`` requests were served in all, and each worker's resident memory.
7. A markdown block in ``docs/performance.md`` (between markers per database and scale,
   the rest of the page untouched) and on standard output.

Gunicorn runs ``-k gthread -w 2 --threads 4`` by default on a two-core machine: one process
per core so the GIL never leaves a core idle, four threads each to overlap database round
trips. wrk, locust and the database share the same two cores: the ratio to the ceiling,
measured under the same conditions, is the number to compare between machines.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import seed as seeding  # noqa: E402

BIN = Path(sys.executable).parent
UA = "elearn-bench/1"
COOKIE = "elearn_session"
#: The load trainees: t900000@bench.example onwards, recreated at every run.
LOAD_START = 900_000
LOAD_MAX = 2_000
IMPORT_SLUG = "bench-import-100"
DEFAULTS = {
    "small": {"duration": 20, "soak": 3_000, "trainers": 2, "repeat": 7},
    "full": {"duration": 60, "soak": 50_000, "trainers": 10, "repeat": 15},
}
#: Debian's wrk (apt-get install wrk).
WRK = shutil.which("wrk") or "/usr/bin/wrk"
SKIP_STATEMENTS = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- the machine ---------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mb": mem,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- in-process measurements ---------------------------------------------------------------


class Queries:
    """SQL statements sent while inside the block (transaction control left out)."""

    def __init__(self, engine):
        self.engine, self.sent = engine, []

    def _count(self, _conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(SKIP_STATEMENTS):
            self.sent.append(statement)

    def __enter__(self):
        import sqlalchemy as sa

        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        import sqlalchemy as sa

        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def __len__(self):
        return len(self.sent)


def measure(engine, call, repeat: int, expect=(200,)) -> dict:
    """Warm: one call first, then ``repeat`` timed ones; statements of the first timed one."""
    response = call()
    body = response.get_data()
    if response.status_code not in expect:
        raise RuntimeError(f"{response.status_code}: {body[:300]!r}")
    times, queries = [], 0
    for n in range(repeat):
        started = time.perf_counter()
        if n == 0:
            with Queries(engine) as q:
                response = call()
                body = response.get_data()
            queries = len(q)
        else:
            response = call()
            body = response.get_data()
        times.append(time.perf_counter() - started)
    return {
        "median_ms": 1000 * statistics.median(times),
        "max_ms": 1000 * max(times),
        "queries": queries,
        "kb": len(body) / 1024,
    }


def once(engine, call, expect=(200, 201)) -> tuple[dict, object]:
    started = time.perf_counter()
    with Queries(engine) as q:
        response = call()
        body = response.get_data()
    elapsed = time.perf_counter() - started
    if response.status_code not in expect:
        raise RuntimeError(f"{response.status_code}: {body[:300]!r}")
    return {"median_ms": 1000 * elapsed, "max_ms": 1000 * elapsed, "queries": len(q)}, response


def answer_for(question: dict):
    """A well-formed answer of the question's type (right or wrong does not matter here)."""
    kind, choices = question["type"], question.get("choices") or []
    if kind == "true_false":
        return True
    if kind == "numeric":
        return 12.6
    if kind == "multiple":
        return [c["id"] for c in choices[:1]]
    return choices[0]["id"] if choices else "réponse"


def export_memory(client, url: str) -> tuple[float, int]:
    """Peak Python memory (MiB) allocated while streaming the export, and its size."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        response = client.get(url, buffered=False)
        size = 0
        for chunk in response.response:
            size += len(chunk)
        response.close()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return peak / 2**20, size


def test_client(app, email: str):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = UA
    response = client.post("/login", data={"email": email, "password": seeding_password()})
    if response.status_code not in (302, 303):
        raise RuntimeError(f"could not sign in {email} in-process ({response.status_code})")
    return client


def seeding_password() -> str:
    from bench.dataset import PASSWORD

    return PASSWORD


# -- preparing the accounts ----------------------------------------------------------------


def prepare(app, args, tmp: Path) -> dict:
    """Recreate the load trainees and the expert's package; find cohorts and lessons."""
    import sqlalchemy as sa

    from bench.dataset import add_members, add_trainees, write_package
    from elearn.accounts import services as accounts
    from elearn.accounts.models import Centre, User
    from elearn.authoring.models import Course, Lesson, Module, Quiz
    from elearn.authoring.push import package_file
    from elearn.cohorts.models import Cohort, CohortCourse, CohortMember, CohortTrainer
    from elearn.core.db import utcnow
    from elearn.extensions import db
    from elearn.learning.models import Enrolment, LessonCompletion
    from elearn.media.models import MediaUpload
    from elearn.quizzes.models import QuizAttempt

    session = db.session
    now = utcnow()
    load_emails = [f"t{n}@bench.example" for n in range(LOAD_START, LOAD_START + LOAD_MAX)]
    session.execute(sa.delete(User).where(User.email.in_(load_emails)))
    expert = accounts.find_user(session, "expert.dmk@bench.example")
    if expert is None:
        raise SystemExit("the database is not seeded (no expert.dmk@bench.example): drop --no-seed")
    session.execute(sa.delete(MediaUpload).where(MediaUpload.user_id == expert.id))
    old = session.scalar(sa.select(Course).where(Course.slug == IMPORT_SLUG))
    if old is not None:
        session.delete(old)
    session.commit()

    cohorts = {c.id: c for c in session.scalars(sa.select(Cohort).order_by(Cohort.id))}
    whole = [c for c in cohorts.values() if c.name.endswith("promotion complète")]
    national = next(c for c in cohorts.values() if c.name.startswith("Promotion nationale"))
    course_of = dict(
        session.execute(sa.select(CohortCourse.cohort_id, CohortCourse.course_id)).all()
    )
    first = whole[0]
    course = session.get(Course, course_of[first.id])
    centre = session.get(Centre, first.centre_id)
    ids = add_trainees(session, centre.id, args.trainees, start=LOAD_START)
    add_members(session, first.id, course.id, ids, since=now - timedelta(days=1))
    tokens = []
    for user_id in ids:
        _row, plain = accounts.create_token(
            session, session.get(User, user_id), "bench", now=now, lifetime_days=1
        )
        tokens.append(plain)
    _row, expert_token = accounts.create_token(session, expert, "bench", now=now, lifetime_days=1)
    session.commit()

    sizes = dict(
        session.execute(
            sa.select(CohortMember.cohort_id, sa.func.count()).group_by(CohortMember.cohort_id)
        ).all()
    )
    trainer_of = {}
    for cohort_id, email in session.execute(
        sa.select(CohortTrainer.cohort_id, User.email)
        .join(User, User.id == CohortTrainer.user_id)
        .order_by(CohortTrainer.cohort_id, User.email)
    ):
        if not email.startswith("admin"):
            trainer_of.setdefault(cohort_id, email)
    by_size = {}
    for cohort_id, size in sorted(sizes.items()):
        if cohort_id not in (national.id, first.id):
            by_size.setdefault(size, cohort_id)
    # the sizes the target names, when the dataset has them
    if {10, 100} <= set(by_size):
        by_size = {k: v for k, v in by_size.items() if k in (10, 100, 1000)}
    counts = {
        name: session.scalar(sa.select(sa.func.count()).select_from(model))
        for name, model in (
            ("users", User),
            ("courses", Course),
            ("lessons", Lesson),
            ("cohorts", Cohort),
            ("enrolments", Enrolment),
            ("lesson completions", LessonCompletion),
            ("quiz attempts", QuizAttempt),
        )
    }

    modules = []
    for module in session.scalars(
        sa.select(Module)
        .where(Module.course_id == course.id, Module.published.is_not(None))
        .order_by(Module.position)
    ):
        lessons = session.scalars(
            sa.select(Lesson.slug)
            .where(Lesson.module_id == module.id, Lesson.published.is_not(None))
            .order_by(Lesson.position)
        ).all()
        quiz = session.scalar(
            sa.select(Quiz.id).where(Quiz.module_id == module.id, Quiz.published.is_not(None))
        )
        modules.append({"slug": module.slug, "lessons": list(lessons), "quiz": bool(quiz)})

    packages = []
    for variant in range(2):
        folder = write_package(tmp / f"package-{variant}", IMPORT_SLUG, lessons=100)
        lesson = next(folder.glob("01-*/01-*.fr.md"))
        lesson.write_text(
            lesson.read_text(encoding="utf-8") + f"\n\nVersion {variant + 1}.\n", encoding="utf-8"
        )
        with package_file(folder) as (name, fh, _size):
            path = tmp / f"{variant}-{name}"
            path.write_bytes(fh.read())
        packages.append(str(path))

    return {
        "counts": counts,
        "course": course.slug,
        "modules": modules,
        "trainees": [
            {"email": f"t{LOAD_START + n}@bench.example", "token": tokens[n], "user_id": ids[n]}
            for n in range(len(ids))
        ],
        "whole": [
            {"id": c.id, "size": sizes.get(c.id, 0), "trainer": trainer_of[c.id]} for c in whole
        ],
        "national": {
            "id": national.id,
            "size": sizes.get(national.id, 0),
            "trainer": trainer_of[national.id],
        },
        "by_size": {
            size: {"id": cid, "trainer": trainer_of[cid]} for size, cid in sorted(by_size.items())
        },
        "expert": {"email": expert.email, "token": expert_token, "packages": packages},
    }


def in_process(app, plan: dict, repeat: int) -> dict:
    from elearn.extensions import db

    with app.app_context():
        engine = db.engine
    out: dict = {"requests": {}, "dashboard": {}, "national_dashboard": {}, "export": {}}
    me = plan["trainees"][0]
    bearer = {"Authorization": f"Bearer {me['token']}"}
    client = test_client(app, me["email"])
    module = plan["modules"][0]
    lesson = f"/courses/{plan['course']}/modules/{module['slug']}/lessons/{module['lessons'][2]}"
    r = out["requests"]
    r["lesson page"] = measure(engine, lambda: client.get(lesson), repeat)
    r["lesson (API)"] = measure(
        engine, lambda: client.get("/api/v1" + lesson, headers=bearer), repeat
    )
    r["lesson complete (API)"] = measure(
        engine, lambda: client.post(f"/api/v1{lesson}/complete", headers=bearer), repeat
    )
    last = plan["modules"][-1]["slug"]
    stats, response = once(
        engine,
        lambda: client.post(
            f"/api/v1/courses/{plan['course']}/modules/{last}/quiz/attempts", headers=bearer
        ),
    )
    r["quiz start (API)"] = stats
    attempt = response.get_json()
    answers = {q["id"]: answer_for(q) for q in attempt["questions"]}
    stats, _ = once(
        engine,
        lambda: client.put(
            f"/api/v1/attempts/{attempt['id']}/answers", json={"answers": answers}, headers=bearer
        ),
    )
    r["quiz save (API)"] = stats
    stats, _ = once(
        engine,
        lambda: client.post(
            f"/api/v1/attempts/{attempt['id']}/submit", json={"answers": answers}, headers=bearer
        ),
    )
    r["quiz submit (API)"] = stats

    expert = plan["expert"]
    ticket = {"filename": "Schéma OBD.png", "content_type": "image/png", "size": 48_213}
    r["upload ticket (API)"] = measure(
        engine,
        lambda: client.post(
            f"/api/v1/courses/{plan['ticket_course']}/media/uploads",
            json=ticket,
            headers={"Authorization": f"Bearer {expert['token']}"},
        ),
        repeat,
        expect=(201,),
    )

    clients = {}

    def trainer(email):
        if email not in clients:
            clients[email] = test_client(app, email)
        return clients[email]

    national = plan["national"]
    cohorts = [(size, cohort, False) for size, cohort in sorted(plan["by_size"].items())]
    cohorts.append((national["size"], national, True))
    for size, cohort, whole_country in cohorts:
        c = trainer(cohort["trainer"])
        page = measure(
            engine, partial(c.get, f"/cohorts/{cohort['id']}"), 3 if whole_country else repeat
        )
        out["national_dashboard" if whole_country else "dashboard"][size] = page
        url = f"/cohorts/{cohort['id']}/progress.csv"
        timing = measure(engine, partial(c.get, url), max(3, repeat // 3))
        peak, size_bytes = export_memory(c, url)
        out["export"][size] = {**timing, "peak_mib": peak, "bytes": size_bytes}
        log(f"  in-process: cohort of {size:,} measured")
    return out


# -- servers and load generators -----------------------------------------------------------


class Gunicorn:
    """``gunicorn -k gthread -w W --threads T`` serving ``target``, stopped by its pid."""

    def __init__(self, target: str, port: int, args, env: dict, logfile: Path):
        self.cmd = [
            str(BIN / "gunicorn"),
            "-k",
            "gthread",
            "-w",
            str(args.workers),
            "--threads",
            str(args.threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            target,
        ]
        self.base = f"http://127.0.0.1:{port}"
        self.env, self.logfile, self.nworkers = env, logfile, args.workers

    def __enter__(self):
        self.log = self.logfile.open("ab")
        self.proc = subprocess.Popen(  # noqa: S603
            self.cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log
        )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_ready(self) -> None:
        import requests

        deadline = time.monotonic() + 90
        path = "/healthz" if "wsgi" in self.cmd[-1] else "/"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.tail())
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.base + path, timeout=2).status_code == 200:
                    # every worker up, not just the first
                    if len(self.workers()) == self.nworkers:
                        return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer on {self.base}:\n" + self.tail())

    def tail(self) -> str:
        self.log.flush()
        return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-30:])

    def workers(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                        pids.append(int(entry.name))
        return sorted(pids)

    def memory(self) -> list[dict]:
        out = []
        for pid in self.workers():
            fields = {}
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    key, _, value = line.partition(":")
                    if key in ("VmRSS", "VmHWM"):
                        fields[key] = int(value.split()[0]) / 1024
            out.append({"pid": pid, "rss_mb": fields.get("VmRSS"), "hwm_mb": fields.get("VmHWM")})
        return out

    def __exit__(self, *exc):
        workers = self.workers()
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            for pid in [self.proc.pid, *workers]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


WRK_SCRIPT = """
local specs = %(specs)s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  reqs = {}
  for i, s in ipairs(specs) do reqs[i] = wrk.format(s[1], s[2], s[3], s[4]) end
  n, i, bad = #reqs, 0, 0
end
function request()
  i = i %% n + 1
  return reqs[i]
end
function response(status, headers, body)
  if status >= 300 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local bad_total = 0
  for _, t in ipairs(threads) do bad_total = bad_total + t:get("bad") end
  io.write(string.format(
    'WRK {"requests": %%d, "duration_us": %%d, "bad_status": %%d, "socket_errors": %%d,' ..
    ' "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, bad_total,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def lua_string(value: str) -> str:
    if not value.isascii():
        raise ValueError("wrk scripts take ASCII only")
    return json.dumps(value)


def lua_request(method: str, path: str, headers: dict, body: str | None) -> str:
    head = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
    payload = lua_string(body) if body is not None else "nil"
    return f"{{{lua_string(method)}, {lua_string(path)}, {{{head}}}, {payload}}}"


def wrk(base: str, specs: list[tuple], *, seconds: int, connections: int, tmp: Path) -> dict:
    """Flood ``base`` with ``specs`` (method, path, headers, body) in turn; one wrk thread."""
    table = "{" + ", ".join(lua_request(*spec) for spec in specs) + "}"
    script = tmp / f"wrk-{secrets.token_hex(4)}.lua"
    script.write_text(WRK_SCRIPT % {"specs": table})
    result = subprocess.run(  # noqa: S603
        [
            WRK,
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("WRK "))
    data = json.loads(line[4:])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    for key in ("p50", "p95", "p99", "max"):
        data[f"{key}_ms"] = data.pop(f"{key}_us") / 1000
    return data


def sign_in(base: str, email: str, warm: str) -> str:
    """Sign in through the real form (CSRF token and all); the settled session cookie."""
    import requests

    s = requests.Session()
    s.headers["User-Agent"] = UA
    page = s.get(base + "/login", timeout=30)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', page.text
    )
    if not found:
        raise RuntimeError("no CSRF token on /login")
    response = s.post(
        base + "/login",
        data={"csrf_token": found.group(1), "email": email, "password": seeding_password()},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code not in (302, 303):
        raise RuntimeError(f"sign-in of {email} failed: {response.status_code}")
    check = s.get(base + warm, timeout=60)
    if check.status_code != 200:
        raise RuntimeError(f"{email} cannot open {warm}: {check.status_code}")
    return s.cookies.get(COOKIE)


def locust(base: str, plan_path: Path, users: int, seconds: int, tmp: Path, env: dict) -> dict:
    prefix = tmp / "locust"
    subprocess.run(  # noqa: S603
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "30",
        ],
        cwd=ROOT,
        env={**env, "BENCH_PLAN": str(plan_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    rows = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = row["Name"] if row["Type"] else "all"
            rows[name] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0),
                "p99_ms": float(row["99%"] or 0),
                "max_ms": float(row["Max Response Time"] or 0),
            }
    failures = []
    with contextlib.suppress(OSError), open(f"{prefix}_failures.csv", encoding="utf-8") as handle:
        failures = [
            f"{r['Name']}: {r['Error'][:160]} ×{r['Occurrences']}" for r in csv.DictReader(handle)
        ]
    return {"rows": rows, "failures": failures}


def csv_over_http(base: str, cookie: str, cohort_id: int, runs: int = 3) -> dict:
    import requests

    times, first, size = [], [], 0
    for _ in range(runs + 1):
        started = time.perf_counter()
        with requests.get(
            f"{base}/cohorts/{cohort_id}/progress.csv",
            cookies={COOKIE: cookie},
            headers={"User-Agent": UA},
            stream=True,
            timeout=120,
        ) as response:
            if response.status_code != 200:
                raise RuntimeError(f"CSV export: {response.status_code}")
            size = 0
            for n, chunk in enumerate(response.iter_content(65536)):
                if n == 0:
                    first.append(time.perf_counter() - started)
                size += len(chunk)
        times.append(time.perf_counter() - started)
    times, first = times[1:], first[1:]  # the first one warms up
    return {
        "seconds": statistics.median(times),
        "first_byte_s": statistics.median(first),
        "mb": size / 2**20,
    }


# -- the run -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/run", description=__doc__.split("\n\n")[0], allow_abbrev=False
    )
    parser.add_argument("--database-url", default=seeding.DEFAULT_URL)
    parser.add_argument("--scale", choices=sorted(seeding.SCALES), default="full")
    parser.add_argument("--duration", type=int, help="seconds per load phase (20 small, 60 full)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--trainees", type=int, default=40)
    parser.add_argument("--trainers", type=int, help="trainers on dashboards (2 small, 10 full)")
    parser.add_argument("--soak", type=int, help="requests served before reading memory")
    parser.add_argument("--repeat", type=int, help="in-process repetitions")
    parser.add_argument("--no-seed", action="store_true", help="reuse the seeded database")
    parser.add_argument(
        "--imported", type=int, help="seed: import this many courses, copy the others"
    )
    parser.add_argument("--port", type=int, default=8310)
    parser.add_argument("--report", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--json", help="also write every number measured to this file")
    args = parser.parse_args(argv)
    defaults = DEFAULTS[args.scale]
    for key in ("duration", "soak", "trainers", "repeat"):
        if getattr(args, key) is None:
            setattr(args, key, defaults[key])
    if not 1 <= args.trainees <= LOAD_MAX:
        parser.error(f"--trainees between 1 and {LOAD_MAX}")
    # stop the servers this run started when it is stopped itself
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    result: dict = {
        "argv": sys.argv[1:] if argv is None else argv,
        "scale": args.scale,
        "machine": machine(),
        "load_before": load_average(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "settings": vars(args).copy(),
    }
    with tempfile.TemporaryDirectory(prefix="elearn-bench-") as tmpdir:
        tmp = Path(tmpdir)
        if not args.no_seed:
            log(f"seeding {args.scale} scale into {args.database_url}")
            t = time.perf_counter()
            command = [
                sys.executable,
                str(ROOT / "bench" / "seed.py"),
                "--database-url",
                args.database_url,
                "--scale",
                args.scale,
            ]
            if args.imported:
                command += ["--imported", str(args.imported)]
            seeded = subprocess.run(  # noqa: S603
                command, check=True, stdout=subprocess.PIPE, text=True
            )
            print(seeded.stdout, file=sys.stderr)
            result["seed_seconds"] = time.perf_counter() - t
            result["seed_times"] = next(
                (x.strip() for x in seeded.stdout.splitlines() if x.strip().startswith("time:")),
                "",
            )
        env = {
            **os.environ,
            "ELEARN_DATABASE_URL": args.database_url,
            "ELEARN_SECRET_KEY": secrets.token_urlsafe(48),
            "ELEARN_RATELIMIT_ENABLED": "false",
            "ELEARN_INSTANCE_DIR": str(tmp / "instance"),
            "ELEARN_MAIL_BACKEND": "log",
        }
        os.environ.update(env)
        from elearn import create_app
        from elearn.extensions import db

        app = create_app()
        app.config["WTF_CSRF_ENABLED"] = False  # the in-process client signs in directly
        with app.app_context():
            result["database"] = database_version(db)
            log("preparing load accounts and packages")
            plan = prepare(app, args, tmp)
            result["counts"] = plan["counts"]
        plan["ticket_course"] = first_dmk_course(app)
        log("in-process measurements")
        result["in_process"] = in_process(app, plan, args.repeat)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

        served = 0
        logs = tmp / "gunicorn.log"
        log(f"ceiling: bench/ceiling.py, wrk {args.duration} s")
        with Gunicorn("bench.ceiling:app", args.port, args, env, logs) as server:
            ceiling = wrk(
                server.base,
                [("GET", "/", {"User-Agent": UA}, None)],
                seconds=args.duration,
                connections=args.connections,
                tmp=tmp,
            )
            ceiling["memory"] = server.memory()
        result["ceiling"] = ceiling
        log(f"  ceiling {ceiling['rps']:.0f} requests/s")

        with Gunicorn("wsgi:app", args.port + 1, args, env, logs) as server:
            base = server.base
            result["memory_boot"] = server.memory()
            module = plan["modules"][0]
            first_lesson = f"/courses/{plan['course']}/modules/{module['slug']}/lessons/"
            log(f"signing in {len(plan['trainees'])} trainees and the trainers over HTTP")
            for person in plan["trainees"]:
                person["cookie"] = sign_in(
                    base, person["email"], first_lesson + module["lessons"][0]
                )
            trainers = []
            for n in range(args.trainers):
                cohort = plan["whole"][n % len(plan["whole"])]
                trainers.append(
                    {
                        "cookie": sign_in(base, cohort["trainer"], f"/cohorts/{cohort['id']}"),
                        "cohort": cohort["id"],
                        "size": cohort["size"],
                    }
                )
            national = plan["national"]
            national_cookie = sign_in(base, national["trainer"], f"/cohorts/{national['id']}")
            served += 3 * (len(plan["trainees"]) + args.trainers + 1)
            result["memory_start"] = server.memory()

            me = plan["trainees"][0]
            lesson_specs = [
                (
                    "GET",
                    first_lesson.rsplit("/modules/", 1)[0] + f"/modules/{m['slug']}/lessons/{slug}",
                    {"User-Agent": UA, "Cookie": f"{COOKIE}={me['cookie']}"},
                    None,
                )
                for m in plan["modules"]
                for slug in m["lessons"]
            ]
            log(f"lesson page: wrk {args.duration} s over {len(lesson_specs)} lessons")
            lesson = wrk(
                base, lesson_specs, seconds=args.duration, connections=args.connections, tmp=tmp
            )
            served += lesson["requests"]
            log(f"  lesson page {lesson['rps']:.0f} requests/s")
            ticket_body = json.dumps(
                {"filename": "schema-obd.png", "content_type": "image/png", "size": 48213}
            )
            ticket_spec = [
                (
                    "POST",
                    f"/api/v1/courses/{plan['ticket_course']}/media/uploads",
                    {
                        "User-Agent": UA,
                        "Authorization": f"Bearer {plan['expert']['token']}",
                        "Content-Type": "application/json",
                    },
                    ticket_body,
                )
            ]
            log(f"upload ticket: wrk {args.duration} s")
            ticket = wrk(
                base, ticket_spec, seconds=args.duration, connections=args.connections, tmp=tmp
            )
            served += ticket["requests"]
            log(f"  upload ticket {ticket['rps']:.0f} requests/s")
            result["throughput"] = {"lesson page": lesson, "upload ticket (API)": ticket}

            locust_plan = {
                "user_agent": UA,
                "cookie_name": COOKIE,
                "trainees": [
                    {
                        "cookie": p["cookie"],
                        "token": p["token"],
                        "course": plan["course"],
                        "modules": plan["modules"],
                        "start_module": n,
                        "start_lesson": (7 * n) % 11,
                    }
                    for n, p in enumerate(plan["trainees"])
                ],
                "trainers": trainers,
                "expert": {
                    "token": plan["expert"]["token"],
                    "packages": plan["expert"]["packages"],
                    "label": "course import, 100 lessons (API)",
                },
            }
            plan_path = tmp / "plan.json"
            plan_path.write_text(json.dumps(locust_plan))
            users = len(plan["trainees"]) + len(trainers) + 1
            log(
                f"mixed load: locust {args.duration} s, {len(plan['trainees'])} trainees,"
                f" {len(trainers)} trainers, 1 expert"
            )
            mixed = locust(base, plan_path, users, args.duration, tmp, env)
            served += mixed["rows"].get("all", {}).get("requests", 0)
            result["mixed"] = mixed

            log(f"CSV export of the national cohort ({national['size']:,} trainees) over HTTP")
            before = server.memory()
            result["csv_http"] = csv_over_http(base, national_cookie, national["id"])
            result["csv_http"]["memory_before"] = before
            result["csv_http"]["memory_after"] = server.memory()
            served += 4

            if args.soak > served:
                log(f"soak: lesson pages until {args.soak:,} requests were served")
            rate = max(lesson["rps"], 1)
            while args.soak > served:
                # wrk stops on time, not on a count: aim from the last rate, go again if short
                seconds = max(5, round(1.05 * (args.soak - served) / rate))
                soak = wrk(
                    base, lesson_specs, seconds=seconds, connections=args.connections, tmp=tmp
                )
                served += soak["requests"]
                rate = max(soak["rps"], 1)
                result["soak"] = soak
            result["served"] = served
            result["memory_end"] = server.memory()
    result["load_after"] = load_average()
    result["seconds"] = time.perf_counter() - started
    block = render(result, args)
    print(block)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    if not args.no_report:
        write_block(Path(args.report), result["database"]["name"], args.scale, block)
        log(f"results written to {args.report}")
    return 0


def database_version(db) -> dict:
    name = db.engine.dialect.name
    if name == "postgresql":
        version = db.session.scalar(db.text("SHOW server_version"))
        return {"name": "postgresql", "label": f"PostgreSQL {version.split()[0]}"}
    import sqlite3

    return {"name": "sqlite", "label": f"SQLite {sqlite3.sqlite_version}"}


def first_dmk_course(app) -> str:
    """A course of the expert's network, where the upload tickets are asked for."""
    import sqlalchemy as sa

    from elearn.accounts.models import Network
    from elearn.authoring.models import Course
    from elearn.extensions import db

    with app.app_context():
        return db.session.scalar(
            sa.select(Course.slug)
            .join(Network, Network.id == Course.network_id)
            .where(Network.code == "DMK", Course.slug != IMPORT_SLUG)
            .order_by(Course.slug)
        )


# -- the report ----------------------------------------------------------------------------


def _ms(value) -> str:
    return "—" if value is None else f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**not met**")


def render(result: dict, args) -> str:
    m, db = result["machine"], result["database"]
    ceiling = result["ceiling"]
    lesson = result["throughput"]["lesson page"]
    ticket = result["throughput"]["upload ticket (API)"]
    inproc = result["in_process"]
    mixed = result["mixed"]["rows"]
    sizes = sorted(inproc["dashboard"])
    largest = max(sizes) if sizes else None
    export_sizes = sorted(inproc["export"])
    national = result["csv_http"]
    cmd = "bench/run " + " ".join(result["argv"])
    lines = [
        f"#### {db['label']}, {args.scale} scale — {result['date']}",
        "",
        f"`{cmd.strip()}` — {m['cores']} × {m['cpu']}, {m['memory_mb']:,} MB RAM, "
        f"Python {m['python']}, Linux {m['kernel']}; load average {result['load_before']} "
        f"before, {result['load_after']} after (1, 5, 15 min). gunicorn `-k gthread "
        f"-w {args.workers} --threads {args.threads}`; wrk one thread, "
        f"{args.connections} connections, {args.duration} s per phase; locust "
        f"{args.duration} s. "
        + (
            f"Seeding took {result['seed_seconds']:.0f} s ({result['seed_times']}). "
            if "seed_seconds" in result
            else ""
        )
        + f"Whole run {result['seconds'] / 60:.1f} min.",
        "",
        "Dataset: " + ", ".join(f"{v:,} {k}" for k, v in result["counts"].items()) + ".",
        "",
        "**Throughput** (wrk, keep-alive, one signed-in trainee's cookie or the expert's token):",
        "",
        "| endpoint | requests/s | share of ceiling | p50 | p95 | p99 | non-2xx |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| ceiling: minimal Flask endpoint | {ceiling['rps']:,.0f} | 100 % | "
        f"{_ms(ceiling['p50_ms'])} | {_ms(ceiling['p95_ms'])} | {_ms(ceiling['p99_ms'])} | "
        f"{ceiling['bad_status'] + ceiling['socket_errors']} |",
    ]
    for name, row in (
        ("lesson page (HTML, 60 lessons in turn)", lesson),
        ("upload ticket (API)", ticket),
    ):
        lines.append(
            f"| {name} | {row['rps']:,.0f} | {100 * row['rps'] / ceiling['rps']:.0f} % | "
            f"{_ms(row['p50_ms'])} | {_ms(row['p95_ms'])} | {_ms(row['p99_ms'])} | "
            f"{row['bad_status'] + row['socket_errors']} |"
        )
    trainers = args.trainers
    lines += [
        "",
        f"**Mixed load** (locust, {args.duration} s: {args.trainees} trainees reading and taking "
        f"quizzes, {trainers} trainers on whole-promotion dashboards, one expert pushing a "
        "100-lesson course):",
        "",
        "| endpoint | requests | requests/s | p50 | p95 | p99 | max | failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in sorted(mixed.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        label = "**all**" if name == "all" else name
        lines.append(
            f"| {label} | {row['requests']:,} | {row['rps']:.1f} | {_ms(row['p50_ms'])} | "
            f"{_ms(row['p95_ms'])} | {_ms(row['p99_ms'])} | {_ms(row['max_ms'])} | "
            f"{row['failures']} |"
        )
    if result["mixed"]["failures"]:
        lines += ["", "Failures: " + "; ".join(result["mixed"]["failures"][:5])]
    lines += [
        "",
        "**In-process** (Flask test client, warm, median of "
        f"{args.repeat}; SQL statements counted without BEGIN/COMMIT):",
        "",
        "| request | median | slowest | SQL statements | size |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in inproc["requests"].items():
        size = f"{row['kb']:.1f} KB" if "kb" in row else "—"
        note = " (one attempt)" if "quiz" in name else ""
        lines.append(
            f"| {name}{note} | {_ms(row['median_ms'])} | {_ms(row['max_ms'])} | "
            f"{row['queries']} | {size} |"
        )
    for size in sizes:
        row = inproc["dashboard"][size]
        lines.append(
            f"| dashboard, cohort of {size:,} × 60 lessons | {_ms(row['median_ms'])} | "
            f"{_ms(row['max_ms'])} | {row['queries']} | {row['kb']:.1f} KB |"
        )
    for size, row in inproc["national_dashboard"].items():
        lines.append(
            f"| dashboard, national cohort of {size:,} (median of 3) | {_ms(row['median_ms'])} | "
            f"{_ms(row['max_ms'])} | {row['queries']} | {row['kb']:.1f} KB |"
        )
    for size in export_sizes:
        row = inproc["export"][size]
        lines.append(
            f"| CSV export, {size:,} trainees (peak Python memory {row['peak_mib']:.1f} MiB) | "
            f"{_ms(row['median_ms'])} | {_ms(row['max_ms'])} | {row['queries']} | "
            f"{row['bytes'] / 1024:,.0f} KB |"
        )
    mem_end = result["memory_end"]
    rss = [w["rss_mb"] for w in mem_end if w["rss_mb"]]
    lines += [
        "",
        f"National cohort's CSV over HTTP ({national_size(result):,} trainees, "
        f"{national['mb']:.1f} MiB): {national['seconds']:.2f} s to the last byte, "
        f"first byte after {national['first_byte_s']:.2f} s (median of 3, warm). Worker RSS "
        f"around it: {fmt_mem(national['memory_before'])} → {fmt_mem(national['memory_after'])}.",
        "",
        f"Worker memory after {result['served']:,} requests: {fmt_mem(mem_end)} "
        f"(after start-up: {fmt_mem(result['memory_boot'])}; after the sign-ins: "
        f"{fmt_mem(result['memory_start'])}; the ceiling app's workers: "
        f"{fmt_mem(result['ceiling']['memory'])}).",
    ]
    # targets
    submit = mixed.get("quiz submit (API)", {})
    dash_queries = {inproc["dashboard"][s]["queries"] for s in sizes}
    exp = inproc["export"]
    growth = None
    if len(export_sizes) >= 2:
        # the largest cohort against the next one down (1,000 against 10,000 at full scale)
        small_peak = exp[export_sizes[-2]]["peak_mib"]
        big_peak = exp[export_sizes[-1]]["peak_mib"]
        growth = (big_peak / max(small_peak, 0.01), export_sizes[-1] / export_sizes[-2])
    lesson_ratio = lesson["rps"] / ceiling["rps"]
    ticket_ratio = ticket["rps"] / ceiling["rps"]
    lesson_q = inproc["requests"]["lesson page"]["queries"]
    dash = inproc["dashboard"].get(largest, {})
    rows = [
        (
            "lesson page ≥ 40 % of the ceiling's requests/s",
            f"{100 * lesson_ratio:.0f} %",
            lesson_ratio >= 0.40,
        ),
        ("lesson page ≤ 4 SQL statements", str(lesson_q), lesson_q <= 4),
        (
            f"quiz submit p95 ≤ 150 ms at {args.trainees} concurrent trainees",
            _ms(submit.get("p95_ms"))
            + f" ({submit.get('requests', 0)} submits"
            + (", too few to judge)" if submit.get("requests", 0) < 20 else ")"),
            None if submit.get("requests", 0) < 20 else submit["p95_ms"] <= 150,
        ),
        (
            f"dashboard, {largest:,} trainees × 60 lessons, ≤ 150 ms warm",
            _ms(dash.get("median_ms")),
            None if not dash else dash["median_ms"] <= 150,
        ),
        (
            "dashboard: same SQL statements at " + ", ".join(f"{s:,}" for s in sizes),
            " / ".join(str(inproc["dashboard"][s]["queries"]) for s in sizes),
            len(dash_queries) == 1,
        ),
        (
            f"CSV export of {national_size(result):,} × 60 streamed in ≤ 3 s",
            f"{national['seconds']:.2f} s",
            national["seconds"] <= 3,
        ),
        (
            "CSV export: memory does not grow with its size",
            "peak memory ×{:.1f} for ×{:.0f} trainees".format(*growth) if growth else "—",
            None if not growth else growth[0] <= 2,
        ),
        (
            f"≤ 75 MB resident per worker after 50,000 requests (here {result['served']:,})",
            f"{max(rss):.0f} MB" if rss else "—",
            None if not rss else max(rss) <= 75,
        ),
        (
            "upload ticket ≥ 50 % of the ceiling",
            f"{100 * ticket_ratio:.0f} %",
            ticket_ratio >= 0.5,
        ),
    ]
    lines += ["", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {t} | {v} | {_mark(ok)} |" for t, v, ok in rows]
    return "\n".join(lines) + "\n"


def national_size(result: dict) -> int:
    return max(result["in_process"]["export"]) if result["in_process"]["export"] else 0


def fmt_mem(workers: list[dict]) -> str:
    values = [f"{w['rss_mb']:.0f}" for w in workers if w.get("rss_mb")]
    return (" / ".join(values) + " MB") if values else "—"


def write_block(path: Path, database: str, scale: str, block: str) -> None:
    """Replace this database and scale's block between its markers; keep the rest."""
    start, end = f"<!-- bench:{database}:{scale} -->", f"<!-- /bench:{database}:{scale} -->"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    new = f"{start}\n{block}{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _old, after = rest.split(end, 1)
        text = before + new + after
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
