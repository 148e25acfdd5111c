"""Cross-site request forgery, and state-changing GETs.

Cases (security-cases.md) and where each is covered:

- T41 no GET route writes: tests/test_security.py::test_every_get_route_writes_nothing walks
  every GET route as an admin with placeholder ids (most of which answer 404 before doing
  anything), and tests/test_admin_pages.py::test_no_admin_or_account_page_writes_on_get and
  ::test_get_requests_never_change_the_stored_locale cover the admin, account and language
  pages. Added: ``test_no_get_route_writes_with_real_objects`` (every GET route with the ids
  each role really owns: an open attempt, a certificate, a cohort, a draft and its media)
  and ``test_reading_a_late_attempt_does_not_grade_it``.
- T41 a POST without ``csrf_token`` → 400: tests/test_auth.py::
  test_post_without_csrf_token_is_refused (sign-in) and tests/test_admin_pages.py::
  test_trainee_posting_a_new_account_with_a_valid_token_gets_403 (one admin form). Added:
  ``test_every_form_needs_its_csrf_token`` (every POST route of the pages, walked from
  ``app.url_map``, by someone allowed to use it: 400 and nothing written; with the token the
  same request goes through).
- T41 cookie-authenticated API writes need ``X-CSRFToken``: tests/test_api.py::
  test_cookie_writes_need_the_csrf_header (/me) and ::test_cookie_csrf_guard_covers_every_api_write
  (users, centres, tokens). Added: ``test_every_api_write_by_cookie_needs_the_csrf_header``
  (every API write route from ``app.url_map``, including quizzes, cohorts, courses, media).
  The API is designed to accept the browser's cookie (docs/architecture.md), so a cookie
  alone is not a 401; a cookie write without the header is a 403.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from elearn.core.db import utcnow
from elearn.extensions import db
from tests.adversarial import worldkit
from tests.adversarial.worldkit import DRAFT
from tests.conftest import PASSWORD
from tests.quizkit import QUIZ, SLUG, publish
from tests.test_api_courses import package

pytestmark = pytest.mark.adversarial

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)


class WriteSpy:
    """Records every statement that would change the database (token bookkeeping aside: the
    last use of an API token is noted in its own short transaction, by design)."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.statements: list[str] = []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._spy)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._spy)

    def _spy(self, conn, cursor, statement, *args):
        if WRITE.match(statement) and "access_tokens" not in statement:
            self.statements.append(statement.split("\n")[0][:80])

    def take(self) -> list[str]:
        taken, self.statements = self.statements, []
        return taken


@pytest.fixture
def world(app, api, make):
    return build_world(app, api, make)


def build_world(app, api, make):
    """worldkit's world, plus the ids the forms need and an account waiting for its password
    (tests/adversarial/test_unstorable.py walks the same forms and writes)."""
    w = worldkit.build(app, api, make)
    with app.app_context():
        from elearn.accounts.models import Centre, Network
        from elearn.authoring.models import Course

        w.sale_centre = db.session.scalar(select(Centre.id).where(Centre.code == "SALE"))
        w.dmk = db.session.scalar(select(Network.id).where(Network.code == "DMK"))
        w.brakes_id = db.session.scalar(select(Course.id).where(Course.slug == SLUG))
    added = api.post(
        f"/api/v1/cohorts/{w.sale_cohort}/members",
        token=w.sale.token,
        json={"emails": ["pending@ofppt.example"]},  # an account still waiting for its password
    )
    assert added.get_json()["created_accounts"] == ["pending@ofppt.example"]
    with app.app_context():
        from elearn.accounts import services

        w.pending = services.find_user(db.session, "pending@ofppt.example").id
    return w


# -- GETs -----------------------------------------------------------------------------------


