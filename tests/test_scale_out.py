"""Two app instances (separate gunicorn processes) behind nginx round-robin, sharing
PostgreSQL, Redis and the S3 API server: whichever instance answers, a trainee's session,
quiz attempt, rate limits and uploads carry on. This is the deployment `docs/ops.md`
describes; Debian's nginx runs here with its own configuration in a temporary folder."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.harness import PASSWORD, PG_URL, VENV_BIN, free_port, redis_url
from tests.quizkit import QUIZ, RIGHT, SLUG, answers_for, publish

pytestmark = pytest.mark.fault
ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = redis_url(1)  # flushed by the test: this worker's own database
SECRET = "scale-out-secret-key-" + "x" * 30
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def wait_for(url: str, timeout: float = 90) -> None:
    """Until it answers 200 (gunicorn binds at once; its workers take a moment to boot)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=10).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


NGINX_CONF = """
daemon off;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {root}/body;
  proxy_temp_path {root}/proxy;
  fastcgi_temp_path {root}/fastcgi;
  uwsgi_temp_path {root}/uwsgi;
  scgi_temp_path {root}/scgi;
  upstream elearn {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; }}
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 25m;
    location / {{
      proxy_pass http://elearn;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Request-ID $request_id;
    }}
  }}
}}
"""


@pytest.fixture
def deployment(app, s3_bucket, tmp_path):
    """nginx on one port, two gunicorn instances behind it, both on the test database."""
    if not os.path.exists(NGINX):
        pytest.fail("nginx is needed (apt-get install nginx-light); .ci/run installs it")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {
        **os.environ,
        "ELEARN_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "ELEARN_SECRET_KEY": SECRET,
        "ELEARN_REDIS_URL": REDIS_URL,
        "ELEARN_PROXY_COUNT": "1",
        "ELEARN_STORAGE": "s3",
        "ELEARN_S3_ENDPOINT_URL": s3_bucket.endpoint,
        "ELEARN_S3_BUCKET": s3_bucket.name,
        "ELEARN_S3_REGION": "us-east-1",
        "ELEARN_S3_ADDRESSING_STYLE": "path",
        "ELEARN_LOGIN_LIMIT_PER_ACCOUNT": "6 per minute",
        "ELEARN_MAIL_BACKEND": "log",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    ports = [free_port(), free_port()]
    workers = []
    for number, port in enumerate(ports):
        instance = tmp_path / f"instance-{number}"
        instance.mkdir()
        workers.append(
            subprocess.Popen(
                [
                    str(VENV_BIN / "gunicorn"),
                    "--workers=2",
                    "--threads=2",
                    f"--bind=127.0.0.1:{port}",
                    f"--access-logfile={tmp_path}/access-{number}.log",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env={**env, "ELEARN_INSTANCE_DIR": str(instance)},
                stdout=subprocess.DEVNULL,
                stderr=open(tmp_path / f"gunicorn-{number}.log", "w"),  # noqa: SIM115
            )
        )
    front = free_port()
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / folder).mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.format(root=tmp_path, a=ports[0], b=ports[1], port=front))
    proxy = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp_path)])
    try:
        for port in (*ports, front):
            wait_for(f"http://127.0.0.1:{port}/healthz")
        yield {
            "front": f"http://127.0.0.1:{front}",
            "a": f"http://127.0.0.1:{ports[0]}",
            "b": f"http://127.0.0.1:{ports[1]}",
            "logs": [tmp_path / "access-0.log", tmp_path / "access-1.log"],
        }
    finally:
        proxy.terminate()
        for worker in workers:
            worker.terminate()
        for process in (proxy, *workers):
            process.wait(timeout=30)


def csrf(session: requests.Session, url: str) -> str:
    html = session.get(url, timeout=10).text
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


