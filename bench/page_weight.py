"""Benchmark: what a trainee's phone downloads for a lesson page, media excluded.

    .venv/bin/python bench/page_weight.py [--budget-kb 60]

Loads the demo (five sample courses), signs in the demo trainee, and weighs every lesson
page in French and Arabic plus a quiz attempt page: the HTML and every stylesheet and
script it references, uncompressed. Exits 1 when a page is over the budget (60 KB: the
issue's target for a modest phone on a slow connection).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUDGET_KB = 60
ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"')


def weigh(client, url: str) -> dict:
    """Bytes of the page and of the CSS and JS it pulls in (each asset counted once)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    html = page.get_data()
    sizes = {"html": len(html), "css": 0, "js": 0}
    for asset in sorted(set(ASSET.findall(html.decode()))):
        body = client.get(asset.replace("&amp;", "&")).get_data()
        sizes["css" if ".css" in asset else "js"] += len(body)
    sizes["total"] = sizes["html"] + sizes["css"] + sizes["js"]
    return sizes


def lesson_urls(session) -> list[str]:
    from elearn.authoring.models import Course
    from elearn.authoring.reading import ordered_lessons

    urls = []
    for course in session.query(Course).order_by(Course.slug):
        for item in ordered_lessons(course, draft=False):
            urls.append(
                f"/courses/{course.slug}/modules/{item.module.slug}/lessons/{item.lesson.slug}"
            )
    return urls


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget-kb", type=float, default=BUDGET_KB)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["ELEARN_INSTANCE_DIR"] = str(root / "instance")
        os.environ["ELEARN_DATABASE_URL"] = f"sqlite:///{root / 'b.sqlite3'}"
        os.environ["ELEARN_RATELIMIT_ENABLED"] = "false"
        from elearn.core.migrations import upgrade

        from elearn import create_app
        from elearn.extensions import db

        app = create_app({"WTF_CSRF_ENABLED": False})
        with app.app_context():
            upgrade()
        assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
        client = app.test_client()
        client.post(
            "/login",
            data={"email": "stagiaire.kenitra@mre-academy.example", "password": "demo-elearn"},
        )
        with app.app_context():
            urls = lesson_urls(db.session)
        for slug in sorted({u.split("/")[2] for u in urls}):
            client.post(f"/courses/{slug}/enrol")
        rows = []
        for url in urls:
            for lang in ("fr", "ar"):
                rows.append((f"{url}?lang={lang}", weigh(client, f"{url}?lang={lang}")))
        started = client.post(
            f"/courses/{urls[0].split('/')[2]}/modules/{urls[0].split('/')[4]}/quiz/attempts"
        )
        quiz_url = started.headers["Location"]
        quiz = weigh(client, quiz_url)
        rows.append((quiz_url, quiz))
    print(
        f"quiz attempt page {quiz_url}: {quiz['total']} bytes "
        f"(html {quiz['html']}, css {quiz['css']}, js {quiz['js']})"
    )
    rows.sort(key=lambda r: r[1]["total"], reverse=True)
    print(f"{'page':<95} {'html':>7} {'css':>6} {'js':>6} {'total':>7}")
    for url, s in rows[:10]:
        print(f"{url:<95} {s['html']:>7} {s['css']:>6} {s['js']:>6} {s['total']:>7}")
    heaviest = rows[0][1]["total"] / 1000
    print(f"{len(rows)} pages; heaviest {heaviest:.1f} KB; budget {args.budget_kb:g} KB")
    return 0 if heaviest <= args.budget_kb else 1


if __name__ == "__main__":
    sys.exit(main())
