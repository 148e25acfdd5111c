"""Oversized and pathological input on every API operation: a 4xx problem+json that says what
to fix, never a 500, a recursion error or a request that never ends.

The OpenAPI document drives the sweeps, so an operation added later is covered too.
Already covered in ``tests/test_api.py``, not repeated: 413 on ``/tokens`` and ``/me``
(``test_a_body_over_max_content_length_is_a_413_problem``), 100,000-deep JSON on those two
(``test_deeply_nested_json_is_refused_not_a_500``), ``per_page=500|0``, ``page=0|abc`` on
``/users`` (``test_bad_paging_or_filter_is_422``); in ``tests/test_security.py`` a 33 MB
body to ``/login`` (``test_oversized_body_is_refused_with_413``).

- T33 (any route) / T30 ``test_every_json_operation_answers_413_over_the_limit``,
  ``test_a_package_over_the_limit_is_a_413``, ``test_a_60_mb_cohort_csv_is_a_413``.
- Deep nesting: ``test_every_json_operation_refuses_json_nested_100000_deep``.
- Huge strings: ``test_every_string_field_has_a_limit_and_says_so_when_exceeded`` (from the
  schema: maxLength + 1 and 1 MB on every string field), ``test_huge_values_in_free_fields``
  (quiz answers, the Raw e-mail list).
- Many members at once: ``test_more_members_than_the_cap_are_refused_without_adding_anyone``
  (5,001 in JSON and CSV, and a 200,000-row CSV),
  ``test_an_email_built_to_backtrack_is_answered_at_once`` (a 200 KB address).
- Paging: ``test_huge_page_and_per_page_values_are_a_422_naming_the_field`` on every
  paginated list, ``test_the_last_allowed_page_is_an_empty_page``.
- Ids past what an INTEGER column holds (found by ``test_api_fuzz.py``: a 500 on both
  databases): ``test_ids_no_row_can_have_are_not_found``.
"""

from __future__ import annotations

import threading

import pytest

from tests.cohortkit import create_cohort
from tests.factories import imported, package, upload

pytestmark = pytest.mark.adversarial

V1 = "/api/v1"
SLUG = "engine-basics"
SMALL_LIMIT = 64 * 1024


def assert_problem(response, *statuses) -> dict:
    assert response.status_code in statuses, (
        response.status_code,
        response.get_data(as_text=True)[:1000],
    )
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == response.status_code
    assert body["title"] and body["detail"]
    return body


@pytest.fixture
def world(app, api, make):
    """An admin, a published course, a cohort on it, an upload ticket: real ids for every
    path parameter, so each operation reaches its body."""
    make.centre()
    admin = make.user("admin")
    token = make.token(admin.email)
    assert imported(api, token, package(), "?publish=true")
    cohort = create_cohort(api, token, courses=(SLUG,))
    ticket = api.post(
        f"{V1}/courses/{SLUG}/media/uploads",
        token=token,
        json={"filename": "a.png", "content_type": "image/png", "size": 100},
    )
    assert ticket.status_code == 201
    spec = api.get(f"{V1}/openapi.json").get_json()
    values = {
        "slug": SLUG,
        "module": "basics",
        "lesson": "cycle",
        "upload_id": ticket.get_json()["id"],
        "attempt_id": "1",
        "cohort_id": str(cohort),
        "user_id": str(admin.id),
        "code": "SALE",
        "token_id": "1",
        "kind": "csv",
    }
    return type("World", (), {"token": token, "spec": spec, "values": values, "cohort": cohort})


def json_operations(spec: dict) -> list[tuple[str, str, dict | None]]:
    """(method, path template, JSON body schema) of every operation that takes a body."""
    out = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            content = op.get("requestBody", {}).get("content", {}) if isinstance(op, dict) else {}
            if "application/json" in content:
                schema = content["application/json"].get("schema", {})
                if "$ref" in schema:
                    schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
                out.append((method.upper(), path, schema))
    assert len(out) >= 15, out  # the sweep really sees the API
    return out


