"""Who may see a cohort: the trainers of its centre or listed on it, and admins. Everyone
else gets a 404 on every page, endpoint and export, exactly as for a cohort that does not
exist, and no write goes through."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from elearn.cohorts.models import Cohort, CohortMember
from elearn.extensions import db
from elearn.jobs.models import Job
from tests.cohortkit import create_cohort, staff

PAGES = [
    "/cohorts/{id}",
    "/cohorts/{id}/edit",
    "/cohorts/{id}/members",
    "/cohorts/{id}/trainees/{member}",
    "/cohorts/{id}/items",
    "/cohorts/{id}/progress.csv",
    "/cohorts/{id}/progress.xlsx",
    "/cohorts/{id}/members/{member}/remove",  # -- trainer (issue 17): the confirmation
]
WRITES = [
    "/cohorts/{id}/archive",
    "/cohorts/{id}/members/{member}/remove",
    "/cohorts/{id}/members/{member}/link",
    "/cohorts/{id}/members",
    "/cohorts/{id}/exports",
    # -- trainer (issue 17)
    "/cohorts/{id}/trainees/{member}/extra-attempt",
    "/cohorts/{id}/trainees/{member}/reopen",
    "/cohorts/{id}/trainees/{member}/message",
    "/cohorts/{id}/members/add",
]
API = [
    "/api/v1/cohorts/{id}",
    "/api/v1/cohorts/{id}/progress",
    "/api/v1/cohorts/{id}/progress.csv",
    "/api/v1/cohorts/{id}/progress.xlsx",
    "/api/v1/courses/brakes/quiz-stats?cohort={id}",
]


@pytest.fixture
def world(api, make, app):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    member = make.user("trainee", centre="SALE", email="m@ofppt.example")
    api.post(
        f"/api/v1/cohorts/{cohort_id}/members",
        token=people.sale_token,
        json={"emails": [member.email]},
    )
    people.member = member
    people.member_token = make.token(member.email)
    return people, cohort_id


def fill(url, cohort_id, member_id):
    return url.format(id=cohort_id, member=member_id)


@pytest.mark.parametrize("who", ["kenitra", "trainee", "expert", "member"])
def test_outsiders_get_404_everywhere_and_change_nothing(app, api, world, who, signed_in):
    people, cohort_id = world
    person = getattr(people, who)
    browser = signed_in(person.email)
    for url in PAGES:
        assert browser.get(fill(url, cohort_id, people.member.id)).status_code == 404, url
    for url in WRITES:
        response = browser.post_form(fill(url, cohort_id, people.member.id), {"archived": "1"})
        assert response.status_code == 404, url
    listing = browser.get("/cohorts")
    if who == "kenitra":  # a trainer has a list, without this cohort
        assert f"/cohorts/{cohort_id}" not in listing.get_data(as_text=True)
    else:
        assert listing.status_code == 404
    token = getattr(people, who + "_token", None)
    if token is not None:
        for url in API:
            assert api.get(fill(url, cohort_id, 0), token=token).status_code == 404, url
        members = api.post(
            f"/api/v1/cohorts/{cohort_id}/members", token=token, json={"emails": ["x@y.org"]}
        )
        assert members.status_code == 404
        export = api.post(f"/api/v1/cohorts/{cohort_id}/exports", token=token, json={"kind": "csv"})
        assert export.status_code == 404
        listed = api.get("/api/v1/cohorts", token=token).get_json()
        assert listed["items"] == []
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        assert cohort.archived_at is None
        assert db.session.scalar(select(func.count()).select_from(CohortMember)) == 1
        exports = select(func.count()).select_from(Job).where(Job.kind == "export")
        assert db.session.scalar(exports) == 0


@pytest.mark.parametrize("who", ["sale", "admin"])
def test_its_trainers_and_admins_see_everything(app, api, world, who, signed_in):
    people, cohort_id = world
    browser = signed_in(getattr(people, who).email)
    for url in PAGES:
        assert browser.get(fill(url, cohort_id, people.member.id)).status_code == 200, url
    token = getattr(people, who + "_token")
    for url in API:
        assert api.get(fill(url, cohort_id, 0), token=token).status_code == 200, url
    assert [c["id"] for c in api.get("/api/v1/cohorts", token=token).get_json()["items"]] == [
        cohort_id
    ]
    export = api.post(f"/api/v1/cohorts/{cohort_id}/exports", token=token, json={"kind": "csv"})
    assert export.status_code == 202
    asked = browser.post_form(f"/cohorts/{cohort_id}/exports", {"kind": "xlsx"})
    assert asked.status_code == 303 and asked.headers["Location"].startswith("/jobs/")


def test_a_trainer_listed_on_another_centres_cohort_manages_it(app, api, world, make):
    people, cohort_id = world
    admin = people.admin_token
    listed = api.post(
        "/api/v1/cohorts",
        token=admin,
        json={
            "name": "Mixte",
            "centre": "SALE",
            "starts_on": "2026-10-01",
            "trainers": [people.kenitra.email],
        },
    ).get_json()["id"]
    assert api.get(f"/api/v1/cohorts/{listed}", token=people.kenitra_token).status_code == 200
    assert api.get(f"/api/v1/cohorts/{cohort_id}", token=people.kenitra_token).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(app, api, world, signed_in):
    people, cohort_id = world
    anonymous = signed_in(None)
    page = anonymous.get(f"/cohorts/{cohort_id}")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert api.get(f"/api/v1/cohorts/{cohort_id}").status_code == 401


def test_a_trainer_without_a_centre_is_told_not_crashed(app, api, world, make, signed_in):
    people, _cohort_id = world
    homeless = make.user("trainer", centre="SALE")
    with app.app_context():
        from elearn.accounts.models import User

        db.session.get(User, homeless.id).centre_id = None
        db.session.commit()
    browser = signed_in(homeless.email)
    response = browser.post_form("/cohorts/new", {"name": "X", "starts_on": "2026-09-15"})
    assert response.status_code == 200 and "centre" in response.get_data(as_text=True).lower()
