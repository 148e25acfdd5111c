"""SQL injection in list filters (T47): ``?sort=``, ``?dir=``, ``?order=``, ``?q=``,
``?page=``, ``?per_page=``, ``?fields=`` carrying SQL on every list, as a page and through
the API. Each answer is the list as it would be without the payload (the parameter
ignored, or matched as plain text), or a 4xx problem; never a 500, never a row the caller
may not see, never a password hash; and every table is still there afterwards.

Already covered elsewhere (not repeated here): forged page numbers on the admin's account
list (tests/test_admin_pages.py::test_odd_page_numbers_never_break_the_list) and bad
paging or filter values on the API's user list
(tests/test_api.py::test_bad_paging_or_filter_is_422).
Here: SQL in every parameter of every list, and what comes back.

Found while writing these tests, and fixed: a NUL ("%00") in ``?q=`` of the catalogue and of
the API's user and course lists (and in any filter or slug) was a 500 on PostgreSQL, which
refuses NUL in text; any address carrying one is now a 400 (core/security.py).
"""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from elearn.accounts.models import User
from elearn.extensions import db
from tests.cohortkit import create_cohort, staff

pytestmark = pytest.mark.adversarial

PAYLOADS = [
    "name;DROP TABLE users--",
    "(CASE WHEN 1=1 THEN name ELSE email END)",
    "asc,pg_sleep(20)",
    "%' OR '1'='1",
    "' OR 1=1--",
    '" OR ""="',
    "password_hash",
    "users.password_hash",
    "' UNION SELECT password_hash, email FROM users--",
    "1; SELECT pg_sleep(20)--",
    "name desc nulls first, (SELECT 1)",
    "-1",
    "0",
    "99999999999999999999",
    "1e9",
    "NaN",
    "",
    "\x00",
    "%",
    "_",
    "\\",
    "ف' OR 'ا'='ا",
]
PARAMETERS = ["sort", "dir", "order", "q", "page", "per_page", "fields"]
NUL = "\x00"  # refused as a bad address (400): PostgreSQL cannot hold it in text
#: a payload that slept would be seen here; a normal list answers far faster
SLEEP_GUARD = 15


@pytest.fixture
def world(app, api, make, signed_in):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    for email, name in (
        ("badr@ofppt.example", "Badr"),
        ("amine@ofppt.example", "Amine"),
        ("chaimae@ofppt.example", "Chaimae"),
    ):
        make.user("trainee", centre="SALE", email=email, name=name)
    make.user("trainee", centre="KEN", email="other@ofppt.example", name="Autre centre")
    added = api.post(
        f"/api/v1/cohorts/{cohort_id}/members",
        token=people.sale_token,
        json={"emails": ["badr@ofppt.example", "amine@ofppt.example", "chaimae@ofppt.example"]},
    )
    assert added.status_code == 200
    with app.app_context():
        hashes = [h for h in db.session.scalars(sa.select(User.password_hash)) if h]
        tables = set(sa.inspect(db.session.connection()).get_table_names())
    assert hashes and all(h.startswith("$argon2") for h in hashes)
    people.cohort = cohort_id
    people.hashes = hashes
    people.tables = tables
    people.trainer = signed_in(people.sale.email)
    people.admin_browser = signed_in(people.admin.email)
    return people


def fetch(client, url, token=None):
    started = time.monotonic()
    if token:
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    else:
        response = client.get(url)
    body = response.get_data(as_text=True)
    return response, body, time.monotonic() - started


def assert_sound(world, response, body, took, url, payload=None):
    assert response.status_code < 500, (url, response.status_code)
    if payload is not None and NUL in payload:
        assert response.status_code == 400, url
    assert took < SLEEP_GUARD, (url, took)
    for secret in world.hashes:
        assert secret not in body, url
    assert "$argon2" not in body, url
    if url.startswith("/api/") and response.status_code >= 400:
        assert response.mimetype == "application/problem+json", url


def assert_tables_intact(app, world):
    with app.app_context():
        assert set(sa.inspect(db.session.connection()).get_table_names()) >= world.tables
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 10


def with_param(base: str, name: str, value: str) -> str:
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}{name}={quote(value, safe='')}"


def grid_names(html: str) -> list[str]:
    grid = html.split('id="grid-title"')[1]
    return re.findall(r'scope="row"><a [^>]+><bdi>([^<]+)</bdi>', grid)


# -- pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PARAMETERS)
def test_the_cohort_dashboard(app, world, name):
    base = f"/cohorts/{world.cohort}"
    _response, html, _took = fetch(world.trainer, base)
    default = grid_names(html)
    assert default == ["Amine", "Badr", "Chaimae"]
    for payload in PAYLOADS:
        url = with_param(base, name, payload)
        response, html, took = fetch(world.trainer, url)
        assert_sound(world, response, html, took, url, payload)
        if NUL in payload:
            continue  # a bad address, said so above
        assert response.status_code == 200, url
        names = grid_names(html) if 'id="grid-title"' in html else []
        if name == "q":  # matched as text in names and e-mails: never a trainee of elsewhere
            assert set(names) <= set(default), url
        else:
            assert names == default, url
    assert_tables_intact(app, world)


