"""Publishing what was not reviewed (issue 13, item 3): an expert changes a course after
submitting it for review, and the administrator's Publish — an already-open page, a
script's call — publishes the unreviewed text.

Publication now publishes one revision (``authoring.services.revision``: a digest of the
whole working copy, media included): the one submitted for review and, when the reviewer
says which one they looked at (the Studio form's hidden field, the API's ``?revision=``),
that one. Anything else is a 409 that says why, and nothing reaches trainees.

Cases and where each is covered:

- R1 the issue's reproduction, in the browser's shoes: ``test_an_edit_after_submission_is_
  not_published_by_the_open_page`` (the open page's Publish is refused; the Studio says, in
  French and Arabic, that the course changed since it was submitted, and offers to submit
  it again; after a new submission the admin's stale page is still refused, a fresh one
  publishes the edited text).
- R2 every path that changes a working copy, after submission:
  ``test_no_change_slips_into_a_reviewed_version`` — lesson text (Studio and API), lesson
  facts (equipment, with the same text), add module, add lesson, rename, reorder, archive,
  restore, course settings, quiz editor, media upload completed, media deleted in the
  library, a package re-imported by its expert. Before the fix the Studio's edits set the
  course back to draft and ``publish`` accepted any status, so each of them was published;
  the upload completion and the library delete did not even change the status.
- R3 the API: ``test_the_api_publishes_only_the_submitted_revision`` (a draft never
  submitted is 409; ``?revision=`` of another revision is 409 naming ``revision``; without
  it, an unchanged course in review is published; ``revision`` and ``submitted_revision``
  are in ``GET /courses/{slug}`` for authors only), ``test_publication_answers_are_
  documented`` (200, 403, 404 and 409 in the OpenAPI document, and the query parameter).
- R4 an edit racing a publication: ``test_an_edit_in_flight_is_waited_for_then_refused``.
  The edit holds the course (``services.lock``); the publication waits for it, then sees
  it and refuses. Without the lock, on PostgreSQL the publication checked the old
  revision and then copied the new HTML (``UPDATE ... SET published_html = html`` waited
  for the edit's row and read it once committed): unreviewed text went live. SQLite
  serialises writers (``BEGIN IMMEDIATE``), so it holds there either way.
- Direct publication at import by an administrator (``?publish=true``, ``elearn courses
  import --publish``, ``elearn demo``) publishes what that same call imported:
  ``test_an_import_by_an_admin_still_publishes_what_it_imported`` (and every test that
  builds a published course, ``tests/quizkit.py::publish``); an expert cannot:
  tests/adversarial/test_escalation.py::test_an_expert_cannot_publish_through_the_import_flag.
"""

from __future__ import annotations

import io
import re
import threading
import time
import zipfile

import pytest
from sqlalchemy import select

from elearn.authoring.models import Course
from elearn.extensions import db
from tests.factories import imported, job_of, package, upload
from tests.uploadkit import uploaded

pytestmark = pytest.mark.adversarial

SLUG = "engine-basics"
STUDIO = f"/studio/{SLUG}"
API = f"/api/v1/courses/{SLUG}"
CYCLE = f"/courses/{SLUG}/modules/basics/lessons/cycle"
NOTE = "data-changed-since-submission"
SAID = {
    "fr": "Ce cours a changé depuis sa soumission à relecture",
    "ar": "تغيّرت هذه الدورة منذ تقديمها للمراجعة",
}


@pytest.fixture
def people(make, signed_in):
    expert = make.user("expert", network="DMK")
    admin = make.user("admin")
    trainee = make.user("trainee")
    return {
        "expert": signed_in(expert.email),
        "expert_token": make.token(expert.email),
        "admin": signed_in(admin.email),
        "admin_token": make.token(admin.email),
        "trainee": signed_in(trainee.email),
        "trainee_token": make.token(trainee.email),
    }


