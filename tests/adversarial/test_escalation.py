"""Privilege escalation and mass assignment.

Cases (security-cases.md) and where each is covered:

- T17 a trainer gives roles through a cohort: ``test_trainers_only_ever_add_trainees``
  (JSON with a role, the secretariat's CSV with role columns, the page's form, accounts that
  are not trainees'), ``test_a_trainer_lists_only_trainers_of_their_own_centre`` (a cohort
  role given to another centre's trainer). Creating accounts with a role:
  tests/test_api.py::test_trainer_creates_trainees_of_their_own_centre_only.
- T18 mass assignment: ``PATCH /api/v1/me`` with role, roles, email, network, centre,
  active, id is tests/test_api.py::test_patch_me_refuses_fields_the_owner_may_not_change;
  the admin forms and the account page are tests/test_admin_pages.py::
  test_trainee_cannot_give_itself_the_admin_role_by_any_post. Added here, every JSON write
  endpoint: ``test_every_json_write_refuses_fields_it_does_not_take`` (extra fields → 422
  naming them, nothing written; a new endpoint must be classified) and
  ``test_writes_without_a_body_ignore_whatever_the_body_says``.
- T19 an enrolment CSV with a role column: in ``test_trainers_only_ever_add_trainees`` (the
  column is ignored, the account is a trainee's; existing staff accounts are refused rows).
- T20 quiz "override" endpoints: ``test_there_is_no_way_to_override_a_quiz_or_a_grade``;
  privileged flags in a query string: ``test_an_expert_cannot_publish_through_the_import_flag``.
- T21 staff routes with a trainee's (or trainer's, or expert's) credentials:
  ``test_staff_routes_refuse_other_roles_on_a_course_they_can_read`` (403 problem+json on
  the API, a 403/404 page elsewhere, never a redirect or content). Admin pages and forms:
  tests/test_admin_pages.py::test_other_roles_get_a_403_page_in_their_language and
  ::test_other_roles_cannot_post_to_admin_forms; API users/centres/networks:
  tests/test_api.py::test_only_admins_patch_users, ::test_only_admins_add_centres_and_networks,
  ::test_listing_users_is_forbidden_to_trainees_and_experts.
- Trainer actions (issue 17): a trainee granting themself an attempt, another centre's
  trainer through their own cohort's id: ``test_a_trainee_cannot_grant_themself_an_attempt_
  nor_a_trainer_outside_the_centre``; each action's body is in the mass-assignment table.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from tests.adversarial import worldkit
from tests.adversarial.worldkit import DRAFT
from tests.factories import imported, package, upload
from tests.quizkit import LESSONS, QUIZ, SLUG, quiz_package

pytestmark = pytest.mark.adversarial


@pytest.fixture
def world(app, api, make):
    return worldkit.build(app, api, make)


def roles_of(app, email: str) -> set[str] | None:
    with app.app_context():
        from elearn.accounts.models import User

        db.session.expire_all()
        user = db.session.scalar(select(User).where(User.email == email))
        return None if user is None else set(user.roles)


def members_of(app, cohort_id: int) -> set[str]:
    with app.app_context():
        from elearn.accounts.models import User
        from elearn.cohorts.models import CohortMember

        return set(
            db.session.scalars(
                select(User.email)
                .join(CohortMember, CohortMember.user_id == User.id)
                .where(CohortMember.cohort_id == cohort_id)
            )
        )


# -- T17 / T19 ----------------------------------------------------------------------------


def test_trainers_only_ever_add_trainees(app, api, make, signed_in, world):
    w = world
    url = f"/api/v1/cohorts/{w.sale_cohort}/members"
    staff = {
        "admin": make.user("admin", email="boss@ofppt.example"),
        "expert": make.user("expert", network="DMK", email="prof@ofppt.example"),
        "trainer": make.user("trainer", centre="SALE", email="colleague@ofppt.example"),
    }
    before = members_of(app, w.sale_cohort)
    # a role named in the JSON is refused, whatever its spelling
    for extra in ({"role": "expert"}, {"roles": ["admin"]}, {"is_admin": True}):
        sneaky = api.post(
            url, token=w.sale.token, json={"emails": ["new.one@ofppt.example"], **extra}
        )
        assert sneaky.status_code == 422, extra
    assert roles_of(app, "new.one@ofppt.example") is None
    # the secretariat's CSV with role columns: read as a list of trainees, nothing more
    csv = (
        "email;nom;role;roles;is_admin;network;centre\r\n"
        "fresh@ofppt.example;Nouvelle Recrue;admin;admin;1;DMK;KEN\r\n"
        + "".join(f"{u.email};Staff;trainee;trainee;0;;SALE\r\n" for u in staff.values())
    ).encode()
    report = api.post(url, token=w.sale.token, data=csv, headers={"Content-Type": "text/csv"})
    assert report.status_code == 200
    body = report.get_json()
    assert body["created_accounts"] == ["fresh@ofppt.example"]
    assert sorted(e["email"] for e in body["errors"]) == sorted(u.email for u in staff.values())
    assert roles_of(app, "fresh@ofppt.example") == {"trainee"}
    me = api.get("/api/v1/me", token=make.token("fresh@ofppt.example")).get_json()
    assert me["centre"] == "SALE" and me["network"] is None
    for role, user in staff.items():
        assert roles_of(app, user.email) == {role}  # untouched, and not made members
    assert members_of(app, w.sale_cohort) == before | {"fresh@ofppt.example"}
    # the page's form: the same rules
    page = signed_in(w.sale.email)
    csv_text = (
        "email,name,role\nother.new@ofppt.example,Autre,admin\nboss@ofppt.example,X,trainee\n"
    )
    applied = page.post_form(
        f"/cohorts/{w.sale_cohort}/members", {"csv": csv_text, "role": "admin", "roles": "admin"}
    )
    assert applied.status_code == 303
    assert roles_of(app, "other.new@ofppt.example") == {"trainee"}
    assert roles_of(app, "boss@ofppt.example") == {"admin"}
    assert "boss@ofppt.example" not in members_of(app, w.sale_cohort)


def test_a_trainer_lists_only_trainers_of_their_own_centre(app, api, signed_in, world):
    """Listing someone as a cohort's trainer lets them read its trainees' attempts: a trainer
    may list colleagues of their centre; another centre's trainer needs an administrator."""
    w = world
    body = {"name": "Partagée", "centre": "SALE", "courses": [SLUG], "starts_on": "2026-09-15"}
    refused = api.post(
        "/api/v1/cohorts", token=w.sale.token, json={**body, "trainers": [w.kenitra.email]}
    )
    assert refused.status_code == 403, refused.get_json()
    assert refused.mimetype == "application/problem+json"
    not_a_trainer = api.post(
        "/api/v1/cohorts", token=w.sale.token, json={**body, "trainers": [w.a.email]}
    )
    assert (
        not_a_trainer.status_code == 403
    )  # the same answer (tests/adversarial/test_enumeration.py)
    listed = {
        c["name"] for c in api.get("/api/v1/cohorts", token=w.admin.token).get_json()["items"]
    }
    assert "Partagée" not in listed
    # the page: an id slipped into the form is refused the same way
    page = signed_in(w.sale.email)
    with app.app_context():
        from elearn.accounts.models import Centre

        sale_id = db.session.scalar(select(Centre.id).where(Centre.code == "SALE"))
    form = {"name": "Partagée", "centre": str(sale_id), "starts_on": "2026-09-15"}
    created = page.post_form("/cohorts/new", {**form, "trainers": [str(w.kenitra.id)]})
    assert created.status_code == 200  # the form again, with the reason
    edited = page.post_form(
        f"/cohorts/{w.sale_cohort}/edit", {**form, "trainers": [str(w.kenitra.id)]}
    )
    assert edited.status_code == 200
    # so Kénitra's trainer still cannot read B's attempt
    assert api.get(f"/api/v1/attempts/{w.b_open}", token=w.kenitra.token).status_code == 404
    # an administrator may share a cohort across centres (tests/test_cohort_access.py)
    shared = api.post(
        "/api/v1/cohorts", token=w.admin.token, json={**body, "trainers": [w.kenitra.email]}
    )
    assert shared.status_code == 201
    # and Salé's trainers may then edit it while keeping the one the administrator listed
    shared_id = shared.get_json()["id"]
    trainers = [str(w.sale.id), str(w.kenitra.id)]
    saved = page.post_form(f"/cohorts/{shared_id}/edit", {**form, "trainers": trainers})
    assert saved.status_code == 303
    kept = api.get(f"/api/v1/cohorts/{shared_id}", token=w.sale.token)
    assert kept.status_code == 200
    assert sorted(kept.get_json()["trainers"]) == sorted([w.sale.email, w.kenitra.email])


