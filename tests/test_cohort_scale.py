"""A 1,000-trainee cohort on a 60-lesson course: the dashboard, its API and its exports
cost the same number of SQL queries at 10, 100 and 1,000 trainees, and still say the
truth about every trainee (the times are measured in ``bench/cohort_dashboard.py``)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bench import dataset
from elearn.core.db import utcnow
from elearn.extensions import db

SIZES = (10, 100, 1000)


@pytest.fixture
def big(app, make, signed_in):
    now = utcnow()
    with app.app_context():
        course = dataset.import_published(db.session)
        cohort, trainer, centre = dataset.cohort_with_trainer(db.session, course)
        outline = dataset.outline_of(db.session, course)
        db.session.commit()
        ids = dict(cohort=cohort.id, centre=centre.id, trainer=trainer.email)

    def grow(to: int) -> None:
        with app.app_context():
            from elearn.accounts.models import Centre
            from elearn.cohorts.models import Cohort

            dataset.grow(
                db.session,
                db.session.get(Cohort, ids["cohort"]),
                db.session.get(Centre, ids["centre"]),
                outline,
                to,
                now=now - timedelta(minutes=1),
            )
            db.session.commit()

    browser = signed_in(ids["trainer"], dataset.PASSWORD)
    token = make.token(ids["trainer"])
    return ids["cohort"], grow, browser, token, outline


def test_dashboard_api_and_exports_cost_the_same_queries_at_10_100_and_1000_trainees(
    big, api, queries
):
    cohort_id, grow, browser, token, outline = big
    assert outline.lesson_count == 60 and len(outline.modules) == 6
    urls = {
        "page": (browser, f"/cohorts/{cohort_id}"),
        "sorted": (browser, f"/cohorts/{cohort_id}?sort=m2&dir=desc"),
        "attention": (browser, f"/cohorts/{cohort_id}?show=attention&q=a&page=2"),
        "items": (browser, f"/cohorts/{cohort_id}/items"),
        "csv": (browser, f"/cohorts/{cohort_id}/progress.csv"),
        "xlsx": (browser, f"/cohorts/{cohort_id}/progress.xlsx"),
        "api": (api, f"/api/v1/cohorts/{cohort_id}/progress"),
    }
    counts: dict[str, list[int]] = {name: [] for name in urls}
    bodies = {}
    for size in SIZES:
        grow(size)
        for name, (client, url) in urls.items():
            kw = {"token": token} if client is api else {}
            client.get(url, **kw).get_data()  # warm: caches any first request fills
            with queries() as sent:
                response = client.get(url, **kw)
                response.get_data()  # a streamed export queries as it is read
            assert response.status_code == 200, (name, size, response.status_code)
            counts[name].append(len(sent))
            bodies[name] = response
    for name, per_size in counts.items():
        assert len(set(per_size)) == 1, f"{name}: {dict(zip(SIZES, per_size, strict=True))}"
    assert counts["page"][0] <= 20, counts["page"]

    # At 1,000 the answers are whole: every trainee in the grid (fifty a page, so a
    # trainer's phone gets ~60 KB, not a megabyte), the export and the API.
    page = bodies["page"].get_data(as_text=True)
    assert page.count('scope="row"') == 50
    assert re.search(r"1–50 (?:sur|of) 1\W?000 (?:stagiaires|trainees)", page)
    assert len(page) < 120_000
    seen = set()
    for number in range(1, 21):
        html = browser.get(f"/cohorts/{cohort_id}?page={number}").get_data(as_text=True)
        seen.update(re.findall(r'href="/cohorts/\d+/trainees/(\d+)"', html.split("<table", 1)[1]))
    assert len(seen) == 1000
    rows = list(
        csv.reader(
            io.StringIO(bodies["csv"].get_data(as_text=True).lstrip("\ufeff")), delimiter=";"
        )
    )
    assert len(rows) == 1 + 1000
    progress = bodies["api"].get_json()
    assert len(progress["courses"][0]["trainees"]) == 1000


def test_the_streamed_export_walks_the_cohort_in_slices_and_misses_no_one(app, big):
    """Slices of 7 over 100 trainees (names repeat, so the keyset must use the id too)
    give exactly the rows the whole grid gives, in the same order."""
    from elearn.cohorts import dashboard
    from elearn.cohorts.models import Cohort

    cohort_id, grow, _browser, _token, _outline = big
    grow(100)
    with app.app_context():
        same = db.session.execute(
            sa.text("UPDATE users SET name = 'Amina Benali' WHERE email LIKE 't1%@bench.example'")
        )
        assert same.rowcount == 11  # t1, t10…t19: one name, eleven people
        db.session.commit()
        cohort = db.session.get(Cohort, cohort_id)
        course = cohort.course_rows[0].course_id
        from elearn.authoring.models import Course

        course = db.session.get(Course, course)
        now = utcnow()
        _modules, whole = dashboard.grid(db.session, cohort, course, now=now)
        _modules, slices = dashboard.grid_slices(db.session, cohort, course, now=now, size=7)
        sliced = [row for rows in slices for row in rows]
    assert len(whole) == 100
    assert [(r.user_id, r.percent, r.flags, r.cells) for r in sliced] == [
        (r.user_id, r.percent, r.flags, r.cells) for r in whole
    ]
