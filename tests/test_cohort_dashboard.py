"""The trainer's dashboard: the grid says who did what, in a constant number of queries,
and the CSV and XLSX exports say exactly the same, safely."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import openpyxl

from elearn.core.db import utcnow
from tests.cohortkit import create_cohort, staff
from tests.quizkit import LESSONS, QUIZ, RIGHT, SLUG, answers_for
from tests.studiokit import publish_from_the_page


def add(api, token, cohort_id, emails):
    response = api.post(
        f"/api/v1/cohorts/{cohort_id}/members", token=token, json={"emails": emails}
    )
    assert response.status_code == 200, response.get_json()


def trainees(make, count, start=0, **kw):
    return [
        make.user("trainee", centre="SALE", email=f"s{n}@ofppt.example", **kw).email
        for n in range(start, start + count)
    ]


def test_the_dashboard_costs_the_same_queries_for_5_or_40_trainees(api, make, signed_in, queries):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    add(api, people.sale_token, cohort_id, trainees(make, 5))
    token = make.token("s0@ofppt.example")
    api.post(LESSONS[0] + "/complete", token=token)
    attempt = api.post(QUIZ, token=token).get_json()
    api.post(f"/api/v1/attempts/{attempt['id']}/submit", token=token, json={"answers": {}})
    browser = signed_in(people.sale.email)
    url = f"/cohorts/{cohort_id}"
    assert browser.get(url).status_code == 200
    with queries() as few:
        browser.get(url)
    add(api, people.sale_token, cohort_id, trainees(make, 35, start=5))
    for n in range(5, 40, 7):
        api.post(LESSONS[0] + "/complete", token=make.token(f"s{n}@ofppt.example"))
    with queries() as many:
        page = browser.get(url)
    assert page.get_data(as_text=True).count('scope="row"') == 40
    assert len(few) == len(many), (len(few), len(many))
    with queries() as progress_few:
        api.get(f"/api/v1/cohorts/{cohort_id}/progress", token=people.sale_token)
    assert len(progress_few) < 20


def test_the_grid_shows_statuses_charts_and_who_needs_attention(api, make, signed_in, app):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    add(api, people.sale_token, cohort_id, trainees(make, 3))
    done, stuck = make.token("s0@ofppt.example"), make.token("s1@ofppt.example")
    for url in LESSONS:
        api.post(url + "/complete", token=done)
    attempt = api.post(QUIZ, token=done).get_json()
    api.post(
        f"/api/v1/attempts/{attempt['id']}/submit",
        token=done,
        json={"answers": answers_for(attempt, RIGHT)},
    )
    for _ in range(2):  # max_attempts is 2 in the kit: both failed
        attempt = api.post(QUIZ, token=stuck).get_json()
        api.post(f"/api/v1/attempts/{attempt['id']}/submit", token=stuck, json={"answers": {}})
    app.config["TEST_CLOCK"] = lambda: utcnow() + timedelta(days=10)  # a quiet week later
    html = signed_in(people.sale.email).get(f"/cohorts/{cohort_id}").get_data(as_text=True)
    assert html.count('class="cell cell-complete"') == 1
    assert html.count('class="cell cell-in_progress"') == 1
    assert html.count('class="cell cell-not_started"') == 1
    assert "<svg" in html and 'id="progress-distribution-title"' in html
    attention = html.split('id="attention-title"')[1].split("</section>")[0]
    assert "flag-exhausted" in attention and "flag-inactive" in attention
    assert "Test Trainee" in attention


def test_a_trainer_finds_a_trainee_and_filters_those_who_need_attention(api, make, signed_in, app):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    make.user("trainee", centre="SALE", email="fz@ofppt.example", name="Fatima-Zahra Élamrani")
    make.user("trainee", centre="SALE", email="yb@ofppt.example", name="يوسف بنعلي")
    add(api, people.sale_token, cohort_id, ["fz@ofppt.example", "yb@ofppt.example"])
    api.post(LESSONS[0] + "/complete", token=make.token("fz@ofppt.example"))
    app.config["TEST_CLOCK"] = lambda: utcnow() + timedelta(days=8)
    browser = signed_in(people.sale.email)

    def names(query: str) -> list[str]:
        html = browser.get(f"/cohorts/{cohort_id}?{query}").get_data(as_text=True)
        grid = html.split('id="grid-title"')[1]
        return re.findall(r'scope="row"><a [^>]+><bdi>([^<]+)</bdi>', grid)

    assert names("q=elamrani") == ["Fatima-Zahra Élamrani"]  # accents and case do not matter
    assert names("q=يوسف") == ["يوسف بنعلي"]
    assert names("q=YB%40ofppt") == ["يوسف بنعلي"]
    assert names("q=nobody") == []
    # eight days on, both have been quiet for a week
    assert sorted(names("show=attention")) == ["Fatima-Zahra Élamrani", "يوسف بنعلي"]
    app.config["TEST_CLOCK"] = lambda: utcnow()
    assert names("show=attention") == []
    html = browser.get(f"/cohorts/{cohort_id}?show=attention").get_data(as_text=True)
    assert "Aucun stagiaire ne correspond." in html
    assert len(names("")) == 2 and names("page=99") == names("")  # past the end: last page


def sheet_rows(api, token, cohort_id, kind, lang="fr"):
    response = api.get(f"/api/v1/cohorts/{cohort_id}/progress.{kind}?lang={lang}", token=token)
    assert response.status_code == 200
    if kind == "csv":
        assert response.data.startswith("\ufeff".encode())
        return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.active
    return sheet, [[c.value for c in row] for row in sheet.iter_rows()]


def test_exports_say_what_the_grid_says_with_arabic_names_and_no_live_formula(api, make):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    make.user("trainee", centre="SALE", email="f@ofppt.example", name="فاطمة الزهراء العمراني")
    make.user("trainee", centre="SALE", email="h@ofppt.example", name='=HYPERLINK("http://x","y")')
    add(api, people.sale_token, cohort_id, ["f@ofppt.example", "h@ofppt.example"])
    token = make.token("f@ofppt.example")
    for url in LESSONS:
        api.post(url + "/complete", token=token)
    progress = api.get(f"/api/v1/cohorts/{cohort_id}/progress", token=people.sale_token).get_json()
    expected = {t["email"]: t for t in progress["courses"][0]["trainees"]}
    rows = sheet_rows(api, people.sale_token, cohort_id, "csv")
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Nom", "E-mail", "Progression (%)"]
    by_email = {r[1]: r for r in body}
    assert by_email["f@ofppt.example"][0] == "فاطمة الزهراء العمراني"
    assert int(by_email["f@ofppt.example"][2]) == expected["f@ofppt.example"]["percent"] == 67
    assert by_email["h@ofppt.example"][0].startswith("'=")  # shown as text, never run
    sheet, values = sheet_rows(api, people.sale_token, cohort_id, "xlsx", lang="ar")
    assert sheet.sheet_view.rightToLeft is True
    assert values[0][0] == "الاسم"
    xlsx = {r[1]: r for r in values[1:]}
    assert (
        xlsx["f@ofppt.example"][2] == 67 and xlsx["f@ofppt.example"][0] == "فاطمة الزهراء العمراني"
    )
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert xlsx["h@ofppt.example"][0].startswith("'=")
    assert [r[:3] for r in values[1:]] == [
        [r[0] if not r[0].startswith("'") else r[0], r[1], int(r[2])] for r in body
    ]
    page = api.get(f"/api/v1/cohorts/{cohort_id}/progress.csv?course=nope", token=people.sale_token)
    assert page.status_code == 404
    assert SLUG in api.get(f"/api/v1/cohorts/{cohort_id}", token=people.sale_token).get_data(
        as_text=True
    )


def test_the_dashboard_and_its_exports_say_what_each_trainee_sees_before_and_after_a_lesson_goes(
    api, make, app
):
    """The trainer's numbers are the trainee's own: the same percent and module statuses on
    the cohort's API, its CSV and the trainee's course page and My courses, also once a
    lesson some of them read is archived and the course published again."""
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    emails = trainees(make, 5)
    add(api, people.sale_token, cohort_id, emails)
    tokens = {email: make.token(email) for email in emails}
    pads, fluid = LESSONS
    reads = {emails[0]: [pads], emails[1]: [pads, fluid], emails[2]: [pads, fluid]}
    reads[emails[4]] = [fluid]
    for email, lessons in reads.items():
        for url in lessons:
            assert api.post(url + "/complete", token=tokens[email]).status_code == 200
    for email, answers in ((emails[1], {}), (emails[2], RIGHT)):
        attempt = api.post(QUIZ, token=tokens[email]).get_json()
        submitted = api.post(
            f"/api/v1/attempts/{attempt['id']}/submit",
            token=tokens[email],
            json={"answers": answers_for(attempt, answers) if answers else {}},
        )
        assert submitted.status_code == 200, submitted.get_json()

    def trainer_sees() -> dict[str, tuple]:
        body = api.get(f"/api/v1/cohorts/{cohort_id}/progress", token=people.sale_token)
        rows = sheet_rows(api, people.sale_token, cohort_id, "csv")[1:]
        csv_percent = {r[1]: int(r[2]) for r in rows}
        return {
            t["email"]: (
                t["percent"],
                csv_percent[t["email"]],
                [m["status"] for m in t["modules"]],
                sum(m["lessons_completed"] for m in t["modules"]),
            )
            for t in body.get_json()["courses"][0]["trainees"]
        }

    def trainee_sees(email) -> tuple:
        mine = api.get("/api/v1/me/courses", token=tokens[email]).get_json()[0]
        browser = app.test_client()
        browser.login(email)
        page = browser.get(f"/courses/{SLUG}").get_data(as_text=True)
        statuses = re.findall(r'class="status status-(\w+)"', page)
        if mine["completed"]:  # the page shows the certificate instead of a bar
            assert 'class="badge done"' in page and mine["progress_percent"] == 100
        else:
            shown = re.search(r'<progress max="100" value="(\d+)"', page)
            assert int(shown.group(1)) == mine["progress_percent"]
        return mine["progress_percent"], statuses, mine["completed_lessons"]

    def agree() -> dict[str, int]:
        seen = trainer_sees()
        for email in emails:
            api_percent, csv_percent, statuses, read = seen[email]
            assert (api_percent, statuses, read) == trainee_sees(email), email
            assert csv_percent == api_percent
        return {email: seen[email][0] for email in emails}

    # two lessons and a quiz: a lesson read is a third; the quiz passed completes the course
    assert agree() == dict(zip(emails, [33, 67, 100, 0, 33], strict=True))

    admin = app.test_client()
    admin.login(people.admin.email)
    studio = f"/studio/{SLUG}"
    assert admin.post_form(f"{studio}/modules/checks/lessons/fluid/archive").status_code == 303
    assert admin.post_form(studio + "/submit").status_code == 303
    assert publish_from_the_page(admin, SLUG).status_code == 303
    # "fluid" no longer counts for anyone: one lesson and the quiz are left
    assert agree() == dict(zip(emails, [50, 50, 100, 0, 0], strict=True))