# -- T18: mass assignment -----------------------------------------------------------------

#: Fields an attacker adds to a legitimate body.
HOSTILE = {
    "role": "admin",
    "roles": ["admin"],
    "is_admin": True,
    "admin": True,
    "network": "AEROMAC",
    "network_id": 2,
    "centre": "KEN",
    "centre_id": 2,
    "user_id": 1,
    "id": 1,
    "active": True,
    "email_verified": True,
    "password_hash": "x",
    "session_version": 0,
    "score": 100,
    "passed": True,
    "status": "published",
    "started_at": "2020-01-01T00:00:00Z",
}


#: The fields each endpoint documents beyond those of its sample body below.
ACCEPTED = {
    "cohorts_api.create": {"courses", "ends_on", "trainers"},
    "me.Me": {"locale", "password", "current_password"},
    "tokens.create_token": {"name"},
    "users.create_user": {"network", "locale", "password"},
    "users.update_user": {"roles", "network", "centre", "locale", "active"},
    "reference.update_centre": {"name"},
    "reference.create_network": {"country"},
    "courses.put_lesson": set(),
    "notifications_api.mark_read": {"ids"},
    "cohorts_api.request_export": {"course", "lang"},
    # -- quizform (issue 16)
    "quizedit.put_quiz": {"pass_mark", "max_attempts", "time_limit_minutes", "shuffle", "draw"},
    # -- signoffs (issue 16)
    "reviews.sign_off": set(),
    "reference.update_network": set(),
    # -- trainer (issue 17)
    "cohorts_api.extra_attempt": {"course"},
    "cohorts_api.reopen": {"course"},
    "cohorts_api.send_message": {"reason"},
    "cohorts_api.add_one": {"locale"},
}


