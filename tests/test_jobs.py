"""Jobs as their users meet them: the Studio's import page, a job that cannot succeed, the
admins' list of failed jobs and its retry; who may see which job."""

from __future__ import annotations

import io

from elearn.core import edge
from elearn.extensions import db
from elearn.jobs import runner, services
from elearn.jobs.models import Job
from tests.factories import package


def studio_import(browser, data: bytes):
    return browser.post(
        "/studio/import",
        data={"csrf_token": browser.csrf_token(), "file": (io.BytesIO(data), "engine-basics.zip")},
        content_type="multipart/form-data",
    )


def test_the_studio_import_page_follows_its_job_to_the_course(app, make, signed_in):
    expert = make.user("expert", network="DMK")
    browser = signed_in(expert.email)
    sent = studio_import(browser, package())
    assert sent.status_code == 303 and sent.headers["Location"].startswith("/jobs/")
    page = browser.get(sent.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="100"' in html and "/studio/engine-basics" in html
    assert "engine-basics" in html
    # somebody else's job does not exist for them; a visitor is asked to sign in
    other = signed_in(make.user("expert", network="DMK").email)
    assert other.get(sent.headers["Location"]).status_code == 404
    assert signed_in(None).get(sent.headers["Location"]).status_code == 302


def test_a_package_still_waiting_shows_a_bar_that_refreshes_itself(app, make, signed_in):
    expert = make.user("expert", network="DMK")
    with app.app_context(), edge.unit_of_work():
        job = Job(kind="import", owner_id=expert.id, args={}, status="queued")
        db.session.add(job)
        db.session.flush()
        job_id = job.id
    html = signed_in(expert.email).get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'value="0"' in html and 'http-equiv="refresh"' in html and "job.js" in html


def test_a_job_whose_input_is_gone_fails_with_a_message_and_admins_can_retry(
    app, api, make, signed_in
):
    expert = make.user("expert", network="DMK")
    admin = make.user("admin")
    with app.app_context():
        with edge.unit_of_work():
            job = Job(
                kind="import",
                owner_id=expert.id,
                status="queued",
                locale="fr",
                max_attempts=3,
                args={
                    "key": "jobs/imports/gone.zip",
                    "filename": "engine-basics.zip",
                    "publish": False,
                    "actor_id": expert.id,
                },
            )
            db.session.add(job)
        job_id = job.id
    runner.run(app, job_id)
    token = make.token(expert.email)
    failed = api.get(f"/api/v1/jobs/{job_id}", token=token).get_json()
    assert failed["status"] == "failed" and failed["attempts"] == 1  # no retry loop
    assert "send it again" in failed["error"] or "envoyez-le" in failed["error"]

    assert signed_in(expert.email).get("/jobs/failed").status_code == 403
    browser = signed_in(admin.email)
    listed = browser.get("/jobs/failed").get_data(as_text=True)
    assert f"#{job_id}" in listed and expert.email in listed and failed["error"] in listed
    again = browser.post_form(f"/jobs/{job_id}/retry")
    assert again.status_code == 303
    # it ran again (the tests' queue runs it at once) and failed again, for the same reason
    retried = api.get(f"/api/v1/jobs/{job_id}", token=token).get_json()
    assert retried["status"] == "failed" and retried["attempts"] == 1
    with app.app_context():
        jobs, total = services.failed(db.session)
        assert total == 1 and jobs[0].id == job_id


def test_the_failed_jobs_list_costs_the_same_for_one_or_many(app, make, signed_in):
    from tests.harness import count_queries

    admin = make.user("admin")
    browser = signed_in(admin.email)

    def fail(n):
        with app.app_context(), edge.unit_of_work():
            for _ in range(n):
                owner = make.user("expert", network="DMK")
                db.session.add(
                    Job(kind="import", owner_id=owner.id, status="failed", error="boom", args={})
                )

    fail(1)
    with count_queries(app) as one:
        browser.get("/jobs/failed")
    fail(5)
    with count_queries(app) as six:
        page = browser.get("/jobs/failed")
    assert page.get_data(as_text=True).count("boom") == 6
    assert len(six) == len(one)


def test_retrying_a_job_that_did_not_fail_changes_nothing_and_says_so(app, api, make, signed_in):
    expert = make.user("expert", network="DMK")
    sent = studio_import(signed_in(expert.email), package())
    job_id = int(sent.headers["Location"].rsplit("/", 1)[1])
    admin = signed_in(make.user("admin").email)
    answer = admin.post_form(f"/jobs/{job_id}/retry", follow_redirects=True)
    assert "nothing to try again" in answer.get_data(as_text=True) or "rien à réessayer" in (
        answer.get_data(as_text=True)
    )
    token = make.token(expert.email)
    assert api.get(f"/api/v1/jobs/{job_id}", token=token).get_json()["status"] == "done"
