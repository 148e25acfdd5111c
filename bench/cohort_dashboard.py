"""Benchmark: the trainer's dashboard of a cohort of 10, 100 and 1,000 trainees on a
60-lesson course (six modules with quizzes), on SQLite or PostgreSQL.

    .venv/bin/python bench/cohort_dashboard.py [--database-url URL] [--repeat 15]

Builds the data with ``bench/dataset.py`` (real package import, bulk-inserted trainees
with deterministic progress and graded attempts), signs the trainer in, and times warm
requests in-process (no network, no gunicorn: this is the app's own cost) for the
dashboard page, the item analysis, the progress API and both exports. Prints, per size,
the median and slowest time, the SQL queries sent and the response size. With
``--database-url`` the database is emptied first (use a scratch database).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZES = (10, 100, 1000)


def measure(app, client, url: str, repeat: int, headers=None) -> dict:
    import sqlalchemy as sa

    from elearn.extensions import db

    client.get(url, headers=headers).get_data()
    sent: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        sent.append("q")

    times = []
    for n in range(repeat):
        if n == 0:
            sa.event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        body = response.get_data()
        times.append(time.perf_counter() - started)
        if n == 0:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, (url, response.status_code)
    return {
        "median_ms": 1000 * statistics.median(times),
        "max_ms": 1000 * max(times),
        "queries": len(sent),
        "kb": len(body) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["ELEARN_INSTANCE_DIR"] = str(root / "instance")
        os.environ["ELEARN_DATABASE_URL"] = args.database_url or f"sqlite:///{root / 'b.sqlite3'}"
        os.environ["ELEARN_RATELIMIT_ENABLED"] = "false"
        from elearn.core.migrations import downgrade, upgrade

        from bench import dataset
        from elearn import create_app
        from elearn.accounts import services
        from elearn.core.db import utcnow
        from elearn.extensions import db

        app = create_app()
        app.config["WTF_CSRF_ENABLED"] = False
        with app.app_context():
            if args.database_url:
                downgrade(revision="base")
            upgrade()
            course = dataset.import_published(db.session)
            cohort, trainer, centre = dataset.cohort_with_trainer(db.session, course)
            outline = dataset.outline_of(db.session, course)
            _row, token = services.create_token(
                db.session, trainer, "bench", now=utcnow(), lifetime_days=1
            )
            db.session.commit()
            cohort_id = cohort.id
        client = app.test_client()
        client.post("/login", data={"email": trainer_email(), "password": dataset.PASSWORD})
        bearer = {"Authorization": f"Bearer {token}"}
        urls = [
            ("dashboard page", f"/cohorts/{cohort_id}", None),
            ("item analysis", f"/cohorts/{cohort_id}/items", None),
            ("progress API", f"/api/v1/cohorts/{cohort_id}/progress", bearer),
            ("CSV export", f"/cohorts/{cohort_id}/progress.csv", None),
            ("XLSX export", f"/cohorts/{cohort_id}/progress.xlsx", None),
        ]
        with app.app_context():
            backend = db.engine.dialect.name
        print(f"database: {backend}; 60 lessons in 6 modules with quizzes")
        head = ("trainees", "request", "median", "slowest", "queries", "size")
        print("{:>8}  {:<16} {:>9} {:>9} {:>7} {:>9}".format(*head))
        now = utcnow()
        for size in SIZES:
            with app.app_context():
                from elearn.accounts.models import Centre
                from elearn.cohorts.models import Cohort

                started = time.perf_counter()
                dataset.grow(
                    db.session,
                    db.session.get(Cohort, cohort_id),
                    db.session.get(Centre, centre.id),
                    outline,
                    size,
                    now=now - timedelta(minutes=1),
                )
                db.session.commit()
                built = time.perf_counter() - started
                if db.engine.dialect.name == "postgresql":
                    # fresh bulk rows have no statistics yet; autovacuum would gather them
                    # within a minute on a live server, so measure the steady state
                    with db.engine.connect() as conn:
                        conn.execution_options(isolation_level="AUTOCOMMIT")
                        conn.exec_driver_sql("ANALYZE")
            for name, url, headers in urls:
                m = measure(app, client, url, args.repeat, headers)
                print(
                    f"{size:>8}  {name:<16} {m['median_ms']:>7.1f}ms {m['max_ms']:>7.1f}ms"
                    f" {m['queries']:>7} {m['kb']:>7.1f}KB"
                )
            print(f"{'':>8}  (data for {size} trainees built in {built:.1f} s)")


def trainer_email() -> str:
    return "formateur@bench.example"


if __name__ == "__main__":
    main()