def json_writes(w) -> dict:
    """Each JSON write endpoint: (method, url, the token of someone allowed, a good body).
    The body's fields and ``ACCEPTED`` are legitimate; every other field must be refused."""
    lesson = f"/api/v1/courses/{DRAFT}/modules/basics/lessons/cycle"
    return {
        "reference.create_centre": (
            "POST",
            "/api/v1/centres",
            w.admin.token,
            {"code": "RABAT", "name": "ISTA Rabat", "city": "Rabat"},
        ),
        "reference.update_centre": (
            "PATCH",
            "/api/v1/centres/SALE",
            w.admin.token,
            {"city": "Salé"},
        ),
        "reference.create_network": (
            "POST",
            "/api/v1/networks",
            w.admin.token,
            {"code": "NEWNET", "name": {"fr": "Nouveau", "ar": "جديد"}, "domains": ["ai"]},
        ),
        "cohorts_api.create": (
            "POST",
            "/api/v1/cohorts",
            w.sale.token,
            {"name": "Nouvelle", "centre": "SALE", "starts_on": "2026-09-15"},
        ),
        "cohorts_api.add_members": (
            "POST",
            f"/api/v1/cohorts/{w.sale_cohort}/members",
            w.sale.token,
            {"emails": ["a@ofppt.example"]},
        ),
        "cohorts_api.request_export": (
            "POST",
            f"/api/v1/cohorts/{w.sale_cohort}/exports",
            w.sale.token,
            {"kind": "csv"},
        ),
        # -- trainer (issue 17): the removal last (B leaves Salé's cohort)
        "cohorts_api.extra_attempt": (
            "POST",
            f"/api/v1/cohorts/{w.sale_cohort}/members/{w.b.id}/extra-attempt",
            w.sale.token,
            {"module": "checks", "reason": "Réseau"},
        ),
        "cohorts_api.reopen": (
            "POST",
            f"/api/v1/cohorts/{w.sale_cohort}/members/{w.b.id}/reopen",
            w.sale.token,
            {"module": "checks", "reason": "Rattrapage"},
        ),
        "cohorts_api.send_message": (
            "POST",
            f"/api/v1/cohorts/{w.sale_cohort}/members/{w.b.id}/messages",
            w.sale.token,
            {"text": "Bonjour"},
        ),
        "cohorts_api.add_one": (
            "POST",
            f"/api/v1/cohorts/{w.sale_cohort}/members/one",
            w.sale.token,
            {"email": "one.more@ofppt.example", "name": "Un de plus"},
        ),
        "cohorts_api.remove_member": (
            "POST",
            f"/api/v1/cohorts/{w.sale_cohort}/members/{w.b.id}/removal",
            w.sale.token,
            {"reason": "A quitté la formation"},
        ),
        "media_api.create_ticket": (
            "POST",
            f"/api/v1/courses/{DRAFT}/media/uploads",
            w.expert.token,
            {"filename": "x.png", "content_type": "image/png", "size": 68},
        ),
        "media_api.part_urls": (
            "POST",
            f"/api/v1/courses/{DRAFT}/media/uploads/{w.upload_id}/parts",
            w.expert.token,
            {"numbers": [1]},
        ),
        "courses.put_lesson": (
            "PUT",
            lesson,
            w.expert.token,
            {"lang": "fr", "title": "Le cycle", "markdown": "Texte"},
        ),
        "courses.send_back": (
            "POST",
            f"/api/v1/courses/{DRAFT}/return",
            w.admin.token,
            {"comment": "À revoir"},
        ),
        "me.Me": ("PATCH", "/api/v1/me", w.a.token, {"name": "Nouveau Nom"}),
        "me.change_email": (
            "POST",
            "/api/v1/me/email",
            w.a.token,
            {"email": "a.nouvelle@ofppt.example", "password": w.a.password},
        ),
        "tokens.create_token": (
            "POST",
            "/api/v1/tokens",
            None,
            {"email": w.a.email, "password": w.a.password},
        ),
        "users.create_user": (
            "POST",
            "/api/v1/users",
            w.sale.token,
            {
                "email": "recrue@ofppt.example",
                "name": "Recrue",
                "roles": ["trainee"],
                "centre": "SALE",
            },
        ),
        "users.update_user": ("PATCH", f"/api/v1/users/{w.b.id}", w.admin.token, {"name": "B"}),
        "tokens.password_reset": ("POST", "/api/v1/password-reset", None, {"email": w.b.email}),
        "notifications_api.mark_read": (
            "POST",
            "/api/v1/me/notifications/read",
            w.b.token,
            {"all": True},
        ),
        "notifications_api.put_settings": (
            "PUT",
            "/api/v1/me/notification-settings",
            w.b.token,
            {"email": "daily", "reminders": True},
        ),
        "quizzes_api.save": (
            "PUT",
            f"/api/v1/attempts/{w.b_open}/answers",
            w.b.token,
            {"answers": {"q3": True}},
        ),
        "quizzes_api.submit": (
            "POST",
            f"/api/v1/attempts/{w.b_open}/submit",
            w.b.token,
            {"answers": {"q3": True}},
        ),
        # -- quizform (issue 16)
        "quizedit.put_quiz": (
            "PUT",
            f"/api/v1/courses/{DRAFT}/modules/basics/quiz",
            w.expert.token,
            {
                "title": {"fr": "Quiz", "ar": "اختبار"},
                "questions": [
                    {
                        "id": "q1",
                        "type": "true_false",
                        "prompt": {"fr": "Vrai ?", "ar": "صحيح؟"},
                        "answer": True,
                    }
                ],
            },
        ),
        # -- signoffs (issue 16)
        "reference.update_network": (
            "PATCH",
            "/api/v1/networks/DMK",
            w.admin.token,
            {"required_signoffs": ["domain"]},
        ),
        "reviews.sign_off": (
            "POST",
            f"/api/v1/courses/{DRAFT}/signoffs",
            w.admin.token,
            {"role": "domain"},
        ),
    }