@pytest.fixture
def published(api, people):
    """engine-basics published by an administrator's import (version 1), a trainee on it."""
    assert imported(api, people["admin_token"], package(), "?publish=true")
    assert people["trainee"].post_form(f"/courses/{SLUG}/enrol").status_code == 303
    return SLUG


def page_revision(client) -> str | None:
    """What the admin's review page would publish (None: it offers no Publish button)."""
    page = client.get(STUDIO + "/review").text
    found = re.search(r'name="revision" value="([0-9a-f]{64})"', page)
    return found and found.group(1)


def live_version(app) -> str:
    with app.app_context():
        db.session.expire_all()
        return db.session.scalar(select(Course.published).where(Course.slug == SLUG))["version"]


def trainee_sees(people) -> str:
    return people["trainee"].get(CYCLE).get_data(as_text=True)


# -- R1 -------------------------------------------------------------------------------------


def test_an_edit_after_submission_is_not_published_by_the_open_page(app, published, people):
    expert, admin = people["expert"], people["admin"]
    assert expert.post_form(STUDIO + "/submit").status_code == 303
    opened = page_revision(admin)  # the admin opens the course to review it
    assert opened
    edit = expert.post_form(
        STUDIO + "/modules/basics/lessons/cycle/edit?lang=fr",
        {"title": "Le cycle", "markdown": "Texte jamais relu.", "action": "save"},
    )
    assert edit.status_code == 303
    clicked = admin.post_form(STUDIO + "/publish", {"revision": opened})
    assert clicked.status_code == 303
    page = admin.get(STUDIO).get_data(as_text=True)
    assert "flash-error" in page and NOTE in page
    assert "Texte jamais relu." not in trainee_sees(people) and "Quatre temps" in trainee_sees(
        people
    )
    # the Studio says so, in both languages, and offers to submit again (no Publish button)
    assert page_revision(admin) is None
    for lang, words in SAID.items():
        shown = expert.get(STUDIO + f"?lang={lang}").get_data(as_text=True)
        assert NOTE in shown and words in shown, lang
        assert 'action="/studio/engine-basics/submit"' in shown
    # submitted again: the admin's stale page is still refused, a fresh one publishes
    assert expert.post_form(STUDIO + "/submit").status_code == 303
    again = admin.post_form(STUDIO + "/publish", {"revision": opened})
    assert again.status_code == 303
    assert "Texte jamais relu." not in trainee_sees(people)
    fresh = page_revision(admin)
    assert fresh and fresh != opened
    assert admin.post_form(STUDIO + "/publish", {"revision": fresh}).status_code == 303
    assert "Texte jamais relu." in trainee_sees(people)


# -- R2 -------------------------------------------------------------------------------------


def _new_image(api, people):
    _ticket, done = uploaded(api, people["expert_token"], SLUG, "nouveau.png")
    return done.status_code


def _reimport(api, people):
    changed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package())) as original,
        zipfile.ZipFile(changed, "w") as out,
    ):
        for item in original.infolist():
            data = original.read(item)
            if item.filename.endswith("02-oil.fr.md"):
                data = data.replace("Vérifier le niveau.".encode(), b"Texte jamais relu.")
            out.writestr(item, data)
    job = job_of(
        api, people["expert_token"], upload(api, people["expert_token"], changed.getvalue())
    )
    return 201 if job["status"] == "done" else job


def _studio(url, data=None):
    return lambda api, people: people["expert"].post_form(STUDIO + url, data or {}).status_code


