"""Property-based fuzzing of every operation in ``/api/v1/openapi.json`` with schemathesis,
in-process on the WSGI app: whatever a client sends, the answer is never a 5xx.

Each operation gets schema-valid cases (positive) and schema-breaking ones (negative),
first on real objects (a published course with a quiz, a cohort with a member, an open
attempt, an upload ticket: their ids fill the path parameters), then with generated path
parameters. It runs as an admin and as an enrolled trainee, each with a bearer token.
``not_a_server_error`` judges every response; an exception escaping the app (what would be
a 500 in production, ``TESTING`` propagates it) counts as one too. Hypothesis is
derandomised (a fixed seed from the test), with no example database, so CI sees the same
cases on every run; ``EXAMPLES`` keeps the module well under two minutes on SQLite.

Not a duplicate: ``tests/test_api.py`` checks documented endpoints and error shapes by
hand; nothing else fuzzes.
"""

from __future__ import annotations

import traceback

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from tests.cohortkit import create_cohort
from tests.factories import imported, package
from tests.quizkit import QUIZ, SLUG, enrolled_trainee, publish

pytestmark = pytest.mark.adversarial

EXAMPLES = 6  # per operation, mode and kind of path parameters


@pytest.fixture
def app_config(tmp_path):
    return {"STORAGE": "local", "MEDIA_DIR": str(tmp_path / "media")}


@pytest.fixture
def world(app, api, make):
    make.centre()
    publish(api, make, max_attempts=0)
    admin = make.user("admin")
    admin_token = make.token(admin.email)
    assert imported(api, admin_token, package())  # a draft as well
    trainee_token = enrolled_trainee(api, make)
    attempt = api.post(QUIZ, token=trainee_token)
    assert attempt.status_code == 201, attempt.get_json()
    cohort = create_cohort(api, admin_token, courses=(SLUG,))
    trainee_email = api.get("/api/v1/me", token=trainee_token).get_json()["email"]
    added = api.post(
        f"/api/v1/cohorts/{cohort}/members", token=admin_token, json={"emails": [trainee_email]}
    )
    assert added.status_code == 200
    ticket = api.post(
        f"/api/v1/courses/{SLUG}/media/uploads",
        token=admin_token,
        json={"filename": "a.png", "content_type": "image/png", "size": 68},
    )
    assert ticket.status_code == 201
    spare = api.post(
        "/api/v1/tokens",
        json={"email": admin.email, "password": admin.password, "name": "spare"},
    )
    assert spare.status_code == 201
    other = make.user("trainee")
    return {
        "admin": admin_token,
        "trainee": trainee_token,
        "make": make,
        "paths": {
            "slug": SLUG,
            "module": "checks",
            "lesson": "pads",
            "upload_id": ticket.get_json()["id"],
            "attempt_id": attempt.get_json()["id"],
            "cohort_id": cohort,
            "user_id": other.id,  # never the fuzzing account: it may be deactivated
            "code": "SALE",
            "token_id": spare.get_json()["id"],  # never the token in use
            "kind": "csv",
        },
    }


def _alive(api, token: str) -> bool:
    return api.get("/api/v1/me", token=token).status_code == 200


@pytest.mark.parametrize("role", ["admin", "trainee"])
def test_no_operation_answers_5xx(app, api, world, role):
    spec = api.get("/api/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(spec)
    token = world[role]
    failures: list[str] = []
    seen = 0

    for result in schema.get_all_operations():
        operation = result.ok()
        fixed = {k: v for k, v in world["paths"].items() if "{" + k + "}" in operation.path}
        variants = [(GenerationMode.POSITIVE, fixed), (GenerationMode.NEGATIVE, fixed)]
        if fixed:
            variants.append((GenerationMode.POSITIVE, None))
        for mode, path_parameters in variants:
            if not _alive(api, token):  # the fuzz revoked or demoted its own account
                token = _fresh(world, role)
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
            failures += fuzz(app, strategy, token, f"{operation.label} [{mode.value}]")
            seen += 1
    assert seen >= 40
    assert failures == [], "\n\n".join(failures[:10])


def fuzz(app, strategy, token: str, label: str) -> list[str]:
    """Run the strategy's cases against the app; return what went wrong, reproducible."""
    headers = {"Authorization": f"Bearer {token}"}
    found: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        # negative cases may mangle the Authorization header; the point here is the input
        case.headers = {**(case.headers or {}), **headers}
        try:
            response = case.call(app=app, headers=headers)
            case.validate_response(response, checks=[not_a_server_error], headers=headers)
        except Exception as exc:  # noqa: BLE001 - collected, reported all at once
            found.append(
                f"{label}: {exc!r}\n"
                + "".join(traceback.format_exception(exc)[-4:])
                + f"\n{case.as_curl_command(headers=headers)}"
            )

    run()
    return found


def _fresh(world, role: str) -> str:
    make = world["make"]
    if role == "admin":
        return make.token(make.user("admin").email)
    return make.token(make.user("trainee").email)
