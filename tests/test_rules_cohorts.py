"""The cohort rules of cohorts/services.py and cohorts/members.py, called directly with a
session (no HTTP): who manages a cohort and sees its trainees, what a cohort may be made
of, and who may be added to it. The pages and the API answer 404 for everything the
lookups refuse: tests/test_cohort_access.py."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.exceptions import NotFound

from elearn.accounts import services as accounts
from elearn.authoring import services as authoring
from elearn.cohorts import members, policy
from elearn.cohorts import services as cohorts
from elearn.core.db import utcnow
from elearn.extensions import db
from elearn.learning.services import enrolment
from tests.factories import package
from tests.quizkit import SLUG, quiz_package


@pytest.fixture
def sale_cohort(make):
    """A cohort of Salé following the brakes course, with one member; trainers of Salé and
    Kénitra, a Kénitra trainer listed on the cohort, an admin and an expert."""
    make.course(quiz_package(), publish=True)
    make.centre("KEN", "Centre de Kénitra", "Kénitra")
    people = {
        "sale": make.user("trainer", centre="SALE"),
        "kenitra": make.user("trainer", centre="KEN"),
        "listed": make.user("trainer", centre="KEN"),
        "admin": make.user("admin"),
        "expert": make.user("expert"),
        "member": make.user("trainee", centre="SALE"),
        "outsider": make.user("trainee", centre="SALE"),
    }
    cohort = make.cohort(
        courses=[SLUG], trainers=[people["listed"].email], members=[people["member"].email]
    )
    return cohort, people


def _user(person):
    return accounts.find_user(db.session, person.email)


def test_admins_and_the_cohorts_trainers_manage_it_and_no_one_else(app, sale_cohort):
    cohort, people = sale_cohort
    with app.app_context():
        row = policy.cohort_or_404(db.session, _user(people["admin"]), cohort.id)
        assert row is not None
        managing = {key for key in people if policy.may_manage(_user(people[key]), row)}
        assert managing == {"admin", "sale", "listed"}  # the centre's, and the one listed
        for key in ("kenitra", "expert", "member"):
            with pytest.raises(NotFound):
                policy.cohort_or_404(db.session, _user(people[key]), cohort.id)
        listed = db.session.scalars(cohorts.visible_query(_user(people["kenitra"]))).all()
        assert listed == []


def test_a_trainer_sees_the_trainees_and_reads_the_courses_of_their_cohorts_only(app, sale_cohort):
    cohort, people = sale_cohort
    with app.app_context():
        course = authoring.course_by_slug(db.session, SLUG)
        for key, follows in (("sale", True), ("listed", True), ("kenitra", False)):
            trainer = _user(people[key])
            assert policy.follows_trainee(db.session, trainer, people["member"].id) is follows
            assert policy.teaches_course(db.session, trainer, course.id) is follows
        sale = _user(people["sale"])
        assert not policy.follows_trainee(db.session, sale, people["outsider"].id)
        # a trainee is never a trainer, whatever cohort they are in
        assert not policy.follows_trainee(db.session, _user(people["member"]), people["member"].id)


def test_an_archived_cohort_no_longer_opens_its_trainees(app, sale_cohort):
    cohort, people = sale_cohort
    with app.app_context():
        row = policy.cohort_or_404(db.session, _user(people["admin"]), cohort.id)
        cohorts.set_archived(db.session, row, True, now=utcnow())
        sale = _user(people["sale"])
        assert not policy.follows_trainee(db.session, sale, people["member"].id)
        archived = db.session.scalars(cohorts.visible_query(sale, archived=True)).all()
        assert [c.id for c in archived] == [cohort.id]


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"name": "  "}, "name", 422),
        ({"centre": "KEN"}, "centre", 403),  # a trainer's own centre only
        ({"ends_on": date(2026, 1, 1)}, "ends_on", 422),
        ({"courses": ["engine-basics"]}, "courses", 422),  # a draft cannot be assigned
    ],
)
def test_a_trainer_makes_cohorts_of_their_centre_from_published_courses(
    app, make, sale_cohort, change, field, status
):
    _cohort, people = sale_cohort
    make.course(package())  # engine-basics, never published
    with app.app_context():
        trainer = _user(people["sale"])
        wanted = {"name": "TS 2027", "centre": "SALE", "ends_on": None, "courses": [SLUG]}
        wanted.update(change)
        fields = cohorts.CohortFields(
            name=wanted["name"],
            centre=accounts.centre_by_code(db.session, wanted["centre"]),
            starts_on=date(2026, 9, 15),
            ends_on=wanted["ends_on"],
            courses=[authoring.course_by_slug(db.session, s) for s in wanted["courses"]],
        )
        with pytest.raises(cohorts.CohortError) as refused:
            cohorts.create_cohort(db.session, trainer, fields, now=utcnow())
        assert (refused.value.field, refused.value.status) == (field, status)
        # the same cohort, as it should be, is made and followed by whoever made it
        ok = cohorts.CohortFields(
            name="TS 2027",
            centre=accounts.centre_by_code(db.session, "SALE"),
            starts_on=date(2026, 9, 15),
            courses=[authoring.course_by_slug(db.session, SLUG)],
        )
        made = cohorts.create_cohort(db.session, trainer, ok, now=utcnow())
        assert set(made.trainer_ids) == {trainer.id}


def test_members_added_are_enrolled_and_refusals_name_no_one_to_a_trainer(app, make, sale_cohort):
    cohort, people = sale_cohort
    make.centre("KEN", "Centre de Kénitra", "Kénitra")
    elsewhere = make.user("trainee", centre="KEN")
    with app.app_context():
        trainer = _user(people["sale"])
        row = policy.cohort_or_404(db.session, trainer, cohort.id)
        emails = [
            people["outsider"].email,  # a trainee of Salé: added
            people["member"].email,  # already a member
            "new.trainee@ofppt.example",  # no account yet: made, with a link to set a password
            elsewhere.email,  # Kénitra's: refused
            people["expert"].email,  # not a trainee: refused, in the same words
        ]
        report = members.apply(
            db.session, trainer, row, members.rows_from_emails(emails), now=utcnow()
        )
        assert report.added == [people["outsider"].email, "new.trainee@ofppt.example"]
        assert report.already_members == [people["member"].email]
        assert report.created_accounts == ["new.trainee@ofppt.example"]
        refusals = {e["email"]: e["message"] for e in report.errors}
        assert set(refusals) == {elsewhere.email, people["expert"].email}
        assert len(set(refusals.values())) == 1  # "another centre's" vs "an expert's": unsaid
        course = authoring.course_by_slug(db.session, SLUG)
        for email in (people["outsider"].email, "new.trainee@ofppt.example"):
            assert enrolment(db.session, accounts.find_user(db.session, email), course)
        assert enrolment(db.session, _user(people["expert"]), course) is None
