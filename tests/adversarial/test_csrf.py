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
from datetime import UTC, datetime, timedelta

import pytest

from tests.adversarial.routekit import WriteSpy, api_writes, build_world, forms
from tests.adversarial.worldkit import DRAFT
from tests.factories import package
from tests.quizkit import QUIZ, SLUG, publish

pytestmark = pytest.mark.adversarial


@pytest.fixture
def world(app, api, make):
    return build_world(app, api, make)


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
