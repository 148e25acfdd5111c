"""Large cohort exports as jobs: the job's file is the direct export's, in French and
Arabic, only its owner and admins download it, a 10,000-trainee cohort goes through with
flat memory, and the cohort page asks for a job above ``ELEARN_EXPORT_INLINE_LIMIT``."""

from __future__ import annotations

import csv
import io
import tracemalloc
import urllib.request
from datetime import timedelta

import openpyxl
import pytest

from elearn.core.db import utcnow
from elearn.extensions import db
from tests.cohortkit import create_cohort, staff
from tests.factories import job_of
from tests.harness import s3_config
from tests.quizkit import LESSONS, QUIZ

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAMES = {
    "f@ofppt.example": "فاطمة الزهراء العمراني",
    "h@ofppt.example": '=HYPERLINK("http://x","y")',
    "z@ofppt.example": "Zoé Lefèvre",
}


@pytest.fixture
def app_config(request, tmp_path):
    """A media folder of this test's own (the files each test's jobs write are its own), or
    a bucket of its own on S3 (``indirect`` parameter ``"s3"``)."""
    if getattr(request, "param", "local") == "s3":
        return s3_config(request.getfixturevalue("s3_bucket"))
    return {"MEDIA_DIR": str(tmp_path / "media")}


def cohort_with_activity(api, make):
    """A Salé cohort of three (an Arabic name, a formula, accents), one who read it all,
    one who failed the quiz."""
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    for email, name in NAMES.items():
        make.user("trainee", centre="SALE", email=email, name=name)
    added = api.post(
        f"/api/v1/cohorts/{cohort_id}/members", token=people.sale_token, json={"emails": [*NAMES]}
    )
    assert added.status_code == 200, added.get_json()
    reader = make.token("f@ofppt.example")
    for url in LESSONS:
        api.post(url + "/complete", token=reader)
    failing = make.token("z@ofppt.example")
    attempt = api.post(QUIZ, token=failing).get_json()
    api.post(f"/api/v1/attempts/{attempt['id']}/submit", token=failing, json={"answers": {}})
    return people, cohort_id


def rows_of(kind: str, data: bytes):
    if kind == "csv":
        assert data.startswith("\ufeff".encode())
        return None, list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return sheet, [[c.value for c in row] for row in sheet.iter_rows()]


def export_job(api, token, cohort_id, body) -> dict:
    response = api.post(f"/api/v1/cohorts/{cohort_id}/exports", token=token, json=body)
    job = job_of(api, token, response)
    assert response.get_json()["job"]["kind"] == "export"
    return job


def download(browser, url):
    """The page's download: a redirect to a short-lived signed address of the file."""
    first = browser.get(url)
    assert first.status_code == 302, first.get_data(as_text=True)[:300]
    assert first.headers["Cache-Control"] == "private, no-store"
    return browser.get(first.headers["Location"])


@pytest.mark.parametrize(
    ("kind", "lang", "first"),
    [("csv", "fr", "Nom"), ("xlsx", "ar", "الاسم"), ("csv", "ar", "الاسم"), ("xlsx", "fr", "Nom")],
)
def test_the_job_downloads_what_the_direct_export_gives(api, make, signed_in, kind, lang, first):
    people, cohort_id = cohort_with_activity(api, make)
    direct = api.get(
        f"/api/v1/cohorts/{cohort_id}/progress.{kind}?lang={lang}", token=people.sale_token
    )
    assert direct.status_code == 200
    direct_data = direct.data  # a streamed export is read before the next request
    job = export_job(api, people.sale_token, cohort_id, {"kind": kind, "lang": lang})
    assert job["status"] == "done" and job["progress"] == 100, job
    result = job["result"]
    name = direct.headers["Content-Disposition"].split('filename="')[1].rstrip('"')
    assert result["filename"] == name and name.endswith(f".{kind}")
    assert result["url"] == f"/jobs/{job['id']}/download"

    browser = signed_in(people.sale.email)
    got = download(browser, result["url"])
    assert got.status_code == 200
    assert got.mimetype == ("text/csv" if kind == "csv" else XLSX)
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert name in got.headers["Content-Disposition"]
    assert len(got.data) == result["bytes"]
    sheet, rows = rows_of(kind, got.data)
    _same_sheet, expected = rows_of(kind, direct_data)
    assert rows == expected and len(rows) == 1 + len(NAMES)
    assert rows[0][0] == first
    by_email = {r[1]: r for r in rows[1:]}
    assert by_email["f@ofppt.example"][0] == NAMES["f@ofppt.example"]
    assert by_email["h@ofppt.example"][0].startswith("'=")  # text, never a live formula
    if kind == "csv":
        assert got.data == direct_data  # byte for byte
    else:
        assert sheet.sheet_view.rightToLeft is (lang == "ar")
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    # the API's own download gives the same file to a script with a token
    scripted = api.get(f"/api/v1/jobs/{job['id']}/download", token=people.sale_token)
    assert scripted.status_code == 200 and scripted.data == got.data


