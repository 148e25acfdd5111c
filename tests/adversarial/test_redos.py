"""Markdown ReDoS (T48): the hostile inputs of the case, and the same cut into lines short
enough to pass the line cap, go through every real way a lesson or a quiz text is saved
(the API, the Studio's editor and live preview, the quiz editor, a package) and either
come back rendered, safely, or are refused with a message saying what to change. Never a
500, never a worker kept busy: each request must finish within a generous hang guard
(speed itself is measured in bench/, not here).

Already covered elsewhere (not repeated here): the renderer called directly on the five
inputs of the case, all single lines, which the line cap turns into plain text
(tests/test_rendering_xss.py::test_redos_inputs_render), and the brackets, "[a](", "<a "
piles, a fence before 20,000 spaces and a 250,000-character text refused before the parser
(::test_pathological_texts_are_refused_before_they_reach_the_parser).

Added here, found while writing these tests: the same inputs cut into lines (200 KB of
"*_*_…" took 39 s, 45,000 lines of "---" without a blank line 210 s, 40 lines of
backslashes 23 s, a table 2,000 columns wide 12 s, quotes 1,000 levels deep 9 s) are now
refused by ``too_complex`` with their own message. Nesting deep enough to exhaust the
parser's recursion (lists, quotes, emphasis) is its own class: ``test_nesting.py``.
"""

from __future__ import annotations

import io
import json
import re
import threading
import zipfile

import pytest

from tests.adversarial import worldkit
from tests.factories import job_of, package, upload

pytestmark = pytest.mark.adversarial

#: seconds; a hang guard only, far above what any accepted text takes
HANG_GUARD = 10

REDOS = {
    # the inputs of the case
    "reference-definition": "[]:0" + " " * 20000 + "0",
    "fence-then-spaces": "```" + " " * 20000,
    "spaces-then-dollar": " " * 100000 + "$",
    "emphasis-run": "**_" + "*_" * 40000,
    "nested-quotes": ">" * 10000 + " x",
    # the same, in lines under the line cap
    "reference-definitions-in-lines": ("[]:0" + " " * 4900 + "0\n") * 30,
    "fences-then-spaces-in-lines": ("```" + " " * 4900 + "\n") * 30,
    "spaces-then-dollar-in-lines": (" " * 4900 + "$\n") * 30,
    "emphasis-run-in-lines": ("**_" + "*_" * 2000 + "\n") * 40,
    "emphasis-run-in-short-lines": ("**_" + "*_" * 200 + "\n") * 400,
    "nested-quotes-in-paragraphs": "\n\n".join([">" * 1000 + " x"] * 190),
    # other quadratic corners of the parser
    "backslashes": ("\\" * 4800 + "\n") * 40,
    "rules-without-blank-lines": "---\n" * 45000,
    "setext-headings-without-blank-lines": "a\n---\n" * 30000,
    "wide-table": "|" + "a|" * 2000 + "\n|" + "-|" * 2000 + "\n" + ("|" + "b|" * 2000 + "\n") * 40,
}


def within_guard(call, seconds: float = HANG_GUARD):
    """Run ``call`` in a thread; fail if it has not returned within the hang guard."""
    outcome = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the test thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def assert_inert(html: str) -> None:
    assert not re.search(r"<\s*script|javascript:|<[^>]*\son[a-z]+\s*=", html, re.I), html[:300]


@pytest.fixture
def app_config(tmp_path):
    return {"MEDIA_DIR": str(tmp_path / "media")}


@pytest.fixture
def course(api, make, signed_in):
    return worldkit.published_course_and_its_expert(api, make, signed_in)


API_LESSON = "/api/v1/courses/engine-basics/modules/basics/lessons/cycle"
EDITOR = "/studio/engine-basics/modules/basics/lessons/cycle"


def lesson_text(api, token) -> str:
    return api.get(API_LESSON + "?lang=fr", token=token).get_json()["html"]