@pytest.mark.parametrize("name", PARAMETERS)
def test_the_catalogue(app, world, name):
    base = "/courses"
    _response, html, _took = fetch(world.trainer, base)
    default = re.findall(r'href="/courses/([a-z0-9-]+)"', html)
    assert "brakes" in default
    for payload in PAYLOADS:
        url = with_param(base, name, payload)
        response, html, took = fetch(world.trainer, url)
        assert_sound(world, response, html, took, url, payload)
        if NUL in payload:
            continue  # a bad address, said so above
        found = re.findall(r'href="/courses/([a-z0-9-]+)"', html)
        assert set(found) <= set(default), url
        if name != "q":
            assert found == default, url
    assert_tables_intact(app, world)


@pytest.mark.parametrize("name", [*PARAMETERS, "role"])
def test_the_admins_account_list(app, world, name):
    base = "/admin/users"
    _response, html, _took = fetch(world.admin_browser, base)
    default = re.findall(r'href="/admin/users/(\d+)"', html)
    assert len(set(default)) == 10
    for payload in PAYLOADS:
        url = with_param(base, name, payload)
        response, html, took = fetch(world.admin_browser, url)
        assert_sound(world, response, html, took, url, payload)
        if NUL in payload:
            continue  # a bad address, said so above
        found = re.findall(r'href="/admin/users/(\d+)"', html)
        if name in ("q", "role"):
            assert set(found) <= set(default), url
            if name == "q" and payload == "%' OR '1'='1":
                assert found == [], url  # the quote is text: nobody is called that
        else:
            assert found == default, url
    assert_tables_intact(app, world)


def test_other_pages_with_parameters(app, world, client):
    for payload in PAYLOADS:
        for reader, url in (
            (world.trainer, with_param("/cohorts", "archived", payload)),
            (world.trainer, with_param(f"/cohorts/{world.cohort}", "show", payload)),
            (world.admin_browser, with_param("/studio/", "q", payload)),
            (client, with_param("/verify", "code", payload)),
            (client, "/verify/" + quote(payload, safe="")),
        ):
            if url.endswith("/verify/"):
                continue
            response, body, took = fetch(reader, url)
            assert_sound(world, response, body, took, url, payload)
    assert_tables_intact(app, world)


# -- the API ----------------------------------------------------------------------------------


def api_items(response) -> list:
    body = response.get_json()
    items = body["items"] if isinstance(body, dict) else body
    return [item.get("id") or item.get("slug") or item.get("code") for item in items]


@pytest.mark.parametrize(
    "who, path",
    [
        ("admin", "/api/v1/users"),
        ("sale", "/api/v1/users"),
        ("admin", "/api/v1/courses"),
        ("expert", "/api/v1/courses"),
        ("trainee", "/api/v1/courses"),
        ("admin", "/api/v1/centres"),
        ("trainee", "/api/v1/networks"),
        ("sale", "/api/v1/cohorts"),
        ("trainee", "/api/v1/tokens"),
    ],
)
def test_api_lists(app, api, world, who, path):
    token = getattr(world, f"{who}_token")
    default = api.get(path, token=token)
    assert default.status_code == 200
    expected = api_items(default)
    assert expected
    for name in PARAMETERS:
        for payload in PAYLOADS:
            url = with_param(path, name, payload)
            response, body, took = fetch(api.client, url, token)
            assert_sound(world, response, body, took, url, payload)
            if response.status_code == 200:
                found = api_items(response)
                assert set(found) <= set(expected), url
                if name not in ("q", "page", "per_page"):
                    assert found == expected, url  # an unknown parameter changes nothing
                assert "password_hash" not in body
            else:
                assert response.status_code in (400, 422), url
    assert_tables_intact(app, world)


def test_a_trainer_searching_with_sql_still_sees_only_their_trainees(api, world):
    """The scope is part of the query, not of the search: no payload widens it."""
    for payload in ("%' OR '1'='1", "' OR 1=1--", "%", "_", "') OR ('1'='1"):
        response = api.get(with_param("/api/v1/users", "q", payload), token=world.sale_token)
        assert response.status_code == 200
        emails = {u["email"] for u in response.get_json()["items"]}
        assert "other@ofppt.example" not in emails
        assert not emails & {world.admin.email, world.kenitra.email, world.expert.email}


def test_quiz_statistics_cohort_parameter(app, api, world):
    for payload in PAYLOADS:
        url = with_param("/api/v1/courses/brakes/quiz-stats", "cohort", payload)
        response, body, took = fetch(api.client, url, world.sale_token)
        assert_sound(world, response, body, took, url, payload)
        assert response.status_code in (200, 400, 404, 422), url
    assert_tables_intact(app, world)


@pytest.mark.parametrize(
    "url",
    [
        "/courses?domain=%00",
        "/courses?network=a%00",
        "/courses?level=%00",
        "/courses?language=fr%00",
        "/courses/brakes%00",
        "/api/v1/courses/brakes%00",
        "/api/v1/courses?network=%00",
        "/api/v1/users?role=%00",
        "/api/v1/users?q%00=x",
        "/admin/users?role=%00",
        "/verify/AB%00",
    ],
)
def test_a_nul_anywhere_in_the_address_is_a_400_not_a_500(app, world, url):
    """PostgreSQL refuses NUL bytes in text; SQLite takes them: both must answer 400."""
    reader = world.admin_browser
    response = reader.get(url, headers={"Authorization": f"Bearer {world.admin_token}"})
    assert response.status_code == 400, url
    if url.startswith("/api/"):
        assert response.mimetype == "application/problem+json"
    assert_tables_intact(app, world)