OIL = "/modules/basics/lessons/oil"
#: change → (what to do before submitting, the change itself)
CHANGES = {
    "lesson text (Studio)": (
        None,
        _studio(
            "/modules/basics/lessons/cycle/edit?lang=fr",
            {"title": "Le cycle", "markdown": "Texte jamais relu.", "action": "save"},
        ),
    ),
    "lesson text (API)": (
        None,
        lambda api, people: (
            api.call(
                "PUT",
                API + "/modules/basics/lessons/cycle",
                token=people["expert_token"],
                json={"lang": "fr", "title": "Le cycle", "markdown": "Texte jamais relu."},
            ).status_code
        ),
    ),
    "lesson facts": (
        None,
        _studio(
            OIL + "/edit?lang=fr",
            {"action": "save", "kind": "practical", "equipment": "Clé dynamométrique"},
        ),
    ),
    "add module": (None, _studio("/modules", {"slug": "brakes", "title": "Freins"})),
    "add lesson": (
        None,
        _studio("/modules/basics/lessons", {"slug": "new", "title": "Neuf", "kind": "theory"}),
    ),
    "rename": (None, _studio("/modules/basics/rename", {"lang": "fr", "title": "Autre"})),
    "reorder": (None, _studio(OIL + "/up")),
    "archive": (None, _studio(OIL + "/archive")),
    "restore": (_studio(OIL + "/archive"), _studio(OIL + "/restore")),
    "settings": (
        None,
        _studio(
            "/settings",
            {
                "title_fr": "Moteur",
                "title_ar": "المحرك",
                "level": "advanced",
                "estimated_hours": "3",
                "competency_code": ["C1"],
                "competency_0_fr": "Identifier",
                "competency_0_ar": "التعرف",
            },
        ),
    ),
    "quiz editor": (
        None,
        _studio(
            "/modules/basics/quiz",
            {
                "yaml": "title: {fr: Quiz, ar: اختبار}\npass_mark: 10\nquestions:\n"
                "  - id: q1\n    type: true_false\n"
                '    prompt: {fr: "Vrai ?", ar: "صحيح؟"}\n    answer: true\n'
            },
        ),
    ),
    "media upload": (None, _new_image),
    "media deleted": (
        _studio(
            "/modules/basics/lessons/cycle/edit?lang=fr",
            {"title": "Le cycle", "markdown": "Sans image.", "action": "save"},
        ),
        lambda api, people: (
            people["expert"].post_form(f"{STUDIO}/media/{_asset_id(api.app)}/delete").status_code
        ),
    ),
    "package re-imported": (None, _reimport),
}


def _asset_id(app) -> int:
    from elearn.media.models import MediaAsset

    with app.app_context():
        return db.session.scalar(select(MediaAsset.id).where(MediaAsset.path == "media/engine.png"))


@pytest.mark.parametrize("change", list(CHANGES))
def test_no_change_slips_into_a_reviewed_version(app, api, published, people, change):
    api.app = app
    before, act = CHANGES[change]
    if before is not None:
        assert before(api, people) in (200, 201, 303)
    assert people["expert"].post_form(STUDIO + "/submit").status_code == 303
    reviewed = page_revision(people["admin"]) or ""
    version = live_version(app)
    assert act(api, people) in (200, 201, 303), change
    # the page the admin had open, the API without and with the revision: all refused
    people["admin"].post_form(STUDIO + "/publish", {"revision": reviewed})
    bare = api.post(API + "/publish", token=people["admin_token"])
    pinned = api.post(API + f"/publish?revision={reviewed}", token=people["admin_token"])
    for refused in (bare, pinned):
        assert refused.status_code == 409, (change, refused.get_json())
        assert "depuis sa soumission" in refused.get_json()["detail"]
    assert live_version(app) == version, change
    assert NOTE in people["expert"].get(STUDIO).get_data(as_text=True)


# -- R3 -------------------------------------------------------------------------------------