@pytest.mark.parametrize("app_config", ["s3"], indirect=True)
def test_from_s3_the_download_is_a_short_presigned_redirect(api, make, signed_in, s3_bucket):
    people, cohort_id = cohort_with_activity(api, make)
    job = export_job(api, people.sale_token, cohort_id, {"kind": "xlsx", "lang": "ar"})
    name = job["result"]["filename"]
    stored = s3_bucket.client.list_objects_v2(Bucket=s3_bucket.name, Prefix="jobs/exports/")
    assert [o["Key"] for o in stored["Contents"]] == [f"jobs/exports/{job['id']}/{name}"]
    browser = signed_in(people.sale.email)
    first = browser.get(job["result"]["url"])
    assert first.status_code == 302
    location = first.headers["Location"]
    assert location.startswith(s3_bucket.endpoint) and "X-Amz-Expires=900" in location
    assert "response-content-disposition=attachment" in location
    with urllib.request.urlopen(location, timeout=10) as fetched:  # noqa: S310 - moto
        assert fetched.headers["Content-Type"] == XLSX
        assert fetched.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        data = fetched.read()
    scripted = api.get(f"/api/v1/jobs/{job['id']}/download", token=people.sale_token)
    assert scripted.status_code == 200 and scripted.data == data
    sheet, rows = rows_of("xlsx", data)
    assert rows[0][0] == "الاسم" and sheet.sheet_view.rightToLeft is True


def test_the_sheet_language_follows_the_asker_when_none_is_named(api, make, signed_in):
    people, cohort_id = cohort_with_activity(api, make)
    job = export_job(api, people.sale_token, cohort_id, {"kind": "csv"})
    browser = signed_in(people.sale.email)
    _sheet, rows = rows_of("csv", download(browser, job["result"]["url"]).data)
    assert rows[0][:3] == ["Nom", "E-mail", "Progression (%)"]
    by_query = api.post(
        f"/api/v1/cohorts/{cohort_id}/exports?lang=ar",
        token=people.sale_token,
        json={"kind": "csv"},
    )
    arabic = job_of(api, people.sale_token, by_query)
    _sheet, rows = rows_of("csv", download(browser, arabic["result"]["url"]).data)
    assert rows[0][0] == "الاسم"


def test_strangers_get_404_on_the_export_and_its_download(api, make, signed_in):
    people, cohort_id = cohort_with_activity(api, make)
    job = export_job(api, people.sale_token, cohort_id, {"kind": "xlsx"})
    url = job["result"]["url"]
    for token in (people.kenitra_token, people.trainee_token, people.expert_token):
        refused = api.post(
            f"/api/v1/cohorts/{cohort_id}/exports", token=token, json={"kind": "csv"}
        )
        assert refused.status_code == 404, refused.get_json()
        assert refused.mimetype == "application/problem+json"
        assert api.get(f"/api/v1/jobs/{job['id']}/download", token=token).status_code == 404
        assert api.get(f"/api/v1/jobs/{job['id']}", token=token).status_code == 404
    for person in (people.kenitra, people.trainee, people.expert):
        browser = signed_in(person.email)
        assert browser.get(url).status_code == 404
        posted = browser.post_form(f"/cohorts/{cohort_id}/exports", {"kind": "csv"})
        assert posted.status_code == 404
    assert signed_in(None).get(url).status_code == 302  # sign in first
    assert api.get(f"/api/v1/jobs/{job['id']}/download").status_code == 401
    # an admin may; the owner may no longer once the cohort is not theirs to manage
    assert download(signed_in(people.admin.email), url).status_code == 200
    assert (
        api.get(f"/api/v1/jobs/{job['id']}/download", token=people.admin_token).status_code == 200
    )
    missing = api.get("/api/v1/jobs/999999/download", token=people.sale_token)
    assert missing.status_code == 404
    # wrong input: a problem naming the field, never a job
    bad = api.post(
        f"/api/v1/cohorts/{cohort_id}/exports", token=people.sale_token, json={"kind": "pdf"}
    )
    assert bad.status_code == 422 and "kind" in bad.get_data(as_text=True)
    unknown = api.post(
        f"/api/v1/cohorts/{cohort_id}/exports",
        token=people.sale_token,
        json={"kind": "csv", "course": "nope"},
    )
    assert unknown.status_code == 404


