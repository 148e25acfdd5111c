"""Markdown nested deeper than the renderer can recurse (issue 13, item 8): lists, quotes,
footnotes and indentation inside one another, and emphasis inside emphasis, go through
every way a lesson or a quiz text reaches the renderer — the API's PUT, the Studio's
editor (save and Preview button), its live preview, the quiz editor, a package's dry run
and import — and are refused with a 4xx that says what to flatten. Never a 500, never a
half-saved lesson.

What was found: a list 260 levels deep (135 KB) passed ``too_complex`` (it bounded quotes
only, at 100) and Python-Markdown recursed about four frames a level: RecursionError, a
500 on lesson save, import and preview. Writing these cases found more of the class:
``- - - …`` 500 markers on one line, ordered lists indented three spaces a level, lists
inside a footnote, tabs, and emphasis 1,000 levels deep — ``**…**`` runs, or ``*a _a …``
alternating, whose tree Python-Markdown's table of contents then walks by recursion — all
raised RecursionError, and quiz texts were not checked at all (a 500 when the import
rendered them). ``too_complex`` now bounds every kind of nesting at ``MAX_DEPTH`` (50,
about 200 frames) with its own message, quiz prompts, choices and feedback are checked like
lessons, and ``render_markdown`` turns a RecursionError into plain text, so no caller ever
sees one (``test_the_renderer_never_raises_recursion_error``).

- Every path, every shape: ``test_the_api_refuses_it_with_the_message``,
  ``test_the_studio_editor_and_its_previews_refuse_it_with_the_message``,
  ``test_a_package_carrying_it_is_reported_at_its_file_and_nothing_is_imported``,
  ``test_a_quiz_text_carrying_it_is_refused_in_a_package_and_in_the_quiz_editor``.
- Ordinary nesting still renders: ``test_nesting_within_the_limit_renders``.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape

from elearn.authoring.rendering import MAX_DEPTH, render_markdown, too_complex
from tests.adversarial import worldkit
from tests.factories import package, upload

pytestmark = pytest.mark.adversarial

SLUG = "engine-basics"
LESSON = "01-basics/01-cycle.fr.md"
API_LESSON = f"/api/v1/courses/{SLUG}/modules/basics/lessons/cycle"
EDITOR = f"/studio/{SLUG}/modules/basics/lessons/cycle"

LISTS = (
    "lists or quotes nested more than %(max)s levels deep (or lines indented as far): flatten them"
)
EMPHASIS = "emphasis (* or _) nested more than %(max)s levels deep: close it sooner"

#: name → (text, the message that must come back)
NESTED = {
    "list-260-levels": ("".join("    " * i + "- étape\n" for i in range(260)), LISTS),
    "markers-on-one-line": ("- " * 500 + "x\n", LISTS),
    "ordered-3-spaces-a-level": ("".join("   " * i + "1. x\n" for i in range(250)), LISTS),
    "quotes-and-lists": ("> - " * 300 + "x\n", LISTS),
    "lists-in-quotes-in-lines": ("".join("    " * i + "- > x\n" for i in range(200)), LISTS),
    "list-in-a-footnote": ("Voir[^1].\n\n[^1]: " + "- " * 600 + "x\n", LISTS),
    "tabs": ("".join("\t" * i + "* x\n" for i in range(300)), LISTS),
    "indented-lines": ("- x\n\n" + "".join(" " * 4 * i + "y\n\n" for i in range(1, 300)), LISTS),
    "emphasis-runs": ("*" * 2000 + "x" + "*" * 2000 + "\n", EMPHASIS),
    "alternating-emphasis": ("*a _a " * 300 + "x" + " a_ a*" * 300 + "\n", EMPHASIS),
}
#: What an author may write: nested as deep as the limit, and ordinary look-alikes.
FINE = {
    "list-at-the-limit": "".join("    " * i + "- x\n" for i in range(MAX_DEPTH)),
    "quotes-at-the-limit": "> " * MAX_DEPTH + "x\n",
    "emphasis-at-the-limit": "*a _a " * (MAX_DEPTH // 2) + "x" + " a_ a*" * (MAX_DEPTH // 2),
    "fill-in-the-blanks": "Nom : ________. Prénom : ________.\n" * 200,
    "snake-case": "`my_var` and my_other_var_name, x_1 + x_2 = 2*3*4.\n" * 200,
    "deep-code-in-a-fence": "```\n" + "".join(" " * 4 * i + "x\n" for i in range(200)) + "```\n",
}


def said(app, msgid: str) -> str:
    with app.test_request_context(), force_locale("fr"):
        return gettext(msgid, max=MAX_DEPTH)


@pytest.fixture
def app_config(tmp_path):
    return {"MEDIA_DIR": str(tmp_path / "media")}


@pytest.fixture
def course(api, make, signed_in):
    return worldkit.published_course_and_its_expert(api, make, signed_in)


def lesson_text(api, token) -> str:
    return api.get(API_LESSON + "?lang=fr", token=token).get_json()["html"]


@pytest.mark.parametrize("name", NESTED)
def test_the_api_refuses_it_with_the_message(app, api, course, name):
    text, message = NESTED[name]
    before = lesson_text(api, course["token"])
    response = api.call(
        "PUT",
        API_LESSON,
        token=course["token"],
        json={"lang": "fr", "title": "Le cycle", "markdown": text},
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == [{"path": "markdown", "message": said(app, message)}]
    assert lesson_text(api, course["token"]) == before


@pytest.mark.parametrize("name", NESTED)
def test_the_studio_editor_and_its_previews_refuse_it_with_the_message(app, course, name):
    text, message = NESTED[name]
    browser, expected = course["browser"], said(app, message)
    form = {"title": "Le cycle", "markdown": text, "kind": "theory"}
    for action in ("save", "preview"):
        page = browser.post_form(EDITOR + "/edit?lang=fr", {**form, "action": action})
        assert page.status_code == 422, (action, page.status_code)
        html = page.get_data(as_text=True)
        assert 'class="flash flash-error"' in html and escape(expected) in html, action
    live = browser.post(
        EDITOR + "/preview.json",
        data={"markdown": text},
        headers={"X-CSRFToken": browser.csrf_token(), "Accept": "application/json"},
    )
    assert live.status_code == 422 and live.mimetype == "application/problem+json"
    assert live.get_json()["errors"] == [{"path": "markdown", "message": expected}]
    editor = browser.get(EDITOR + "/edit?lang=fr").get_data(as_text=True)
    assert "étape" not in editor and "Quatre temps" in editor  # nothing was saved


def package_with(files: dict[str, str]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(package()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            rel = info.filename.split("/", 1)[1]
            archive.writestr(info.filename, files.get(rel, source.read(info)))
    return out.getvalue()


@pytest.mark.parametrize("name", NESTED)
def test_a_package_carrying_it_is_reported_at_its_file_and_nothing_is_imported(
    app, api, make, name
):
    text, message = NESTED[name]
    token = make.token(make.user("expert", network="DMK").email)
    data = package_with({LESSON: f"---\ntitle: Le cycle\n---\n\n{text}"})
    expected = [{"path": LESSON, "line": 1, "message": said(app, message)}]
    dry = upload(api, token, data, "?dry_run=true")
    assert dry.status_code == 200
    assert (dry.get_json()["valid"], dry.get_json()["errors"]) == (False, expected)
    imported = upload(api, token, data)
    assert imported.status_code == 422 and imported.get_json()["errors"] == expected
    assert api.get(f"/api/v1/courses/{SLUG}", token=token).status_code == 404


QUIZ = """title: {fr: Quiz}
questions:
  - id: q1
    type: single
    prompt: {fr: %(prompt)s}
    choices:
      - {id: a, text: {fr: %(choice)s}, correct: true}
      - {id: b, text: {fr: "Non"}, feedback: {fr: %(feedback)s}}