#: API writes that read no JSON body (tested by ``test_writes_without_a_body_...``), and the
#: package import (multipart; its query flags are in ``test_an_expert_cannot_publish...``).
BODYLESS = {
    "courses.enrol",
    "courses.complete_lesson",
    "quizzes_api.start",
    "courses.submit",
    "courses.publish",
    "media_api.complete",
    "tokens.revoke_token",
    "jobs_api.retry_job",
}
MULTIPART = {"courses.import_package", "gift.import_gift"}  # GIFT is a text body
#: Answers 422 without naming the field (a single message on the shape of the body).
UNNAMED = {"cohorts_api.add_members"}


def test_every_json_write_refuses_fields_it_does_not_take(app, api, world):
    w = world
    writes = json_writes(w)
    api_writes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    }
    unclassified = api_writes - set(writes) - BODYLESS - MULTIPART
    assert not unclassified, f"classify these API writes: {sorted(unclassified)}"
    before = worldkit.snapshot(app)
    for endpoint, (method, url, token, body) in writes.items():
        for field, value in HOSTILE.items():
            if field in body or field in ACCEPTED.get(endpoint, set()):
                continue
            response = api.call(method, url, token=token, json={**body, field: value})
            assert response.status_code == 422, (endpoint, field, response.status_code)
            assert response.mimetype == "application/problem+json"
            if endpoint not in UNNAMED:
                paths = {e.get("path") for e in response.get_json().get("errors", [])}
                assert field in paths, (endpoint, field, response.get_json())
    assert worldkit.diff(before, worldkit.snapshot(app)) == {}
    # and each body, as it is, does what it says: the refusals above were the extra fields
    for endpoint, (method, url, token, body) in writes.items():
        if endpoint in {"media_api.part_urls"}:  # a one-part file has no parts to ask for
            continue
        if endpoint == "cohorts_api.reopen":  # -- trainer (issue 17): B passed, not failed
            assert api.call(method, url, token=token, json=body).status_code == 409
            continue
        if endpoint in {"courses.send_back", "reviews.sign_off"}:  # a course in review
            api.post(f"/api/v1/courses/{DRAFT}/submit", token=w.expert.token)
        response = api.call(method, url, token=token, json=body)
        assert response.status_code < 300, (endpoint, response.get_json())
    assert roles_of(app, w.a.email) == {"trainee"}
    assert roles_of(app, "recrue@ofppt.example") == {"trainee"}


