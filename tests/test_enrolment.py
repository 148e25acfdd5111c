"""Enrolling in a course: once, only in published open courses, and required to read."""

from __future__ import annotations

from sqlalchemy import func, select

from elearn.authoring.models import Course
from elearn.extensions import db
from elearn.learning.models import Enrolment
from tests.factories import package, upload


def test_enrolment_is_idempotent_and_needs_a_published_open_course(app, api, make):
    admin = make.token(make.user("admin").email)
    trainee = make.token(make.user("trainee").email)
    url = "/api/v1/courses/engine-basics/enrolment"
    upload(api, admin, package())
    assert api.post(url, token=trainee).status_code == 404  # a draft does not exist for them
    api.post("/api/v1/courses/engine-basics/submit", token=admin)
    api.post("/api/v1/courses/engine-basics/publish", token=admin)
    assert [api.post(url, token=trainee).status_code for _ in range(3)] == [201, 200, 200]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
        db.session.scalar(select(Course)).open_enrolment = False
        db.session.commit()
    other = make.token(make.user("trainee").email)
    refused = api.post(url, token=other)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert api.post(url, token=trainee).status_code == 200  # already in: still fine
