"""``/api/v1/openapi.json`` describes every answer: each operation documents its success
body (or says it has none, or that it is a file), errors are problem+json, every reference
resolves, and what the API really sends matches what the document says.

A client generated from the document, or a centre's script written from the reference
page, relies on exactly this."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

from tests.cohortkit import create_cohort, staff
from tests.factories import package, upload
from tests.harness import PASSWORD
from tests.quizkit import LESSONS, QUIZ, RIGHT, SLUG, answers_for

V1 = "/api/v1"
METHODS = ("get", "post", "put", "patch", "delete")
PROBLEM = "application/problem+json"
FILES = {"application/zip", "text/csv", "text/plain", "application/octet-stream"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def spec(api):
    response = api.get(f"{V1}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def resolve(spec: dict, node: dict) -> dict:
    """Follow ``$ref`` (``#/components/...``) until a real object; KeyError if it dangles."""
    while "$ref" in node:
        target = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def _has_body(content: dict) -> bool:
    for kind, media in content.items():
        schema = media.get("schema")
        if not schema:
            return False
        if kind == "application/json":
            if "$ref" not in schema and schema.get("type") not in ("object", "array"):
                return False
        elif kind not in FILES and kind != XLSX:
            return False
        elif schema.get("format") != "binary":
            return False
    return bool(content)


def test_every_operation_documents_its_success_body(spec):
    """A JSON schema, a file's content type, or an explicit 204 without a body."""
    undocumented = []
    for method, path, op in operations(spec):
        successes = {
            status: resolve(spec, response)
            for status, response in op["responses"].items()
            if status.startswith("2")
        }
        fine = successes and all(
            (status == "204" and not response.get("content"))
            or _has_body(response.get("content", {}))
            for status, response in successes.items()
        )
        if not fine:
            undocumented.append(f"{method.upper()} {path}")
    assert undocumented == []
    assert len(list(operations(spec))) >= 42


def test_files_and_empty_answers_say_so(spec):
    paths = spec["paths"]
    export = paths[f"{V1}/courses/{{slug}}/export"]["get"]["responses"]["200"]["content"]
    assert export["application/zip"]["schema"]["format"] == "binary"
    sheet = paths[f"{V1}/cohorts/{{cohort_id}}/progress.{{kind}}"]["get"]["responses"]["200"]
    assert {"text/csv", XLSX} <= set(sheet["content"])
    revoke = paths[f"{V1}/tokens/{{token_id}}"]["delete"]["responses"]["204"]
    assert "content" not in revoke


def test_every_reference_resolves(spec):
    found = set(refs(spec))
    assert "#/components/schemas/CourseDetail" in found
    for ref in found:
        resolve(spec, {"$ref": ref})  # KeyError names the one that dangles


def test_errors_are_documented_as_problem_json(spec):
    wrong = []
    for method, path, op in operations(spec):
        for status, response in op["responses"].items():
            if status.startswith("2"):
                continue
            content = resolve(spec, response).get("content", {})
            schema = content.get(PROBLEM, {}).get("schema", {})
            if set(content) != {PROBLEM} or schema.get("$ref") != "#/components/schemas/Problem":
                wrong.append(f"{method.upper()} {path} {status}")
    assert wrong == []
    stats = spec["paths"][f"{V1}/courses/{{slug}}/quiz-stats"]["get"]["responses"]
    assert {"401", "403", "404"} <= set(stats)


# -- what the API really sends ------------------------------------------------------------


def json_schema(node):
    """OpenAPI 3.0's dialect as JSON Schema: ``nullable`` becomes "or null", and an object
    with declared properties may carry no other (the body has no undocumented field)."""
    if isinstance(node, list):
        return [json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    if "anyOf" in node:  # apispec's nested schema or null: [{"nullable": true, ...}, {"$ref"}]
        kept = [json_schema(n) for n in node["anyOf"] if not n.get("nullable")]
        if len(kept) < len(node["anyOf"]):
            kept.append({"type": "null"})
        return {**{k: json_schema(v) for k, v in node.items() if k != "anyOf"}, "anyOf": kept}
    out = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    if out.get("type") == "object" and "properties" in out:
        out.setdefault("additionalProperties", False)
    if node.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


class Checker:
    """Validates each answer against the operation the document gives for its path."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.root = {"components": json_schema(spec["components"])}
        self.routes = []
        for method, path, op in operations(spec):
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
            literal = len(re.sub(r"\{[^}]+\}", "", path))
            self.routes.append((-literal, method, re.compile(pattern + "$"), path, op))
        self.routes.sort(key=lambda r: r[0])  # /courses/import before /courses/{slug}
        self.seen: set[str] = set()

    def operation(self, method: str, url: str):
        path = url.split("?", 1)[0]
        for _key, verb, pattern, template, op in self.routes:
            if verb == method.lower() and pattern.match(path):
                return template, op
        raise AssertionError(f"{method} {path} is not in the document")

    def __call__(self, method: str, url: str, response):
        template, op = self.operation(method, url)
        status = str(response.status_code)
        documented = op["responses"].get(status)
        assert documented is not None, (method, template, status, response.get_data()[:300])
        content = resolve(self.spec, documented).get("content", {})
        if status == "204":
            assert content == {} and response.get_data() == b""
            return None
        assert response.mimetype in content, (template, response.mimetype, list(content))
        self.seen.add(f"{method.upper()} {template}")
        if response.mimetype not in ("application/json", PROBLEM):
            return response.get_data()
        body = response.get_json()
        schema = {**self.root, **json_schema(content[response.mimetype]["schema"])}
        errors = sorted(
            Draft202012Validator(schema).iter_errors(body), key=lambda e: list(e.absolute_path)
        )
        assert not errors, f"{method.upper()} {template} {status}: " + "; ".join(
            f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
        )
        return body


@pytest.fixture
def check(spec):
    return Checker(spec)


def test_the_checker_refuses_a_body_that_breaks_its_schema(check):
    """The journey below proves something only if a wrong body fails."""

    class Fake:
        status_code = 200
        mimetype = "application/json"

        def __init__(self, body):
            self.body = body

        def get_json(self):
            return self.body

    good = {"course_progress_percent": 50}
    assert check("POST", f"{V1}/courses/x/modules/m/lessons/l/complete", Fake(good)) == good
    for bad in ({"course_progress_percent": "50"}, {"course_progress_percent": 5, "extra": 1}):
        with pytest.raises(AssertionError):
            check("POST", f"{V1}/courses/x/modules/m/lessons/l/complete", Fake(bad))
    lesson = f"{V1}/courses/x/modules/m/lessons/l"
    assert check("GET", lesson, Fake({"next": None, "previous": {"module": "m", "lesson": "k"}}))
    with pytest.raises(AssertionError):  # a nested schema or null is still that schema
        check("GET", lesson, Fake({"next": {"module": "m", "lesson": "l", "url": "/x"}}))


def test_a_course_cohort_and_quiz_journey_answers_what_the_document_says(api, make, check):
    """An expert imports, a trainee reads and takes the quiz, a trainer follows the cohort:
    every answer on the way, success or problem, matches its documented schema."""
    people = staff(api, make)  # publishes the brakes course (quizkit)
    admin, expert, trainer = people.admin_token, people.expert_token, people.sale_token
    trainee = people.trainee_token

    def call(method, url, token, **kw):
        return check(method, url, api.call(method, url, token=token, **kw))

    # an expert's package: dry run, import, outline, translations, edit, review
    url = f"{V1}/courses/import"
    dry = check("POST", url, upload(api, expert, package(extra_ar=False), "?dry_run=true"))
    assert dry["valid"] is True and dry["warnings"]
    accepted = check("POST", url, upload(api, expert, package()))
    job = call("GET", f"{V1}/jobs/{accepted['job']['id']}", expert)
    assert job["status"] == "done" and job["progress"] == 100
    assert job["result"]["slug"] == "engine-basics" and job["result"]["status"] == "draft"
    call("GET", f"{V1}/jobs/{accepted['job']['id']}", trainee)  # someone else's: 404 problem
    check("POST", url, upload(api, expert, b"not a zip"))  # a problem, documented
    course = f"{V1}/courses/engine-basics"
    draft = call("GET", course, expert)
    assert draft["revision"] and draft["modules"][0]["quiz"]["question_count"] == 1
    assert call("GET", f"{course}/translations", expert)["lessons"]
    lesson = f"{course}/modules/basics/lessons/cycle"
    edited = call("PUT", lesson, expert, json={"lang": "fr", "title": "Cycle", "markdown": "# A"})
    assert edited["lang"] == "fr"
    assert call("POST", f"{course}/submit", expert)["status"] == "in_review"
    call("POST", f"{course}/publish", expert)  # 403 problem
    assert call("POST", f"{course}/return", admin, json={"comment": "Plus court."})["status"]
    assert check("GET", f"{course}/export", api.get(f"{course}/export", token=expert))
    call("GET", f"{V1}/courses?q=moteur", expert)
    call("GET", f"{V1}/courses/nothing", expert)  # 404 problem

    # a trainee reads, completes and takes the quiz
    catalogue = call("GET", f"{V1}/courses", trainee)
    assert [c["slug"] for c in catalogue["items"]] == [SLUG]
    assert call("GET", f"{V1}/courses/{SLUG}", trainee)["modules"]
    call("GET", f"{LESSONS[0]}?lang=ar", trainee)  # 403 problem: not enrolled yet
    enrolment = call("POST", f"{V1}/courses/{SLUG}/enrolment", trainee)
    assert enrolment["course"] == SLUG and enrolment["enrolled_at"].endswith("Z")
    assert call("POST", f"{V1}/courses/{SLUG}/enrolment", trainee)["course"] == SLUG  # 200
    read = call("GET", f"{LESSONS[0]}?lang=ar", trainee)
    assert read["lang"] == "ar" and read["dir"] == "rtl" and read["next"]
    for url in LESSONS:
        assert call("POST", f"{url}/complete", trainee)["course_progress_percent"] > 0
    attempt = call("POST", QUIZ, trainee)
    assert attempt["questions"] and call("POST", QUIZ, trainee)["id"] == attempt["id"]
    answers = answers_for(attempt, RIGHT)
    saved = call("PUT", f"{V1}/attempts/{attempt['id']}/answers", trainee, json={"answers": {}})
    assert saved["id"] == attempt["id"]
    submit = f"{V1}/attempts/{attempt['id']}/submit"
    result = call("POST", submit, trainee, json={"answers": answers})
    assert result["passed"] is True and result["questions"][0]["feedback_html"] is not None
    call("POST", submit, trainee, json={"answers": answers})  # 409 problem
    graded = call("GET", f"{V1}/attempts/{attempt['id']}", trainee)
    assert graded["status"] == "submitted" and "correct" in graded["questions"][0]
    mine = call("GET", f"{V1}/me/courses", trainee)
    assert mine[0]["completed"] is True and mine[0]["certificate"]
    call("GET", f"{V1}/me", trainee)

    # a trainer follows a cohort
    cohort = create_cohort(api, trainer)
    members = f"{V1}/cohorts/{cohort}/members"
    trainee_email = people.trainee.email
    added = call("POST", members, trainer, json={"emails": [trainee_email, "not-an-email"]})
    assert added["added"] == [trainee_email] and added["errors"][0]["row"] == 2
    assert call("GET", f"{V1}/cohorts/{cohort}", trainer)["members"] == 1
    assert call("GET", f"{V1}/cohorts", trainer)["total"] == 1
    grid = call("GET", f"{V1}/cohorts/{cohort}/progress", trainer)
    row = grid["courses"][0]["trainees"][0]
    assert row["user_id"] == people.trainee.id and row["completed"] is True
    sheet = api.get(f"{V1}/cohorts/{cohort}/progress.csv", token=trainer)
    assert check("GET", f"{V1}/cohorts/{cohort}/progress.csv", sheet).startswith(b"\xef\xbb\xbf")
    stats = call("GET", f"{V1}/courses/{SLUG}/quiz-stats?cohort={cohort}", trainer)
    assert stats["cohort"] == cohort and stats["quizzes"][0]["questions"][0]["attempts"] == 1
    call("GET", f"{V1}/courses/{SLUG}/quiz-stats", trainer)  # 422 problem: name a cohort
    assert call("GET", f"{V1}/courses/{SLUG}/quiz-stats", admin)["cohort"] is None

    # reference lists and accounts
    call("GET", f"{V1}/networks", trainee)
    call("GET", f"{V1}/centres", trainee)
    call("GET", f"{V1}/users?role=trainee", admin)
    call("GET", f"{V1}/users/{people.trainee.id}", admin)
    call("PATCH", f"{V1}/users/{people.trainee.id}", admin, json={"locale": "ar"})
    made = call(
        "POST",
        f"{V1}/users",
        trainer,
        json={"email": "n@ofppt.example", "name": "N", "roles": ["trainee"], "centre": "SALE"},
    )
    assert made["centre"] == "SALE" and made["created_at"].endswith("Z")
    call("POST", f"{V1}/centres", admin, json={"code": "TNG", "name": "Tanger", "city": "Tanger"})
    call("PATCH", f"{V1}/centres/TNG", admin, json={"city": "Tanger-Med"})
    call("PATCH", f"{V1}/me", trainee, json={"name": "Nouveau nom"})
    change = {"email": "ailleurs@ofppt.example", "password": PASSWORD}
    assert call("POST", f"{V1}/me/email", trainee, json=change) == {"pending": change["email"]}
    call("POST", f"{V1}/me/email", trainee, json={**change, "password": "x"})  # 422 problem
    created = check(
        "POST",
        f"{V1}/tokens",
        api.post(f"{V1}/tokens", json={"email": people.admin.email, "password": PASSWORD}),
    )
    check("POST", f"{V1}/tokens", api.post(f"{V1}/tokens", json={"email": "x", "password": "y"}))
    assert call("GET", f"{V1}/tokens", admin)[0]["prefix"]
    call("DELETE", f"{V1}/tokens/{created['id']}", admin)  # 204, no body

    assert len(check.seen) >= 35, sorted(check.seen)


def test_media_uploads_answer_what_the_document_says(api, make, check, tmp_path):
    people = staff(api, make)
    admin = people.admin_token
    uploads = f"{V1}/courses/{SLUG}/media/uploads"
    ticket = check(
        "POST",
        uploads,
        api.post(
            uploads,
            token=admin,
            json={"filename": "a.png", "content_type": "image/png", "size": 68},
        ),
    )
    assert ticket["path"] and ticket["multipart"] is None
    parts = f"{uploads}/{ticket['id']}/parts"
    check("GET", parts, api.get(parts, token=admin))
    check("POST", parts, api.post(parts, token=admin, json={"numbers": [1]}))  # 409 problem
    done = f"{uploads}/{ticket['id']}/complete"
    check("POST", done, api.post(done, token=admin))  # 422 problem: nothing arrived


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_reference_page_shows_what_each_operation_answers(client, lang):
    html = client.get(f"{V1}/docs?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}"' in html
    assert "Bearer &lt;token&gt;" in html  # shown, not swallowed as a tag
    lesson = html.split("/api/v1/courses/{slug}/modules/{module}/lessons/{lesson}</code>")[1]
    assert '<a href="#schema-LessonOut">LessonOut</a>' in lesson.split("</section>")[0]
    assert '<code class="content-type">application/zip</code>' in html  # the export
    assert '<a href="#schema-Problem" dir="ltr"><code>application/problem+json' in html
    schema = html.split('id="schema-LessonOut"')[1].split("</section>")[0]
    assert "<code>requested_lang</code>: <code>string</code>" in schema
    assert '<a href="#schema-LessonRef">LessonRef</a> | null' in schema  # previous, next
    grid = html.split('id="schema-CourseGrid"')[1].split("</section>")[0]
    assert '<code>[<a href="#schema-TraineeProgress">TraineeProgress</a>]</code>' in grid