def test_writes_without_a_body_ignore_whatever_the_body_says(app, api, make, world):
    w = world
    hostile = {**HOSTILE, "user_id": w.b.id, "network": "AEROMAC", "course": DRAFT}
    # enrolment: a new trainee, their own enrolment, made by the platform's rules
    newcomer = make.user("trainee", centre="SALE")
    newcomer.token = make.token(newcomer.email)
    enrolled = api.post(f"/api/v1/courses/{SLUG}/enrolment", token=newcomer.token, json=hostile)
    assert enrolled.status_code == 201 and set(enrolled.get_json()) == {"course", "enrolled_at"}
    assert api.get("/api/v1/me/courses", token=newcomer.token).get_json()[0]["slug"] == SLUG
    # a lesson read: progress is counted, not taken from the body
    done = api.post(LESSONS[0] + "/complete", token=newcomer.token, json=hostile)
    assert done.get_json() == {"course_progress_percent": 33}
    # an attempt: its number, clock and questions are the server's
    started = api.post(QUIZ, token=newcomer.token, json=hostile)
    assert started.status_code == 201
    attempt = started.get_json()
    assert attempt["attempt_number"] == 1 and attempt["status"] == "open"
    assert "score" not in attempt and "passed" not in attempt
    # an author's submission for review: in review, not published, still DMK's
    submitted = api.post(f"/api/v1/courses/{DRAFT}/submit", token=w.expert.token, json=hostile)
    assert submitted.get_json() == {"slug": DRAFT, "status": "in_review"}
    # the admin's publication: published as it is, in its own network
    published = api.post(f"/api/v1/courses/{DRAFT}/publish", token=w.admin.token, json=hostile)
    assert published.get_json() == {"slug": DRAFT, "status": "published"}
    assert api.get(f"/api/v1/courses/{DRAFT}", token=w.admin.token).get_json()["network"] == "DMK"
    # revoking: the caller's own token, never the one named in the body
    own = make.token(w.a.email, name="spare")
    with app.app_context():
        from elearn.accounts.models import AccessToken

        spare = db.session.scalar(select(AccessToken.id).where(AccessToken.name == "spare"))
    revoked = api.call(
        "DELETE", f"/api/v1/tokens/{spare}", token=w.a.token, json={"id": w.b_token_id}
    )
    assert revoked.status_code == 204
    assert api.get("/api/v1/me", token=own).status_code == 401
    assert api.get("/api/v1/me", token=w.b.token).status_code == 200
    # an admin's retry: a job that did not fail is left as it is, whoever the body names
    with app.app_context():
        from elearn.jobs.models import Job

        job_id, owner = db.session.execute(select(Job.id, Job.owner_id).limit(1)).one()
    retried = api.post(f"/api/v1/jobs/{job_id}/retry", token=w.admin.token, json=hostile)
    assert retried.status_code == 200 and retried.get_json()["status"] == "done"
    with app.app_context():
        assert db.session.get(Job, job_id).owner_id == owner


# -- T20 ------------------------------------------------------------------------------------


def test_there_is_no_way_to_override_a_quiz_or_a_grade(app, api, world):
    w = world
    for rule in app.url_map.iter_rules():
        if rule.rule == "/api/v1/password-reset":
            continue  # an account's forgotten password (the spec's path), not a quiz's
        for word in ("override", "grade", "score", "extension", "reset", "unlock"):
            assert word not in rule.rule, rule.rule
    attempt = f"/api/v1/attempts/{w.b_submitted}"
    quiz = f"/api/v1/courses/{SLUG}/modules/checks/quiz"
    override = {"user_id": w.b.id, "attempts": 99, "time_limit": 0, "score": 100, "passed": True}
    probes = [
        ("POST", f"{quiz}/overrides", 404),
        ("POST", "/api/v1/quizzes/1/overrides", 404),
        ("PATCH", quiz, 405),  # the quiz is GET and PUT for its authors (quizform, issue 16)
        ("PATCH", attempt, 405),
        ("PUT", attempt, 405),
        ("DELETE", attempt, 405),
        ("POST", f"{attempt}/grade", 404),
        ("POST", f"{attempt}/override", 404),
        ("PUT", f"{QUIZ}", 405),
        ("DELETE", f"{QUIZ}", 405),
    ]
    before = api.get(attempt, token=w.b.token).get_json()
    for token in (w.b.token, w.sale.token, w.admin.token):
        for method, url, status in probes:
            response = api.call(method, url, token=token, json=override)
            assert response.status_code == status, (method, url, response.status_code)
            assert response.mimetype == "application/problem+json"
    after = api.get(attempt, token=w.b.token).get_json()
    assert (after["score"], after["passed"], after["status"]) == (
        before["score"],
        before["passed"],
        before["status"],
    )
    # the attempt limit is the author's (3): the open second one resumes, a third, then none
    resumed = api.post(QUIZ, token=w.b.token, json=override)
    assert resumed.status_code == 200 and resumed.get_json()["id"] == w.b_open
    api.post(f"/api/v1/attempts/{w.b_open}/submit", token=w.b.token, json={})
    third = api.post(QUIZ, token=w.b.token, json=override)
    assert third.status_code == 201 and third.get_json()["attempt_number"] == 3
    api.post(f"/api/v1/attempts/{third.get_json()['id']}/submit", token=w.b.token, json={})
    assert api.post(QUIZ, token=w.b.token, json=override).status_code == 409