def test_a_trainer_who_lost_the_cohort_gets_neither_the_job_nor_the_file(api, make, signed_in, app):
    people, cohort_id = cohort_with_activity(api, make)
    done = export_job(api, people.sale_token, cohort_id, {"kind": "csv"})
    with app.app_context():
        from elearn.accounts.models import Centre, User
        from elearn.cohorts.models import CohortTrainer

        trainer = db.session.get(User, people.sale.id)  # moved to Kénitra, off the cohort
        trainer.centre_id = db.session.scalar(db.select(Centre.id).where(Centre.code == "KEN"))
        db.session.execute(db.delete(CohortTrainer).where(CohortTrainer.user_id == trainer.id))
        db.session.commit()
    browser = signed_in(people.sale.email)
    assert browser.get(done["result"]["url"]).status_code == 404
    assert (
        api.get(f"/api/v1/jobs/{done['id']}/download", token=people.sale_token).status_code == 404
    )


def test_the_job_fails_with_a_message_when_its_owner_lost_the_cohort_meanwhile(app, api, make):
    """Checked again when the job runs: a job whose owner was deactivated before a worker
    got to it fails at once with a message in the asker's language, and writes no file."""
    from elearn.accounts.models import User
    from elearn.authoring.models import Course
    from elearn.cohorts import tasks
    from elearn.cohorts.models import Cohort
    from elearn.core import edge
    from elearn.jobs.models import Job
    from elearn.jobs.queue import get_queue
    from elearn.media.storage import get_storage

    people, cohort_id = cohort_with_activity(api, make)
    with app.app_context():
        with edge.unit_of_work():  # the job is handed over (and, here, run) at the commit
            cohort = db.session.get(Cohort, cohort_id)
            owner = db.session.get(User, people.sale.id)
            job = tasks.queue_export(
                db.session,
                get_queue(),
                actor=owner,
                cohort=cohort,
                course=db.session.get(Course, cohort.course_ids[0]),
                kind="csv",
                lang="ar",
                now=utcnow(),
            )
            job_id = job.id
            owner.active = False
        found = db.session.get(Job, job_id, populate_existing=True)
        assert found.status == "failed" and found.attempts == 1
        assert "لم يعد بالإمكان تصدير هذا الفوج" in found.error
        assert get_storage().keys(tasks.PREFIX) == []


def test_the_cohort_page_above_the_limit_asks_for_a_job_and_follows_it(api, make, signed_in, app):
    """Below the limit the links download at once; above it (a small limit here) the
    buttons post a form that starts a job, whose page ends with a Download link."""
    people, cohort_id = cohort_with_activity(api, make)
    browser = signed_in(people.sale.email)
    page = browser.get(f"/cohorts/{cohort_id}").get_data(as_text=True)
    assert f'href="/cohorts/{cohort_id}/progress.csv' in page  # three trainees: at once
    app.config["EXPORT_INLINE_LIMIT"] = 2
    page = browser.get(f"/cohorts/{cohort_id}?lang=ar").get_data(as_text=True)
    assert f'href="/cohorts/{cohort_id}/progress.csv' not in page
    form = page.split('class="exports"')[1].split("</form>")[0]
    assert f'action="/cohorts/{cohort_id}/exports"' in form and 'method="post"' in form
    assert 'name="csrf_token"' in form and 'value="xlsx"' in form
    refused = browser.post(f"/cohorts/{cohort_id}/exports", data={"kind": "xlsx"})
    assert refused.status_code == 400  # no CSRF token
    posted = browser.post_form(
        f"/cohorts/{cohort_id}/exports", {"kind": "xlsx", "course": "brakes"}
    )
    assert posted.status_code == 303
    assert posted.headers["Location"].startswith("/jobs/")
    job_page = browser.get(posted.headers["Location"])
    html = job_page.get_data(as_text=True)
    assert job_page.status_code == 200 and 'dir="rtl"' in html
    job_id = int(posted.headers["Location"].rsplit("/", 1)[1])
    link = f'href="/jobs/{job_id}/download"'
    assert link in html and "تنزيل" in html  # "Download"
    got = download(browser, f"/jobs/{job_id}/download")
    sheet, rows = rows_of("xlsx", got.data)
    assert rows[0][0] == "الاسم" and sheet.sheet_view.rightToLeft is True
    french = browser.get(f"/jobs/{job_id}?lang=fr").get_data(as_text=True)
    assert link in french and "Télécharger" in french


