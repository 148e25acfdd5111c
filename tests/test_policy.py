"""Each access rule is a predicate and its query twin (``*/policy.py``): over a grid of
every kind of person × courses, cohorts, trainees and attempts, both give the same answer,
and the answers are the rules users rely on (an expert authors their network's drafts, a
trainer reads what their live cohorts follow, nobody else reads a draft)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from elearn.accounts import policy as accounts
from elearn.accounts.models import User
from elearn.authoring import policy as authoring
from elearn.authoring.models import Course, CourseStatus
from elearn.cohorts import policy as cohorts
from elearn.cohorts.models import Cohort
from elearn.core.db import utcnow
from elearn.extensions import db, login_manager
from elearn.learning import policy as learning
from elearn.learning.models import Certificate
from elearn.quizzes import policy as quizzes
from elearn.quizzes.models import QuizAttempt
from tests.cohortkit import create_cohort, staff
from tests.factories import imported, package
from tests.quizkit import QUIZ, SLUG, certify, enrolled_trainee

PEOPLE = (
    "anonymous",
    "admin",
    "expert",
    "aeromac",
    "listed",
    "sale",
    "colleague",
    "kenitra",
    "trainee",
    "member",
    "outsider",
)


@pytest.fixture
def world(app, api, make):
    """brakes (DMK, live, followed by a Salé cohort and an archived Kénitra one), a DMK
    draft, an AEROMAC draft listing one DMK-less expert as author, an archived course."""
    people = staff(api, make)
    for slug, network, query in [
        ("engine-draft", "DMK", ""),
        ("wings-draft", "AEROMAC", ""),
        ("old-course", "DMK", "?publish=true"),
    ]:
        assert imported(api, people.admin_token, package(slug, network), query)
    aeromac = make.user("expert", network="AEROMAC")
    listed = make.user("expert", network="C3M")
    outsider = make.user("trainee", centre="SALE")
    colleague = make.user("trainer", centre="SALE")  # not listed on the cohort
    sale = create_cohort(api, people.sale_token)
    ken = create_cohort(api, people.kenitra_token, name="Ken", centre="KEN")
    member_token = enrolled_trainee(api, make, email="member@ofppt.example")
    assert (
        api.post(
            f"/api/v1/cohorts/{sale}/members",
            token=people.sale_token,
            json={"emails": ["member@ofppt.example"]},
        ).status_code
        == 200
    )
    assert api.post(QUIZ, token=member_token).status_code == 201
    outsider_token = make.token(outsider.email)
    assert api.post(f"/api/v1/courses/{SLUG}/enrolment", token=outsider_token).status_code == 201
    assert api.post(QUIZ, token=outsider_token).status_code == 201
    with app.app_context():
        db.session.get(Cohort, ken).archived_at = utcnow()
        wings = db.session.scalar(select(Course).where(Course.slug == "wings-draft"))
        wings.authors = [db.session.get(User, listed.id)]
        old = db.session.scalar(select(Course).where(Course.slug == "old-course"))
        old.status = CourseStatus.ARCHIVED
        db.session.commit()
    ids = {
        "admin": people.admin.id,
        "expert": people.expert.id,
        "aeromac": aeromac.id,
        "listed": listed.id,
        "sale": people.sale.id,
        "colleague": colleague.id,
        "kenitra": people.kenitra.id,
        "trainee": people.trainee.id,
        "member": db_user_id(app, "member@ofppt.example"),
        "outsider": outsider.id,
    }
    return ids


def db_user_id(app, email):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def everyone(ids):
    people = {name: db.session.get(User, uid) for name, uid in ids.items()}
    people["anonymous"] = login_manager.anonymous_user()
    return people


def test_authoring_rules_agree_with_their_queries(app, world):
    with app.app_context():
        people = everyone(world)
        courses = db.session.scalars(select(Course)).all()
        authored, seen = {}, {}
        for name in PEOPLE:
            user = people[name]
            by_query = set(
                db.session.scalars(select(Course.slug).where(authoring.authored_by(user)))
            )
            assert by_query == {c.slug for c in courses if authoring.may_author(user, c)}, name
            authored[name] = by_query
            by_query = set(db.session.scalars(select(Course.slug).where(authoring.seen_by(user))))
            assert by_query == {c.slug for c in courses if authoring.may_see(user, c)}, name
            seen[name] = by_query
    everything = {"brakes", "engine-draft", "wings-draft", "old-course"}
    assert authored["admin"] == everything
    assert authored["expert"] == {"brakes", "engine-draft", "old-course"}
    assert authored["aeromac"] == authored["listed"] == {"wings-draft"}
    assert authored["trainee"] == authored["sale"] == authored["anonymous"] == set()
    assert seen["trainee"] == seen["sale"] == {"brakes"}  # not a draft, not archived
    assert seen["aeromac"] == {"brakes", "wings-draft"}


def test_who_reads_a_course_agrees_with_its_query(app, world):
    with app.app_context():
        people = everyone(world)
        courses = db.session.scalars(select(Course)).all()
        read = {}
        for name in PEOPLE:
            user = people[name]
            by_query = set(
                db.session.scalars(select(Course.slug).where(learning.readable_by(user)))
            )
            by_rule = {c.slug for c in courses if learning.may_read_course(db.session, user, c)}
            assert by_query == by_rule, name
            read[name] = by_query
    assert read["member"] == read["outsider"] == {"brakes"}  # enrolled
    assert read["sale"] == {"brakes"}  # their live cohort follows it
    assert read["kenitra"] == set()  # their cohort is archived
    assert read["trainee"] == read["anonymous"] == set()  # not enrolled
    assert read["expert"] == {"brakes", "engine-draft", "old-course"}  # authors read drafts


def test_cohort_rules_agree_with_their_queries(app, world):
    with app.app_context():
        people = everyone(world)
        all_cohorts = db.session.scalars(select(Cohort)).all()
        trainees = [world[n] for n in ("member", "outsider", "trainee")]
        courses = db.session.scalars(select(Course)).all()
        managed, followed, taught = {}, {}, {}
        for name in PEOPLE:
            user = people[name]
            by_query = set(db.session.scalars(select(Cohort.name).where(cohorts.managed_by(user))))
            assert by_query == {c.name for c in all_cohorts if cohorts.may_manage(user, c)}, name
            managed[name] = by_query
            by_query = set(db.session.scalars(cohorts.followed_trainee_ids(user)))
            by_rule = {t for t in trainees if cohorts.follows_trainee(db.session, user, t)}
            assert by_query & set(trainees) == by_rule, name
            followed[name] = by_rule
            by_query = set(db.session.scalars(cohorts.taught_course_ids(user)))
            by_rule = {c.id for c in courses if cohorts.teaches_course(db.session, user, c.id)}
            assert by_query == by_rule, name
            taught[name] = by_rule
    assert managed["admin"] == {"TS Diagnostic 2026", "Ken"}
    assert managed["sale"] == managed["colleague"] == {"TS Diagnostic 2026"}
    assert managed["kenitra"] == {"Ken"}  # archived, still theirs to manage
    assert managed["expert"] == managed["member"] == managed["anonymous"] == set()
    assert followed["sale"] == followed["colleague"] == {world["member"]}
    assert followed["kenitra"] == followed["admin"] == set()
    assert len(taught["sale"]) == 1 and taught["kenitra"] == set()


def test_who_sees_an_attempt_agrees_with_its_query(app, world):
    with app.app_context():
        people = everyone(world)
        attempts = db.session.scalars(select(QuizAttempt)).all()
        owners = {a.id: a.user_id for a in attempts}
        seen = {}
        for name in PEOPLE:
            user = people[name]
            by_query = set(
                db.session.scalars(select(QuizAttempt.id).where(quizzes.seen_attempts(user)))
            )
            by_rule = {a.id for a in attempts if quizzes.may_see_attempt(db.session, user, a)}
            assert by_query == by_rule, name
            seen[name] = {owners[i] for i in by_rule}
    assert seen["admin"] == {world["member"], world["outsider"]}
    assert seen["member"] == {world["member"]}
    assert seen["sale"] == {world["member"]}  # a member of their cohort, not the outsider
    assert seen["kenitra"] == seen["expert"] == seen["anonymous"] == set()


def test_who_sees_an_account_agrees_with_its_query(app, world):
    with app.app_context():
        people = everyone(world)
        users = db.session.scalars(select(User)).all()
        seen = {}
        for name in PEOPLE:
            viewer = people[name]
            by_query = set(
                db.session.scalars(select(User.id).where(accounts.visible_users(viewer)))
            )
            assert by_query == {u.id for u in users if accounts.may_see_user(viewer, u)}, name
            seen[name] = by_query
    assert seen["admin"] == {u.id for u in users}
    trainees = {world["member"], world["outsider"], world["trainee"]}
    assert seen["sale"] == seen["colleague"] == trainees  # Salé's trainees, not its staff
    assert seen["kenitra"] == seen["expert"] == seen["member"] == seen["anonymous"] == set()


def test_who_sees_a_certificate_agrees_with_its_query(app, api, world, make):
    token = make.token("member@ofppt.example")
    code = certify(api, token)
    with app.app_context():
        people = everyone(world)
        certificates = db.session.scalars(select(Certificate)).all()
        assert [c.code for c in certificates] == [code]
        seen = {}
        for name in PEOPLE:
            user = people[name]
            by_query = set(
                db.session.scalars(select(Certificate.code).where(learning.seen_certificates(user)))
            )
            by_rule = {c.code for c in certificates if learning.may_see_certificate(user, c)}
            assert by_query == by_rule, name
            seen[name] = by_query
    assert seen["member"] == seen["admin"] == {code}
    assert seen["sale"] == seen["outsider"] == seen["anonymous"] == set()


def test_who_reviews_a_course_agrees_with_its_query(app, world):
    """Admins review everything; a network's reviewers (any role: here a trainer and an
    expert of another network) its courses; nobody else, authors included."""
    from elearn.accounts import services as accounts
    from elearn.accounts.models import Network

    with app.app_context():
        dmk = db.session.scalar(select(Network).where(Network.code == "DMK"))
        accounts.add_reviewer(
            db.session, dmk, db.session.get(User, world["sale"]).email, "pedagogy"
        )
        aeromac_expert = db.session.get(User, world["aeromac"])
        accounts.add_reviewer(db.session, dmk, aeromac_expert.email, "domain")
        db.session.commit()
        people = everyone(world)
        courses = db.session.scalars(select(Course)).all()
        reviewed = {}
        for name in PEOPLE:
            user = people[name]
            by_query = set(
                db.session.scalars(select(Course.slug).where(authoring.reviewed_by(user)))
            )
            assert by_query == {c.slug for c in courses if authoring.may_review(user, c)}, name
            reviewed[name] = by_query
    everything = {"brakes", "engine-draft", "wings-draft", "old-course"}
    assert reviewed["admin"] == everything
    assert reviewed["sale"] == reviewed["aeromac"] == {"brakes", "engine-draft", "old-course"}
    assert reviewed["expert"] == reviewed["trainee"] == reviewed["anonymous"] == set()