def test_no_get_route_writes_with_real_objects(app, api, signed_in, world):
    w = world
    own = {
        # role: (person, the ids this person may really use)
        "anonymous": (None, {"code": w.b_certificate}),
        "trainee": (
            w.b,
            {
                "attempt_id": w.b_open,
                "code": w.b_certificate,
                "slug": SLUG,
                "module": "checks",
                "lesson": "pads",
            },
        ),
        "trainer": (
            w.sale,
            {
                "cohort_id": w.sale_cohort,
                "user_id": w.b.id,
                "attempt_id": w.b_submitted,
                "slug": SLUG,
                "module": "checks",
                "lesson": "fluid",
            },
        ),
        "expert": (
            w.expert,
            {
                "slug": DRAFT,
                "module": "basics",
                "lesson": "cycle",
                "path": "engine.png",
                "upload_id": w.upload_id,
            },
        ),
        "admin": (
            w.admin,
            {
                "user_id": w.b.id,
                "centre_id": w.sale_centre,
                "network_id": w.dmk,
                "attempt_id": w.b_submitted,
                "cohort_id": w.ken_cohort,
                "code": w.b_certificate,
                "slug": SLUG,
                "module": "checks",
                "lesson": "pads",
            },
        ),
    }
    defaults = {"kind": "csv", "token": "x" * 43, "path": "x.png", "upload_id": "0" * 32}
    browsers = {role: signed_in(p.email if p else None) for role, (p, _ids) in own.items()}
    adapter = app.url_map.bind("localhost")
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    answered = 0
    with WriteSpy(app) as spy:
        for role, (person, ids) in own.items():
            for rule in rules:
                values = {**defaults, **ids}
                args = {name: values.get(name, 1) for name in rule.arguments}
                for kind in ("csv", "xlsx") if "kind" in args else ("csv",):
                    url = adapter.build(
                        rule.endpoint, {**args, "kind": kind} if "kind" in args else args
                    )
                    for query in ("", "?lang=ar&page=2&sort=percent&dir=desc"):
                        if rule.rule.startswith("/api/"):
                            response = api.get(url + query, token=person.token if person else None)
                        else:
                            response = browsers[role].get(url + query)
                        response.get_data()  # a streamed export runs to its end
                        assert response.status_code < 500, (role, url)
                        answered += response.status_code == 200
                        assert spy.take() == [], (role, url + query)
    assert answered >= 150  # the walk reached real pages, not only refusals


def test_reading_a_late_attempt_does_not_grade_it(app, api, make, signed_in):
    clock = {"now": datetime(2026, 11, 30, 8, 0, tzinfo=UTC)}
    app.config["TEST_CLOCK"] = lambda: clock["now"]
    publish(api, make, time_limit=10)
    user = make.user("trainee", email="slow@ofppt.example")
    token = make.token(user.email)
    api.post(f"/api/v1/courses/{SLUG}/enrolment", token=token)
    attempt = api.post(QUIZ, token=token).get_json()
    clock["now"] += timedelta(hours=3)  # far past the deadline and its grace
    browser = signed_in(user.email)
    with WriteSpy(app) as spy:
        for response in (
            browser.get(f"/attempts/{attempt['id']}"),
            browser.get(f"/courses/{SLUG}/modules/checks/quiz"),
            browser.get(f"/courses/{SLUG}"),
            browser.get("/my/learning"),
            api.get(f"/api/v1/attempts/{attempt['id']}", token=token),
            api.get("/api/v1/me/courses", token=token),
        ):
            assert response.status_code == 200
        assert spy.take() == []
    assert api.get(f"/api/v1/attempts/{attempt['id']}", token=token).get_json()["status"] == "open"
    # starting again (a POST) is what grades it, as expired
    assert api.post(QUIZ, token=token).status_code == 201
    assert (
        api.get(f"/api/v1/attempts/{attempt['id']}", token=token).get_json()["status"] == "expired"
    )


# -- forms ----------------------------------------------------------------------------------

#: Signed tickets stand in for the CSRF token (like S3's presigned forms): a forged or
#: missing ticket is a 403 (tests/adversarial/test_idor.py matrix, tests/test_uploads.py).
EXEMPT = {"/media/uploads", "/media/uploads/parts"}


def setup_link(app, email) -> str:
    with app.app_context():
        from elearn.accounts import links, services

        plain = links.create_link(
            db.session, services.find_user(db.session, email), now=utcnow(), days=7
        )
        db.session.commit()
        return plain