def test_files_go_after_a_week_and_with_their_job(app, api, make, signed_in, clock):
    from elearn.cohorts import tasks
    from elearn.core import edge
    from elearn.jobs import services as job_services
    from elearn.jobs.queue import get_queue
    from elearn.media.storage import get_storage

    people, cohort_id = cohort_with_activity(api, make)
    old = export_job(api, people.sale_token, cohort_id, {"kind": "csv"})
    kept = export_job(api, people.sale_token, cohort_id, {"kind": "xlsx"})
    browser = signed_in(people.sale.email)
    with app.app_context():
        storage = get_storage()
        keys = storage.keys(tasks.PREFIX)
        assert keys == sorted(
            [
                f"jobs/exports/{old['id']}/{old['result']['filename']}",
                f"jobs/exports/{kept['id']}/{kept['result']['filename']}",
            ]
        )
        tasks.sweep_export_files()  # young, and their jobs are there: kept
        assert storage.keys(tasks.PREFIX) == keys
        # the first job is forgotten (purged): its file goes at the next sweep
        from elearn.jobs.models import Job

        with edge.unit_of_work():  # what the nightly purge does
            db.session.get(Job, old["id"]).finished_at = utcnow() - timedelta(days=40)
            assert job_services.purge(db.session, get_queue(), now=utcnow()) == 1
        tasks.sweep_export_files()
        assert storage.keys(tasks.PREFIX) == [keys[1]]
    # a week on, the other one too; its page says so rather than a broken download
    clock.moment = utcnow() + tasks.KEEP + timedelta(minutes=1)
    with app.app_context():
        tasks.sweep_export_files()
        assert get_storage().keys(tasks.PREFIX) == []
    gone = browser.get(kept["result"]["url"])
    assert gone.status_code == 410 and "export" in gone.get_data(as_text=True)
    problem = api.get(f"/api/v1/jobs/{kept['id']}/download", token=people.sale_token)
    assert problem.status_code == 410 and problem.mimetype == "application/problem+json"


def test_running_the_job_again_overwrites_the_same_file(app, api, make):
    """At least once: a second run (a worker killed after writing) writes the same key."""
    from elearn.cohorts import tasks
    from elearn.jobs import runner
    from elearn.jobs.models import Job
    from elearn.media.storage import get_storage

    people, cohort_id = cohort_with_activity(api, make)
    job = export_job(api, people.sale_token, cohort_id, {"kind": "csv"})
    with app.app_context():
        storage = get_storage()
        before = storage.keys(tasks.PREFIX)
        row = db.session.get(Job, job["id"])
        row.status = "queued"  # as the sweep leaves a job whose worker died
        row.result = None
        db.session.commit()
        runner.run(app, job["id"])
        again = db.session.get(Job, job["id"], populate_existing=True)
        assert again.status == "done" and again.attempts == 2, again.error
        assert again.result == job["result"]
        assert storage.keys(tasks.PREFIX) == before


# -- 10,000 trainees ----------------------------------------------------------------------

BIG = 10_000


def test_a_10000_trainee_cohort_exports_as_a_job_with_flat_memory(app, api, make, monkeypatch):
    """Bulk-inserted trainees (bench/dataset.py) on a one-module course: the job walks
    them a thousand at a time, says how far it is as it goes, ends at 100, and its file
    has a line per trainee. Python's memory at its peak is about the same for 10,000
    trainees as for 2,000 (two slices; measured 2.5–2.7 MiB against 2.0–2.4), where reading
    the whole grid at once takes it past 10 MiB."""
    from bench import dataset
    from elearn.cohorts.models import Cohort
    from elearn.jobs.runner import Context

    now = utcnow()
    with app.app_context():
        course = dataset.import_published(db.session, lessons=4)
        cohort, trainer, centre = dataset.cohort_with_trainer(db.session, course)
        outline = dataset.outline_of(db.session, course)
        db.session.commit()
        cohort_id, centre_id, email = cohort.id, centre.id, trainer.email
    token = make.token(email)

    def grow(to: int) -> None:
        with app.app_context():
            from elearn.accounts.models import Centre

            cohort = db.session.get(Cohort, cohort_id)
            centre = db.session.get(Centre, centre_id)
            dataset.grow(db.session, cohort, centre, outline, to, now=now - timedelta(minutes=1))
            db.session.commit()

    seen: list[int] = []
    progress = Context.progress

    def spy(self, percent):
        seen.append(int(percent))
        progress(self, percent)

    monkeypatch.setattr(Context, "progress", spy)

    def export() -> tuple[dict, int]:
        seen.clear()
        tracemalloc.start()
        try:
            response = api.post(
                f"/api/v1/cohorts/{cohort_id}/exports", token=token, json={"kind": "csv"}
            )
            _size, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return job_of(api, token, response), peak

    grow(2000)
    export()  # the first export loads modules and caches the outline: not the rows' cost
    _small, two_slices = export()
    grow(BIG)
    job, peak = export()
    assert job["status"] == "done" and job["progress"] == 100, job
    assert seen == sorted(seen) and len(seen) >= 90 and seen[-1] >= 95, seen
    assert peak < 1.5 * two_slices, (peak / 2**20, two_slices / 2**20)
    data = api.get(f"/api/v1/jobs/{job['id']}/download", token=token).data
    assert job["result"]["bytes"] == len(data)
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[-1] == "" and len(lines[:-1]) == 1 + BIG
    assert lines[0].startswith("Nom;E-mail;Progression (%)")