"""


@pytest.mark.parametrize("where, line", [("prompt", 5), ("choice", 7), ("feedback", 8)])
@pytest.mark.parametrize("name", ["list-260-levels", "quotes-and-lists", "alternating-emphasis"])
def test_a_quiz_text_carrying_it_is_refused_in_a_package_and_in_the_quiz_editor(
    app, api, course, name, where, line
):
    text, message = NESTED[name]
    values = {"prompt": '"Oui ?"', "choice": '"Oui"', "feedback": '"Non."'}
    yaml = QUIZ % {**values, where: json.dumps(text)}
    expected = said(app, message)
    data = package_with({"01-basics/quiz.yml": yaml})
    dry = upload(api, course["token"], data, "?dry_run=true").get_json()
    assert dry["errors"] == [{"path": "01-basics/quiz.yml", "line": line, "message": expected}]
    assert upload(api, course["token"], data).status_code == 422
    page = course["browser"].post_form(f"/studio/{SLUG}/modules/basics/quiz", {"yaml": yaml})
    assert page.status_code == 422
    assert escape(f"quiz.yml:{line}: {expected}") in page.get_data(as_text=True)


def shown_as_plain_text(html: str) -> bool:
    """The renderer's fallback: the text escaped in one <pre> (code blocks have <code>)."""
    return html.startswith("<pre>") and not html.startswith("<pre><code")


@pytest.mark.parametrize("name", FINE)
def test_nesting_within_the_limit_renders(name):
    text = FINE[name]
    assert too_complex(text) is None
    assert not shown_as_plain_text(render_markdown(text))


@pytest.mark.parametrize("name", NESTED)
def test_every_nested_shape_is_refused_before_the_parser(name):
    """``too_complex`` catches each shape (this is what the paths above rely on), and the
    renderer shows it as plain text if one came anyway."""
    text, _message = NESTED[name]
    assert too_complex(text) in ("depth", "emphasis")
    assert shown_as_plain_text(render_markdown(text))


def test_the_renderer_never_raises_recursion_error():
    """The last guard: a text ``too_complex`` accepts, rendered with almost no stack left
    (as deep inside some future caller), comes back as plain text instead of raising."""
    text = "".join("    " * i + "- x\n" for i in range(MAX_DEPTH))
    assert too_complex(text) is None

    def with_stack_left(frames: int):
        depth = len(_frames())
        limit = sys.getrecursionlimit()
        if limit - depth > frames:
            return with_stack_left(frames)
        return render_markdown(text)

    html = with_stack_left(60)
    assert shown_as_plain_text(html) and "- x" in html


def _frames() -> list:
    frame, out = sys._getframe(), []
    while frame is not None:
        out.append(frame)
        frame = frame.f_back
    return out