def url_of(path: str, values: dict) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, path
    return path


def members(app, cohort_id: int) -> int:
    from elearn.cohorts import services as cohorts
    from elearn.cohorts.models import Cohort
    from elearn.extensions import db

    with app.app_context():
        return len(cohorts.member_ids(db.session, db.session.get(Cohort, cohort_id)))


# -- bodies over MAX_CONTENT_LENGTH ---------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": SMALL_LIMIT}])
def test_every_json_operation_answers_413_over_the_limit(api, world):
    big = b'{"name": "' + b"x" * SMALL_LIMIT + b'"}'
    wrong = {}
    for method, path, _schema in json_operations(world.spec):
        response = api.call(
            method,
            url_of(path, world.values),
            token=world.token,
            data=big,
            content_type="application/json",
        )
        if response.status_code != 413 or response.mimetype != "application/problem+json":
            wrong[f"{method} {path}"] = response.status_code
        else:
            assert response.get_json()["detail"]
    assert wrong == {}
    csv = b"email\n" + b"a@example.org\n" * (SMALL_LIMIT // 10)
    response = api.call(
        "POST",
        f"{V1}/cohorts/{world.cohort}/members",
        token=world.token,
        data=csv,
        content_type="text/csv",
    )
    assert_problem(response, 413)


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": SMALL_LIMIT}])
def test_a_package_over_the_limit_is_a_413(app, api, make):
    token = make.token(make.user("admin").email)
    data = package() + b"\x00" * SMALL_LIMIT  # the zip, then bytes beyond the limit
    assert_problem(upload(api, token, data), 413)
    assert api.get(f"{V1}/courses/{SLUG}", token=token).status_code == 404


def test_a_60_mb_cohort_csv_is_a_413(app, api, world):
    """T30 with the real limit (ELEARN_MAX_REQUEST_MB, 32 by default)."""
    assert app.config["MAX_CONTENT_LENGTH"] < 60 * 1024 * 1024
    row = b"trainee@example.org;Nom Pr\xc3\xa9nom;fr\n"
    body = b"email;nom;langue\n" + row * (60 * 1024 * 1024 // len(row))
    response = api.call(
        "POST",
        f"{V1}/cohorts/{world.cohort}/members",
        token=world.token,
        data=body,
        content_type="text/csv",
    )
    assert_problem(response, 413)
    assert members(app, world.cohort) == 0


# -- JSON nested 100,000 deep --------------------------------------------------------------


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_every_json_operation_refuses_json_nested_100000_deep(api, world, opener):
    wrong = {}
    for method, path, _schema in json_operations(world.spec):
        try:
            response = api.call(
                method,
                url_of(path, world.values),
                token=world.token,
                data=opener * 100_000,
                content_type="application/json",
            )
        except RecursionError as exc:  # TESTING propagates what would be a 500
            wrong[f"{method} {path}"] = repr(exc)[:80]
            continue
        if response.status_code not in (400, 422) or not response.get_json().get("detail"):
            wrong[f"{method} {path}"] = response.status_code
    assert wrong == {}


# -- huge strings --------------------------------------------------------------------------


def string_fields(schema: dict) -> list[tuple[str, dict, int | None]]:
    """(error path, body, maxLength) for each string the schema accepts, at its maxLength+1
    (or 1 MB where the schema sets none)."""
    out = []
    for name, prop in schema.get("properties", {}).items():
        if prop.get("readOnly"):
            continue
        if prop.get("type") == "string" and "enum" not in prop and "format" not in prop:
            limit = prop.get("maxLength")
            out.append((name, {name: "x" * ((limit or 1024 * 1024) + 1)}, limit))
        elif prop.get("type") == "array" and prop.get("items", {}).get("type") == "string":
            limit = prop["items"].get("maxLength")
            if "enum" not in prop["items"]:
                out.append((f"{name}.0", {name: ["x" * ((limit or 1024 * 1024) + 1)]}, limit))
        elif prop.get("type") == "object" and isinstance(prop.get("additionalProperties"), dict):
            inner = prop["additionalProperties"]
            if inner.get("type") == "string":
                limit = inner.get("maxLength")
                out.append(
                    (f"{name}.fr", {name: {"fr": "x" * ((limit or 1024 * 1024) + 1)}}, limit)
                )
    return out


def test_every_string_field_has_a_limit_and_says_so_when_exceeded(api, world):
    unlimited, wrong, checked = [], {}, 0
    for method, path, schema in json_operations(world.spec):
        for field, body, limit in string_fields(schema or {}):
            where = f"{method} {path} {field}"
            if limit is None:
                unlimited.append(where)
                continue
            for size in (limit + 1, 1024 * 1024):
                key = field.split(".")[0]
                value = body[key]
                grown = (
                    "x" * size
                    if isinstance(value, str)
                    else ["x" * size]
                    if isinstance(value, list)
                    else {"fr": "x" * size}
                )
                response = api.call(
                    method, url_of(path, world.values), token=world.token, json={key: grown}
                )
                checked += 1
                paths = [e["path"] for e in (response.get_json() or {}).get("errors", [])]
                if response.status_code != 422 or not any(
                    p == field or p.startswith(key) for p in paths
                ):
                    wrong[f"{where} ({size})"] = (response.status_code, paths)
                elif len(response.get_data()) > 20_000:  # the answer does not echo the value
                    wrong[f"{where} ({size})"] = "echoed"
    assert unlimited == [], "string fields without maxLength in the OpenAPI document"
    assert wrong == {}
    assert checked >= 30


def test_huge_values_in_free_fields(app, api, world):
    # the e-mail list takes anything (a CSV cell could be anything too): each bad value is a
    # row error that quotes a short excerpt, never the whole value
    values = ["x" * 1024 * 1024, {"a": ["b"] * 1000}, 10**300, True]
    response = api.post(
        f"{V1}/cohorts/{world.cohort}/members", token=world.token, json={"emails": values}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert body["added"] == [] and [e["row"] for e in body["errors"]] == [1, 2, 3, 4]
    assert all(e["message"] and len(e["message"]) < 300 for e in body["errors"])
    assert len(response.get_data()) < 10_000
    nulls = {"emails": [None] * 1000}
    assert_problem(
        api.post(f"{V1}/cohorts/{world.cohort}/members", token=world.token, json=nulls), 422
    )
    assert members(app, world.cohort) == 0


# -- many members at once ------------------------------------------------------------------


def test_more_members_than_the_cap_are_refused_without_adding_anyone(app, api, world):
    emails = [f"t{n}@example.org" for n in range(5001)]
    body = assert_problem(
        api.post(
            f"{V1}/cohorts/{world.cohort}/members", token=world.token, json={"emails": emails}
        ),
        422,
    )
    assert "emails" in body["detail"] or body.get("errors")
    for rows in (5001, 200_000):
        csv = "email;nom\n" + "".join(f"t{n}@example.org;T {n}\n" for n in range(rows))
        body = assert_problem(
            api.call(
                "POST",
                f"{V1}/cohorts/{world.cohort}/members",
                token=world.token,
                data=csv.encode(),
                content_type="text/csv",
            ),
            422,
        )
        assert "5000" in body["detail"].replace("\u202f", "").replace(" ", "")
    assert members(app, world.cohort) == 0


def test_an_email_built_to_backtrack_is_answered_at_once(app, api, world):
    """``a@b.b.b.….b x``: a pattern checked before the length backtracks quadratically (this
    one would keep a worker busy for minutes). Refused as a row error, promptly."""
    evil = "a@" + "b." * 100_000 + " x"
    answers: list = []

    def call(kind: str):
        if kind == "json":
            payload = {"json": {"emails": [evil]}}
        else:
            payload = {"data": f"email\n{evil}\n".encode(), "content_type": "text/csv"}
        client = app.test_client()
        answers.append(
            client.post(
                f"{V1}/cohorts/{world.cohort}/members",
                headers={"Authorization": f"Bearer {world.token}"},
                **payload,
            )
        )

    for kind in ("json", "csv"):
        worker = threading.Thread(target=call, args=(kind,), daemon=True)
        worker.start()
        worker.join(timeout=20)  # hang detection, not a speed goal: fixed, it takes ms
        assert not worker.is_alive(), f"{kind}: still matching the address after 20 s"
    for response in answers:
        assert response.status_code in (200, 422), response.status_code
        assert len(response.get_data()) < 10_000
    assert members(app, world.cohort) == 0


# -- paging --------------------------------------------------------------------------------


def paginated(spec: dict) -> list[str]:
    out = []
    for path, ops in spec["paths"].items():
        names = {p["name"] for p in ops.get("get", {}).get("parameters", [])}
        if {"page", "per_page"} <= names and "{" not in path:
            out.append(path)
    assert len(out) >= 4, out
    return out


@pytest.mark.parametrize(
    "query, field",
    [
        ("per_page=" + "9" * 40, "per_page"),
        ("per_page=201", "per_page"),
        ("per_page=-1", "per_page"),
        ("per_page=1e3", "per_page"),
        ("page=" + "9" * 40, "page"),
        ("page=10000001", "page"),
        ("page=-5", "page"),
        ("page=1.5", "page"),
    ],
)
def test_huge_page_and_per_page_values_are_a_422_naming_the_field(api, world, query, field):
    for path in paginated(world.spec):
        body = assert_problem(api.get(f"{path}?{query}", token=world.token), 422)
        assert field in [e["path"] for e in body["errors"]], (path, body)
        assert field in body["detail"]


def test_the_last_allowed_page_is_an_empty_page(api, world):
    for path in paginated(world.spec):
        response = api.get(f"{path}?page=10000000&per_page=200", token=world.token)
        assert response.status_code == 200, (path, response.status_code)
        assert response.get_json()["items"] == []


# -- integers no database can hold ---------------------------------------------------------


@pytest.mark.parametrize("huge", [2**31, 10**30], ids=["past-32-bits", "past-64-bits"])
def test_ids_no_row_can_have_are_not_found(api, world, huge):
    """Ids are INTEGER: PostgreSQL refuses a number past 32 bits ("integer out of range") and
    SQLite one past 64 ("Python int too large to convert to SQLite INTEGER"). Such an id is
    simply not found, in the path and in the query."""
    huge = str(huge)
    wrong, checked = {}, 0
    for path, ops in world.spec["paths"].items():
        parameters = list(ops.get("parameters", []))
        for op in ops.values():
            parameters += op.get("parameters", []) if isinstance(op, dict) else []
        integers = {
            p["name"]
            for p in parameters
            if p["in"] == "path" and p.get("schema", {}).get("type") == "integer"
        }
        if not integers:
            continue
        checked += 1
        url = url_of(path, {**world.values, **dict.fromkeys(integers, huge)})
        for method in ops:
            if method == "parameters":
                continue
            try:
                response = api.call(method.upper(), url, token=world.token, json={})
            except Exception as exc:  # noqa: BLE001 - TESTING propagates what would be a 500
                wrong[f"{method.upper()} {path}"] = repr(exc)
                continue
            if response.status_code != 404 or response.mimetype != "application/problem+json":
                wrong[f"{method.upper()} {path}"] = response.status_code
    assert wrong == {}
    assert checked >= 8
    stats = api.get(f"{V1}/courses/{SLUG}/quiz-stats?cohort={huge}", token=world.token)
    body = assert_problem(stats, 404, 422)
    if stats.status_code == 422:
        assert "cohort" in [e["path"] for e in body["errors"]]