def test_the_api_publishes_only_the_submitted_revision(app, api, people):
    admin, expert = people["admin_token"], people["expert_token"]
    assert imported(api, expert, package())
    never = api.post(API + "/publish", token=admin)
    assert never.status_code == 409 and never.mimetype == "application/problem+json"
    assert "soumettez-le" in never.get_json()["detail"]
    course = api.get(API, token=expert).get_json()
    assert re.fullmatch("[0-9a-f]{64}", course["revision"]) and course["submitted_revision"] is None
    assert api.post(API + "/submit", token=expert).status_code == 200
    assert api.post(API + "/submit", token=expert).status_code == 409  # already waiting
    course = api.get(API, token=admin).get_json()
    assert course["submitted_revision"] == course["revision"]
    wrong = api.post(API + "/publish?revision=" + "0" * 64, token=admin)
    assert wrong.status_code == 409
    assert wrong.get_json()["errors"][0]["path"] == "revision"
    assert api.post(API + "/publish", token=admin).get_json() == {
        "slug": SLUG,
        "status": "published",
    }
    # readers get neither revision
    api.post(API + "/enrolment", token=people["trainee_token"])
    seen = api.get(API, token=people["trainee_token"]).get_json()
    assert "revision" not in seen and "submitted_revision" not in seen
    # a new round: published only with the right revision
    api.call(
        "PUT",
        API + "/modules/basics/lessons/cycle",
        token=expert,
        json={"lang": "fr", "title": "Le cycle", "markdown": "Deuxième version."},
    )
    assert api.post(API + "/submit", token=expert).status_code == 200
    revision = api.get(API, token=admin).get_json()["revision"]
    assert api.post(API + f"/publish?revision={revision}", token=admin).status_code == 200
    lesson = api.get(API + "/modules/basics/lessons/cycle?lang=fr", token=people["trainee_token"])
    assert "Deuxième version." in lesson.get_json()["html"]


def test_publication_answers_are_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/courses/{slug}/publish"]["post"]
    assert {"200", "403", "404", "409"} <= set(operation["responses"])
    assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == ["revision"]
    submit = spec["paths"]["/api/v1/courses/{slug}/submit"]["post"]
    assert {"200", "403", "404", "409"} <= set(submit["responses"])


# -- R4 -------------------------------------------------------------------------------------


def test_an_edit_in_flight_is_waited_for_then_refused(app, api, published, people, monkeypatch):
    from elearn.authoring import services

    admin, expert = people["admin_token"], people["expert_token"]
    assert api.post(API + "/submit", token=expert).status_code == 200
    written, release = threading.Event(), threading.Event()
    edit_lesson = services.edit_lesson

    def slow_edit(*args, **kwargs):
        content = edit_lesson(*args, **kwargs)
        # the edit is written (flushed) but not committed yet: hold it there
        written.set()
        assert release.wait(20)
        return content

    monkeypatch.setattr(services, "edit_lesson", slow_edit)
    results = {}

    def edit():
        results["edit"] = app.test_client().put(
            API + "/modules/basics/lessons/cycle",
            headers={"Authorization": f"Bearer {expert}"},
            json={"lang": "fr", "title": "Le cycle", "markdown": "Texte jamais relu."},
        )

    def publish():
        results["publish"] = app.test_client().post(
            API + "/publish", headers={"Authorization": f"Bearer {admin}"}
        )

    editing = threading.Thread(target=edit)
    editing.start()
    assert written.wait(20)
    publishing = threading.Thread(target=publish)
    publishing.start()
    time.sleep(1)
    assert publishing.is_alive()  # it waits for the edit in progress
    release.set()
    editing.join(30)
    publishing.join(30)
    assert results["edit"].status_code == 200
    assert results["publish"].status_code == 409, results["publish"].get_json()
    assert "Texte jamais relu." not in trainee_sees(people)


# -- import by an administrator --------------------------------------------------------------


def test_an_import_by_an_admin_still_publishes_what_it_imported(app, api, people, tmp_path):
    assert imported(api, people["admin_token"], package(), "?publish=true")
    assert people["trainee"].post_form(f"/courses/{SLUG}/enrol").status_code == 303
    assert "Quatre temps" in trainee_sees(people)
    with zipfile.ZipFile(io.BytesIO(package())) as archive:
        archive.extractall(tmp_path)
    lesson = tmp_path / SLUG / "01-basics" / "01-cycle.fr.md"
    lesson.write_text(lesson.read_text().replace("Quatre temps", "Importé et publié"))
    result = app.test_cli_runner().invoke(
        args=["courses", "import", str(tmp_path / SLUG), "--publish"]
    )
    assert result.exit_code == 0, result.output
    assert "Importé et publié" in trainee_sees(people)