@pytest.mark.parametrize("flag", ["publish=true", "publish=1", "publish=True", "publish=on"])
def test_an_expert_cannot_publish_through_the_import_flag(app, api, make, flag):
    expert = make.token(make.user("expert", network="DMK").email)
    refused = upload(api, expert, package(), f"?{flag}")
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert api.get("/api/v1/courses/engine-basics", token=expert).status_code == 404  # nothing
    assert imported(api, expert, package())["status"] == "draft"
    again = upload(api, expert, package(), f"?{flag}&dry_run=false")
    assert again.status_code == 403
    course = api.get("/api/v1/courses/engine-basics", token=expert).get_json()
    assert course["status"] == "draft"
    trainee = make.token(make.user("trainee").email)
    assert api.get("/api/v1/courses/engine-basics", token=trainee).status_code == 404


# -- T21 ------------------------------------------------------------------------------------

#: Who may use each staff route (the course is ``brakes``, published, by DMK's expert; the
#: callers below may all read it). Every route of the Studio and admin blueprints is here.
STAFF_ROUTES = {
    # (endpoint, method): (URL, body, roles allowed)
    ("studio.index", "GET"): ("/studio/", None, "admin expert"),
    ("studio.review_queue", "GET"): ("/studio/review", None, "admin"),
    ("studio.new_course", "GET"): ("/studio/new", None, "admin expert"),
    ("studio.new_course", "POST"): ("/studio/new", {"slug": "x", "network": "DMK"}, "admin expert"),
    ("studio.upload", "POST"): ("/studio/import", {}, "admin expert"),
    ("studio.course", "GET"): ("/studio/brakes", None, "admin expert"),
    ("studio.settings", "GET"): ("/studio/brakes/settings", None, "admin expert"),
    ("studio.settings", "POST"): ("/studio/brakes/settings", {}, "admin expert"),
    ("studio.export", "GET"): ("/studio/brakes/export", None, "admin expert"),
    ("studio.submit", "POST"): ("/studio/brakes/submit", {}, "admin expert"),
    ("studio.publish", "POST"): ("/studio/brakes/publish", {}, "admin"),
    ("studio.send_back", "POST"): ("/studio/brakes/return", {"comment": "x"}, "admin"),
    ("studio.add_module", "POST"): ("/studio/brakes/modules", {"slug": "x"}, "admin expert"),
    ("studio.module_action", "POST"): ("/studio/brakes/modules/checks/down", {}, "admin expert"),
    ("studio.add_lesson", "POST"): ("/studio/brakes/modules/checks/lessons", {}, "admin expert"),
    ("studio.lesson_action", "POST"): (
        "/studio/brakes/modules/checks/lessons/pads/down",
        {},
        "admin expert",
    ),
    ("studio_editor.edit_lesson", "GET"): (
        "/studio/brakes/modules/checks/lessons/pads/edit",
        None,
        "admin expert",
    ),
    ("studio_editor.edit_lesson", "POST"): (
        "/studio/brakes/modules/checks/lessons/pads/edit",
        {"title": "x", "markdown": "x", "action": "preview"},
        "admin expert",
    ),
    ("studio_editor.preview_json", "POST"): (
        "/studio/brakes/modules/checks/lessons/pads/preview.json",
        {"markdown": "x"},
        "admin expert",
    ),
    ("studio_editor.mark_current", "POST"): (
        "/studio/brakes/modules/checks/lessons/pads/current",
        {"lang": "ar"},
        "admin expert",
    ),
    ("studio_editor.history", "GET"): (
        "/studio/brakes/modules/checks/lessons/pads/history",
        None,
        "admin expert",
    ),
    ("studio_editor.translations", "GET"): ("/studio/brakes/translations", None, "admin expert"),
    ("studio_editor.preview", "GET"): ("/studio/brakes/preview/checks/pads", None, "admin expert"),
    ("studio_editor.course_items", "GET"): ("/studio/brakes/questions", None, "admin expert"),
    ("studio_questions.bank", "GET"): ("/studio/brakes/bank", None, "admin expert"),
    ("studio_questions.bank", "POST"): (
        "/studio/brakes/bank",
        {"yaml": "questions: []"},
        "admin expert",
    ),
    ("studio_questions.gift", "GET"): (
        "/studio/brakes/modules/checks/quiz/gift",
        None,
        "admin expert",
    ),
    ("studio_questions.gift", "POST"): (
        "/studio/brakes/modules/checks/quiz/gift",
        {"text": "::g::Vrai ?{T}", "action": "import"},
        "admin expert",
    ),
    ("studio_questions.gift_file", "GET"): (
        "/studio/brakes/modules/checks/quiz/gift.txt",
        None,
        "admin expert",
    ),
    ("media_library.library", "GET"): ("/studio/brakes/media", None, "admin expert"),
    ("media_library.delete", "POST"): ("/studio/brakes/media/1/delete", {}, "admin expert"),
    ("admin.users", "GET"): ("/admin/users", None, "admin"),
    ("admin.new_user", "GET"): ("/admin/users/new", None, "admin"),
    ("admin.new_user", "POST"): ("/admin/users/new", {"email": "x@y.org"}, "admin"),
    ("admin.edit_user", "GET"): ("/admin/users/{me}", None, "admin"),
    ("admin.edit_user", "POST"): ("/admin/users/{me}", {"roles": "admin"}, "admin"),
    ("admin.send_link", "POST"): ("/admin/users/{me}/link", {}, "admin"),
    ("admin.centres", "GET"): ("/admin/centres", None, "admin"),
    ("admin.edit_centre", "GET"): ("/admin/centres/new", None, "admin"),
    ("admin.edit_centre", "POST"): ("/admin/centres/new", {"code": "X"}, "admin"),
    ("admin.networks", "GET"): ("/admin/networks", None, "admin"),
    ("admin.edit_network", "GET"): ("/admin/networks/new", None, "admin"),
    ("admin.edit_network", "POST"): ("/admin/networks/new", {"code": "X"}, "admin"),
    # the API
    ("courses.import_package", "POST"): ("/api/v1/courses/import", "package", "admin expert"),
    ("courses.export_course", "GET"): ("/api/v1/courses/brakes/export", None, "admin expert"),
    ("gift.export_gift", "GET"): (
        "/api/v1/courses/brakes/modules/checks/quiz/gift",
        None,
        "admin expert",
    ),
    ("gift.import_gift", "POST"): (
        "/api/v1/courses/brakes/modules/checks/quiz/gift",
        {"text": "::g::Vrai ?{T}"},
        "admin expert",
    ),
    ("courses.translations", "GET"): ("/api/v1/courses/brakes/translations", None, "admin expert"),
    ("courses.put_lesson", "PUT"): (
        "/api/v1/courses/brakes/modules/checks/lessons/pads",
        {"lang": "fr", "title": "x", "markdown": "x"},
        "admin expert",
    ),
    ("courses.submit", "POST"): ("/api/v1/courses/brakes/submit", {}, "admin expert"),
    ("courses.publish", "POST"): ("/api/v1/courses/brakes/publish", {}, "admin"),
    ("courses.send_back", "POST"): ("/api/v1/courses/brakes/return", {"comment": "x"}, "admin"),
    ("media_api.create_ticket", "POST"): (
        "/api/v1/courses/brakes/media/uploads",
        {"filename": "x.png", "content_type": "image/png", "size": 68},
        "admin expert",
    ),
    ("users.list_users", "GET"): ("/api/v1/users", None, "admin trainer"),
    ("users.get_user", "GET"): ("/api/v1/users/{me}", None, "admin trainer"),
    ("users.update_user", "PATCH"): ("/api/v1/users/{me}", {"roles": ["admin"]}, "admin"),
    ("users.create_user", "POST"): (
        "/api/v1/users",
        {"email": "x@y.org", "name": "X", "roles": ["admin"]},
        "admin trainer",
    ),
    ("reference.create_centre", "POST"): (
        "/api/v1/centres",
        {"code": "X", "name": "X", "city": "X"},
        "admin",
    ),
    ("reference.update_centre", "PATCH"): ("/api/v1/centres/SALE", {"name": "X"}, "admin"),
    ("reference.create_network", "POST"): (
        "/api/v1/networks",
        {"code": "X", "name": {"fr": "X", "ar": "X"}, "domains": ["ai"]},
        "admin",
    ),
    # -- changes (issue 16): the page; the API answers 404, not 403, to others (test_idor)
    ("studio_changes.changes", "GET"): ("/studio/brakes/changes", None, "admin expert"),
    # -- quizform (issue 16)
    ("studio_quiz.edit_quiz", "GET"): ("/studio/brakes/modules/checks/quiz", None, "admin expert"),
    ("studio_quiz.edit_quiz", "POST"): (
        "/studio/brakes/modules/checks/quiz",
        {"yaml": "max_attempts: 99"},
        "admin expert",
    ),
    ("studio_quiz.quiz_yaml", "GET"): (
        "/studio/brakes/modules/checks/quiz/yaml",
        None,
        "admin expert",
    ),
    ("studio_quiz.quiz_yaml", "POST"): (
        "/studio/brakes/modules/checks/quiz/yaml",
        {"yaml": "max_attempts: 99"},
        "admin expert",
    ),
    ("studio_quiz.preview_quiz", "GET"): (
        "/studio/brakes/modules/checks/quiz/preview",
        None,
        "admin expert",
    ),
    ("quizedit.get_quiz", "GET"): (
        "/api/v1/courses/brakes/modules/checks/quiz",
        None,
        "admin expert",
    ),
    ("quizedit.put_quiz", "PUT"): (
        "/api/v1/courses/brakes/modules/checks/quiz",
        {"title": {"fr": "x"}, "questions": []},
        "admin expert",
    ),
    # -- outline (issue 16)
    ("studio.preview", "GET"): ("/studio/brakes/preview", None, "admin expert"),
    # -- signoffs (issue 16)
    ("admin.add_reviewer", "POST"): (
        "/admin/networks/1/reviewers",
        {"email": "x@y.org", "role": "domain"},
        "admin",
    ),
    ("admin.remove_reviewer", "POST"): ("/admin/networks/1/reviewers/1/remove", {}, "admin"),
    ("reference.update_network", "PATCH"): (
        "/api/v1/networks/DMK",
        {"required_signoffs": []},
        "admin",
    ),
    # -- editor (issue 16)
    ("studio_editor.autosave", "POST"): (
        "/studio/brakes/modules/checks/lessons/pads/autosave",
        {"title_fr": "x", "markdown_fr": "x"},
        "admin expert",
    ),
}