def forms(app, w) -> list[tuple[str, str, dict, dict]]:
    """(rule, who, URL arguments, a form that works for them), in an order where each
    request still makes sense after the ones before went through."""
    new_pw = "a-brand-new-secret-7"
    csv = (io.BytesIO(b"email;nom\nfrom.preview@ofppt.example;Preview\n"), "list.csv")
    draft_lesson = {"slug": DRAFT, "module": "basics", "lesson": "cycle"}
    return [
        ("/language", "b", {}, {"lang": "ar"}),
        ("/account", "b", {}, {"name": "B Renamed", "locale": "fr"}),
        ("/account/tokens", "b", {}, {"name": "script"}),
        ("/account/tokens/<int:token_id>/revoke", "b", {"token_id": w.b_token_id}, {}),
        ("/login", None, {}, {"email": w.a.email, "password": PASSWORD}),
        (
            "/password/setup/<token>",
            None,
            {"token": setup_link(app, w.k.email)},
            {"new_password": new_pw, "confirm": new_pw},
        ),
        (
            "/admin/users/new",
            "admin",
            {},
            {
                "email": "made@ofppt.example",
                "name": "Made",
                "roles": "trainee",
                "centre": "SALE",
                "locale": "fr",
            },
        ),
        (
            "/admin/users/<int:user_id>",
            "admin",
            {"user_id": w.a.id},
            {
                "name": "A Edited",
                "roles": "trainee",
                "centre": "SALE",
                "locale": "fr",
                "active": "y",
            },
        ),
        (
            "/admin/centres/new",
            "admin",
            {},
            {"code": "RABAT", "name": "ISTA Rabat", "city": "Rabat"},
        ),
        (
            "/admin/centres/<int:centre_id>",
            "admin",
            {"centre_id": w.sale_centre},
            {"code": "SALE", "name": "Centre de Salé", "city": "Salé"},
        ),
        (
            "/admin/networks/new",
            "admin",
            {},
            {"code": "NEWNET", "name_fr": "Nouveau", "name_ar": "جديد", "domains": "ai"},
        ),
        (
            "/admin/networks/<int:network_id>",
            "admin",
            {"network_id": w.dmk},
            {
                "code": "DMK",
                "name_fr": "DMK",
                "name_ar": "دمك",
                "country": "DE",
                "domains": "automotive",
            },
        ),
        ("/courses/<slug>/enrol", "a", {"slug": SLUG}, {}),
        (
            "/courses/<slug>/modules/<module>/lessons/<lesson>/complete",
            "a",
            {"slug": SLUG, "module": "checks", "lesson": "pads"},
            {},
        ),
        (
            "/courses/<slug>/modules/<module>/quiz/attempts",
            "b",
            {"slug": SLUG, "module": "checks"},
            {},
        ),
        (
            "/attempts/<int:attempt_id>",
            "b",
            {"attempt_id": w.b_open},
            {"q-q3": "true", "action": "save"},
        ),
        (
            "/cohorts/new",
            "sale",
            {},
            {"name": "Nouvelle", "centre": str(w.sale_centre), "starts_on": "2026-09-15"},
        ),
        (
            "/cohorts/<int:cohort_id>/edit",
            "sale",
            {"cohort_id": w.sale_cohort},
            {
                "name": "Salé 2026",
                "centre": str(w.sale_centre),
                "starts_on": "2026-09-15",
                "courses": str(w.brakes_id),
                "trainers": str(w.sale.id),
            },
        ),
        (
            "/cohorts/<int:cohort_id>/members/preview",
            "sale",
            {"cohort_id": w.sale_cohort},
            {"file": csv},
        ),
        (
            "/cohorts/<int:cohort_id>/members",
            "sale",
            {"cohort_id": w.sale_cohort},
            {"csv": "email;nom\nnew.member@ofppt.example;Nouveau\n"},
        ),
        (
            "/cohorts/<int:cohort_id>/members/<int:user_id>/link",
            "sale",
            {"cohort_id": w.sale_cohort, "user_id": w.pending},
            {},
        ),
        (
            "/cohorts/<int:cohort_id>/members/<int:user_id>/remove",
            "sale",
            {"cohort_id": w.sale_cohort, "user_id": w.b.id},
            {},
        ),
        (
            "/cohorts/<int:cohort_id>/archive",
            "sale",
            {"cohort_id": w.sale_cohort},
            {"archived": "1"},
        ),
        (
            "/studio/new",
            "expert",
            {},
            {
                "slug": "new-course",
                "network": "DMK",
                "domain": "automotive",
                "source": "fr",
                "languages": "fr",
                "title": "Nouveau",
            },
        ),
        ("/studio/import", "expert", {}, {"file": (io.BytesIO(package()), "engine-basics.zip")}),
        (
            "/studio/<slug>/settings",
            "expert",
            {"slug": DRAFT},
            {"title_fr": "Moteur", "title_ar": "المحرك"},
        ),
        ("/studio/<slug>/modules", "expert", {"slug": DRAFT}, {"slug": "extra", "title": "Extra"}),
        (
            "/studio/<slug>/modules/<module>/<action>",
            "expert",
            {"slug": DRAFT, "module": "basics", "action": "down"},
            {},
        ),
        (
            "/studio/<slug>/modules/<module>/lessons",
            "expert",
            {"slug": DRAFT, "module": "basics"},
            {"slug": "extra", "title": "Extra"},
        ),
        (
            "/studio/<slug>/modules/<module>/lessons/<lesson>/<action>",
            "expert",
            {**draft_lesson, "action": "down"},
            {},
        ),
        (
            "/studio/<slug>/modules/<module>/lessons/<lesson>/current",
            "expert",
            draft_lesson,
            {"lang": "ar"},
        ),
        (
            "/studio/<slug>/modules/<module>/lessons/<lesson>/edit",
            "expert",
            draft_lesson,
            {"lang": "fr", "title": "Le cycle", "markdown": "Texte revu.", "action": "save"},
        ),
        (
            "/studio/<slug>/modules/<module>/lessons/<lesson>/preview.json",
            "expert",
            draft_lesson,
            {"markdown": "**x**"},
        ),
        (
            "/studio/<slug>/modules/<module>/quiz",
            "expert",
            {"slug": DRAFT, "module": "basics"},
            {"yaml": "title: {fr: Quiz}\nquestions: []\n"},
        ),
        (
            "/studio/<slug>/media/<int:asset_id>/delete",
            "expert",
            {"slug": DRAFT, "asset_id": w.asset_id},
            {},
        ),
        ("/studio/<slug>/submit", "expert", {"slug": DRAFT}, {}),
        ("/studio/<slug>/return", "admin", {"slug": DRAFT}, {"comment": "À revoir"}),
        ("/studio/<slug>/publish", "admin", {"slug": DRAFT}, {}),
        (
            "/account/password",
            "b",
            {},
            {"current_password": PASSWORD, "new_password": new_pw, "confirm": new_pw},
        ),
        ("/logout", "b", {}, {}),
    ]