@pytest.mark.parametrize("backend", ["postgresql"] if PG_URL else [], indirect=True)
def test_two_instances_behind_nginx_behave_as_one(app, api, make, deployment, backend):
    publish(api, make, max_attempts=0)
    trainee = make.user("trainee", email="partout@ofppt.example")

    # signed in through nginx (page from one instance, form to the other), then each
    # instance in turn sees the same session
    browser = requests.Session()
    front = deployment["front"]
    token = csrf(browser, f"{front}/login")
    signed = browser.post(
        f"{front}/login",
        data={"email": trainee.email, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert signed.status_code == 303
    for _ in range(4):
        page = browser.get(f"{front}/my/learning", timeout=10)
        assert page.status_code == 200 and 'action="/logout"' in page.text
    for instance in ("a", "b"):
        cookies = {c.name: c.value for c in browser.cookies}
        page = requests.get(f"{deployment[instance]}/my/learning", cookies=cookies, timeout=10)
        assert page.status_code == 200 and 'action="/logout"' in page.text
    # nginx names each request ($request_id, docs/ops.md "Logs"), whatever a client sent
    ids = {
        browser.get(f"{front}/healthz", headers={"X-Request-ID": "mine"}, timeout=10).headers[
            "X-Request-ID"
        ]
        for _ in range(2)
    }
    assert len(ids) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", one) for one in ids), ids
    served = [len(log.read_text().splitlines()) for log in deployment["logs"]]
    assert all(served), f"nginx sent everything to one instance: {served}"

    # a quiz attempt begun on one instance is answered and submitted on the other
    bearer = {"Authorization": f"Bearer {make.token(trainee.email)}"}
    enrol = requests.post(
        f"{deployment['a']}/api/v1/courses/{SLUG}/enrolment", headers=bearer, timeout=10
    )
    assert enrol.status_code in (200, 201)
    attempt = requests.post(f"{deployment['a']}{QUIZ}", headers=bearer, timeout=10).json()
    answers = answers_for(attempt, RIGHT)
    saved = requests.put(
        f"{deployment['b']}/api/v1/attempts/{attempt['id']}/answers",
        json={"answers": answers},
        headers=bearer,
        timeout=10,
    )
    assert saved.status_code == 200, saved.text
    done = requests.post(
        f"{deployment['b']}/api/v1/attempts/{attempt['id']}/submit", headers=bearer, timeout=10
    )
    assert done.status_code == 200 and done.json()["passed"] is True
    again = requests.post(
        f"{deployment['a']}/api/v1/attempts/{attempt['id']}/submit", headers=bearer, timeout=10
    )
    assert again.status_code == 409  # graded once, whichever instance is asked

    # sign-in failures count across both instances (the database)
    victim = make.user("trainee", email=f"cible-{secrets.token_hex(3)}@ofppt.example")
    codes = []
    for number in range(8):
        instance = requests.Session()
        url = deployment["a" if number % 2 else "b"]
        data = {"email": victim.email, "password": "wrong-password", "csrf_token": ""}
        data["csrf_token"] = csrf(instance, f"{url}/login")
        codes.append(instance.post(f"{url}/login", data=data, timeout=10).status_code)
    assert codes[:6] == [200] * 6 and codes[6:] == [429, 429], codes

    # an upload ticket from one instance completes on the other
    expert = make.token(make.user("expert", network="DMK").email)
    png = (ROOT / "courses/auto-obd-diagnostics/media/obd-dtc-structure.png").read_bytes()
    issued = requests.post(
        f"{deployment['a']}/api/v1/courses/{SLUG}/media/uploads",
        json={"filename": "schema.png", "content_type": "image/png", "size": len(png)},
        headers={"Authorization": f"Bearer {expert}"},
        timeout=10,
    )
    assert issued.status_code == 201, issued.text
    ticket = issued.json()
    sent = requests.post(
        ticket["url"], data=ticket["fields"], files={"file": ("schema.png", png)}, timeout=10
    )
    assert sent.status_code in (200, 204), sent.text
    completed = requests.post(
        f"{deployment['b']}/api/v1/courses/{SLUG}/media/uploads/{ticket['id']}/complete",
        headers={"Authorization": f"Bearer {expert}"},
        timeout=10,
    )
    assert completed.status_code == 201, completed.text