STAFF_BLUEPRINTS = (
    "studio",
    "studio_editor",
    "studio_questions",
    "media_library",
    "admin",
    "gift",
    # -- quizform (issue 16)
    "studio_quiz",
    "quizedit",
    # -- changes (issue 16)
    "studio_changes",
)


@pytest.mark.parametrize("role", ["trainee", "trainer", "expert"])
def test_staff_routes_refuse_other_roles_on_a_course_they_can_read(
    app, api, signed_in, world, role
):
    w = world
    # the trainee is enrolled, the trainer teaches it, the expert is of its network (so only
    # the admin's routes are refused to them)
    person = {"trainee": w.a, "trainer": w.sale, "expert": w.expert}[role]
    staff_rules = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in STAFF_BLUEPRINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert not staff_rules - set(STAFF_ROUTES), sorted(staff_rules - set(STAFF_ROUTES))
    before = worldkit.snapshot(app)
    browser = signed_in(person.email)
    checked = 0
    for (endpoint, method), (url, body, allowed) in STAFF_ROUTES.items():
        if role in allowed.split():
            continue
        checked += 1
        url = url.format(me=person.id)
        if url.startswith("/api/"):
            if body == "package":
                response = api.client.post(
                    url,
                    headers={"Authorization": f"Bearer {person.token}"},
                    data={"file": (io.BytesIO(quiz_package()), "brakes.zip")},
                    content_type="multipart/form-data",
                )
            else:
                response = api.call(method, url, token=person.token, json=body)
            assert response.status_code == 403, (endpoint, response.status_code)
            assert response.mimetype == "application/problem+json", endpoint
        else:
            if method == "GET":
                response = browser.get(url)
            else:
                response = browser.post_form(url, body)
            assert response.status_code in (403, 404), (endpoint, response.status_code)
            assert response.mimetype == "text/html", endpoint
        assert "Location" not in response.headers, endpoint
        text = response.get_data(as_text=True)
        assert "SECRET-FEEDBACK-B" not in text and "Victime" not in text, endpoint
    assert checked >= 10
    assert worldkit.diff(before, worldkit.snapshot(app)) == {}


# -- trainer (issue 17) ---------------------------------------------------------------------


def test_a_trainee_cannot_grant_themself_an_attempt_nor_a_trainer_outside_the_centre(
    app, api, world
):
    """B's own token on B's own cohort membership, and Kénitra's trainer with their own
    cohort's id and B's: 404 and nothing recorded; Salé's trainer may."""
    from elearn.cohorts.models import TrainerAction
    from elearn.quizzes.models import AttemptAllowance

    w = world
    body = {"module": "checks", "reason": "Je me l'accorde"}
    own = f"/api/v1/cohorts/{w.sale_cohort}/members/{w.b.id}/extra-attempt"
    assert api.post(own, token=w.b.token, json=body).status_code == 404
    assert api.post(own, token=w.a.token, json=body).status_code == 404
    assert api.post(own, token=w.kenitra.token, json=body).status_code == 404
    mixed = f"/api/v1/cohorts/{w.ken_cohort}/members/{w.b.id}/extra-attempt"
    assert api.post(mixed, token=w.kenitra.token, json=body).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrainerAction)) == 0
        assert db.session.scalar(select(func.count()).select_from(AttemptAllowance)) == 0
    assert api.post(own, token=w.sale.token, json=body).status_code == 201