@pytest.mark.parametrize("text", REDOS.values(), ids=REDOS.keys())
def test_saving_through_the_api_renders_or_refuses_with_a_message(api, course, text):
    token = course["token"]
    before = lesson_text(api, token)
    response = within_guard(
        lambda: api.call(
            "PUT",
            API_LESSON,
            token=token,
            json={"lang": "fr", "title": "Le cycle", "markdown": text},
        )
    )
    assert response.status_code in (200, 422), response.status_code
    if response.status_code == 422:
        problem = response.get_json()
        assert response.mimetype == "application/problem+json"
        assert [e["path"] for e in problem["errors"]] == ["markdown"]
        assert problem["errors"][0]["message"]  # says what to change
        assert lesson_text(api, token) == before  # and loses nothing
    else:
        assert_inert(response.get_json()["html"])


@pytest.mark.parametrize("text", REDOS.values(), ids=REDOS.keys())
def test_the_studio_editor_and_its_live_preview_stay_bounded(course, text):
    browser = course["browser"]
    saved = within_guard(
        lambda: browser.post_form(
            EDITOR + "/edit?lang=fr",
            {"action": "save", "title": "Le cycle", "markdown": text, "kind": "theory"},
        )
    )
    assert saved.status_code in (303, 422), saved.status_code
    if saved.status_code == 422:  # refused: the editor comes back with the reason
        page = saved.get_data(as_text=True)
        assert 'class="flash flash-error"' in page
        assert_inert(page.split('class="lesson-body"', 1)[1])
    preview = within_guard(
        lambda: browser.post(
            EDITOR + "/preview.json",
            data={"markdown": text},
            headers={"X-CSRFToken": browser.csrf_token()},
        )
    )
    assert preview.status_code in (200, 422)
    if preview.status_code == 422:  # refused too, saying what to change
        assert preview.get_json()["errors"][0]["path"] == "markdown"
        assert preview.get_json()["errors"][0]["message"]
    else:
        assert_inert(preview.get_json()["html"])


def _package_with(body: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(package()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("01-cycle.fr.md"):
                data = f"---\ntitle: Le cycle\n---\n\n{body}\n".encode()
            archive.writestr(info.filename, data)
    return out.getvalue()


@pytest.mark.parametrize("text", REDOS.values(), ids=REDOS.keys())
def test_a_package_carrying_it_validates_and_imports_bounded(api, course, text):
    data = _package_with(text)
    checked = within_guard(lambda: upload(api, course["token"], data, "?dry_run=true"))
    assert checked.status_code == 200
    report = checked.get_json()
    imported = within_guard(lambda: upload(api, course["token"], data))
    if report["valid"]:
        assert job_of(api, course["token"], imported)["status"] == "done"
        assert_inert(lesson_text(api, course["token"]))
    else:
        assert [e["path"] for e in report["errors"]] == ["01-basics/01-cycle.fr.md"]
        assert imported.status_code == 422
        assert imported.get_json()["errors"] == report["errors"]


@pytest.mark.parametrize(
    "text", [REDOS[k] for k in ("emphasis-run-in-lines", "backslashes", "wide-table")]
)
def test_a_quiz_text_carrying_it_is_bounded_too(course, text):
    """Quiz prompts, choices and feedback go through the same renderer, in the quiz editor."""
    yaml = (
        "title: {fr: Quiz}\nquestions:\n  - id: q1\n    type: true_false\n"
        f"    prompt: {{fr: {json.dumps(text)}}}\n    answer: true\n"
    )
    response = within_guard(
        lambda: course["browser"].post_form(
            "/studio/engine-basics/modules/basics/quiz", {"yaml": yaml}
        )
    )
    assert response.status_code in (303, 422)


def test_the_guard_catches_a_hang():
    """The guard itself fails a call that does not return in time."""
    stop = threading.Event()
    with pytest.raises(AssertionError, match="still running"):
        within_guard(lambda: stop.wait(5), seconds=0.2)
    stop.set()