def test_every_form_needs_its_csrf_token(app, signed_in, world):
    w = world
    table = forms(app, w)
    page_writes = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith("/api/") and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    }
    listed = {rule for rule, *_ in table}
    assert not page_writes - listed - EXEMPT, (
        f"add these forms: {sorted(page_writes - listed - EXEMPT)}"
    )
    assert not listed - page_writes, sorted(listed - page_writes)
    people = {"a": w.a, "b": w.b, "sale": w.sale, "expert": w.expert, "admin": w.admin}
    browsers = {key: signed_in(p.email) for key, p in people.items()}
    adapter = app.url_map.bind("localhost")
    endpoint_of = {r.rule: r.endpoint for r in app.url_map.iter_rules()}
    with WriteSpy(app) as spy:
        for rule, who, args, data in table:
            url = adapter.build(endpoint_of[rule], args)
            browser = browsers[who] if who else app.test_client()
            browser.get("/language")  # the browser has a session, hence a CSRF secret
            spy.take()

            def fresh(form):  # file fields are read once per request
                return {
                    k: (io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v
                    for k, v in form.items()
                }

            refused = browser.post(url, data=fresh(data))
            assert refused.status_code == 400, (rule, refused.status_code)
            assert spy.take() == [], rule
            wrong = browser.post(url, data={**fresh(data), "csrf_token": "forged"})
            assert wrong.status_code == 400, rule
            assert spy.take() == [], rule
            accepted = browser.post(url, data={**fresh(data), "csrf_token": browser.csrf_token()})
            assert accepted.status_code not in (400, 403, 404), (rule, accepted.status_code)
            assert accepted.status_code < 500, rule
            spy.take()


# -- the API with the browser's cookie -----------------------------------------------------------


def api_writes(w) -> list[tuple[str, str, str, dict, object]]:
    """(rule, method, who, URL arguments, body) for every API write, by someone allowed."""
    lesson = {"slug": DRAFT, "module": "basics", "lesson": "cycle"}
    return [
        (
            "/api/v1/centres",
            "POST",
            "admin",
            {},
            {"code": "RABAT", "name": "ISTA Rabat", "city": "Rabat"},
        ),
        ("/api/v1/centres/<code>", "PATCH", "admin", {"code": "SALE"}, {"city": "Salé"}),
        (
            "/api/v1/networks",
            "POST",
            "admin",
            {},
            {"code": "NEWNET", "name": {"fr": "Nouveau", "ar": "جديد"}, "domains": ["ai"]},
        ),
        (
            "/api/v1/users",
            "POST",
            "admin",
            {},
            {"email": "made@ofppt.example", "name": "Made", "roles": ["trainee"], "centre": "SALE"},
        ),
        (
            "/api/v1/users/<int:user_id>",
            "PATCH",
            "admin",
            {"user_id": w.a.id},
            {"name": "A Edited"},
        ),
        (
            "/api/v1/cohorts",
            "POST",
            "sale",
            {},
            {"name": "Nouvelle", "centre": "SALE", "starts_on": "2026-09-15"},
        ),
        (
            "/api/v1/cohorts/<int:cohort_id>/members",
            "POST",
            "sale",
            {"cohort_id": w.sale_cohort},
            {"emails": ["a@ofppt.example"]},
        ),
        ("/api/v1/courses/<slug>/enrolment", "POST", "a", {"slug": SLUG}, None),
        (
            "/api/v1/courses/<slug>/modules/<module>/lessons/<lesson>/complete",
            "POST",
            "a",
            {"slug": SLUG, "module": "checks", "lesson": "pads"},
            None,
        ),
        (
            "/api/v1/courses/<slug>/modules/<module>/quiz/attempts",
            "POST",
            "b",
            {"slug": SLUG, "module": "checks"},
            None,
        ),
        (
            "/api/v1/attempts/<int:attempt_id>/answers",
            "PUT",
            "b",
            {"attempt_id": w.b_open},
            {"answers": {"q3": True}},
        ),
        (
            "/api/v1/attempts/<int:attempt_id>/submit",
            "POST",
            "b",
            {"attempt_id": w.b_open},
            {"answers": {}},
        ),
        (
            "/api/v1/courses/<slug>/modules/<module>/lessons/<lesson>",
            "PUT",
            "expert",
            lesson,
            {"lang": "fr", "title": "Le cycle", "markdown": "Texte"},
        ),
        (
            "/api/v1/courses/<slug>/media/uploads",
            "POST",
            "expert",
            {"slug": DRAFT},
            {"filename": "x.png", "content_type": "image/png", "size": 68},
        ),
        (
            "/api/v1/courses/<slug>/media/uploads/<upload_id>/parts",
            "POST",
            "expert",
            {"slug": DRAFT, "upload_id": w.upload_id},
            {"numbers": [1]},
        ),
        (
            "/api/v1/courses/<slug>/media/uploads/<upload_id>/complete",
            "POST",
            "expert",
            {"slug": DRAFT, "upload_id": w.upload_id},
            None,
        ),
        ("/api/v1/courses/import", "POST", "expert", {}, "package"),
        ("/api/v1/courses/<slug>/submit", "POST", "expert", {"slug": DRAFT}, None),
        (
            "/api/v1/courses/<slug>/return",
            "POST",
            "admin",
            {"slug": DRAFT},
            {"comment": "À revoir"},
        ),
        ("/api/v1/courses/<slug>/publish", "POST", "admin", {"slug": DRAFT}, None),
        ("/api/v1/me", "PATCH", "b", {}, {"name": "B Renamed"}),
        ("/api/v1/tokens", "POST", "b", {}, {"email": worldkit.B_EMAIL, "password": PASSWORD}),
        ("/api/v1/tokens/<int:token_id>", "DELETE", "b", {"token_id": w.b_token_id}, None),
    ]


def test_every_api_write_by_cookie_needs_the_csrf_header(app, signed_in, world):
    w = world
    table = api_writes(w)
    rules = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    }
    listed = {(rule, method) for rule, method, *_ in table}
    assert not rules - listed, f"add these API writes: {sorted(rules - listed)}"
    assert not listed - rules, sorted(listed - rules)
    people = {"a": w.a, "b": w.b, "sale": w.sale, "expert": w.expert, "admin": w.admin}
    browsers = {key: signed_in(p.email) for key, p in people.items()}
    adapter = app.url_map.bind("localhost")
    endpoint_of = {(r.rule, m): r.endpoint for r in app.url_map.iter_rules() for m in r.methods}

    def send(browser, method, url, body, headers):
        if body == "package":
            return browser.post(
                url,
                headers=headers,
                data={"file": (io.BytesIO(package()), "engine-basics.zip")},
                content_type="multipart/form-data",
            )
        return browser.open(url, method=method, json=body, headers=headers)

    with WriteSpy(app) as spy:
        for rule, method, who, args, body in table:
            url = adapter.build(endpoint_of[rule, method], args, method=method)
            browser = browsers[who]
            for headers in ({}, {"X-CSRFToken": "forged"}, {"X-CSRF-Token": browser.csrf_token()}):
                spy.take()
                refused = send(browser, method, url, body, headers)
                assert refused.status_code == 403, (rule, method, headers, refused.status_code)
                assert refused.mimetype == "application/problem+json"
                assert spy.take() == [], (rule, method)
            accepted = send(browser, method, url, body, {"X-CSRFToken": browser.csrf_token()})
            assert accepted.status_code != 403, (rule, method, accepted.get_json())
            assert accepted.status_code < 500, rule
