"""Holes in package validation (issue 13, item 9): every number, name and link of a package
is checked before anything is imported, every problem is reported at once as
``path:line: message`` — by ``elearn courses validate`` (a folder), the API's dry run and
its import (a .zip) alike — and nothing is imported.

- Numbers that are not numbers, or out of range: ``.inf``, ``.nan``, ``1.0e+400`` and
  huge integers in ``points``, ``estimated_hours``, ``pass_mark``, ``max_attempts``,
  ``time_limit_minutes``, ``duration_minutes``, a numeric ``answer`` and its
  ``tolerance``: ``test_every_number_must_be_finite_and_in_range``. Found: ``points: .inf``
  imported and published, then a correct answer was a 500 and the API printed
  ``Infinity`` (not JSON); ``.nan`` in points or hours was a 500 at import.
- Folder and file numbers past an INTEGER column (10²³, and thousands of digits, which
  ``int()`` refuses): ``test_module_and_lesson_numbers_are_bounded`` (0 to 999). Found: a
  500 (numeric overflow) at import.
- ``$`` matching before a final newline: ``test_a_trailing_newline_is_never_part_of_a_name``
  (course slug, question and choice ids, module and lesson names in the archive) and
  ``test_every_validating_pattern_refuses_a_trailing_newline`` (storage keys, e-mail
  addresses, Studio slugs, trainees' numbers). Found: ``slug: "obd\\n"`` passed, and its
  import and export answered 500.
- Every problem at once: ``test_a_package_with_many_problems_reports_them_all`` — a module
  whose slug clashes still has its module.yml and lessons checked, an unknown question type
  is named and its id still checked for duplicates, lesson links that leave the package
  (``../../../etc/passwd``, ``../x/../../y.fr.md``, absolute paths, drives, ``%2e%2e``) are
  reported at their lines. Found: each of these hid the others or was not reported.
- ``test_validate_works_where_no_database_was_ever_migrated``: an expert's laptop (a fresh
  instance folder, an empty or missing SQLite file) validates against the programme's
  networks with a one-line note. Found: a traceback (``no such table: networks``).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext

from elearn.authoring.package.model import printable
from tests.factories import imported, package, upload

pytestmark = pytest.mark.adversarial

SLUG = "engine-basics"
ROOT = Path(__file__).resolve().parents[2]
QUIZ = """title: {fr: Quiz, ar: اختبار}
pass_mark: 70
max_attempts: 2
time_limit_minutes: 15
questions:
  - id: q1
    type: true_false
    points: 1
    prompt: {fr: "Vrai ?", ar: "صحيح؟"}
    answer: true
  - id: q2
    type: numeric
    prompt: {fr: "Tension ?", ar: "الجهد؟"}
    answer: 12
    tolerance: 0.5
"""


def base_files() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package())) as archive:
        files = {i.filename.split("/", 1)[1]: archive.read(i) for i in archive.infolist()}
    files["01-basics/quiz.yml"] = QUIZ.encode()
    return files


def as_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(f"{SLUG}/{path}", data)
    return buffer.getvalue()


def as_folder(files: dict[str, bytes], tmp_path: Path) -> Path:
    root = tmp_path / SLUG
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    return root


def said(app, msgid: str, **values) -> str:
    """The message in French: the expert's locale, and the command line's default."""
    with app.test_request_context(), force_locale("fr"):
        return gettext(msgid, **values)


def reported(app, api, token, files: dict[str, bytes], tmp_path: Path) -> set[str]:
    """The errors the CLI, the dry run and the import give, which must be the same, as
    ``path:line: message``; and check that nothing was imported."""
    folder = as_folder(files, tmp_path)
    result = app.test_cli_runner().invoke(args=["courses", "validate", str(folder)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    cli = {
        line
        for line in result.output.splitlines()
        if re.match(r"^[^ ]+:[0-9]+: ", line) and ": warning: " not in line
    }
    data = as_zip(files)
    dry = upload(api, token, data, "?dry_run=true")
    assert dry.status_code == 200 and dry.get_json()["valid"] is False
    imported = upload(api, token, data, "?publish=true")
    assert imported.status_code == 422, imported.get_data(as_text=True)[:1000]
    assert imported.mimetype == "application/problem+json"
    assert imported.get_json()["errors"] == dry.get_json()["errors"]
    assert api.get(f"/api/v1/courses/{SLUG}", token=token).status_code == 404
    api_errors = {f"{e['path']}:{e['line']}: {e['message']}" for e in dry.get_json()["errors"]}
    assert cli == {printable(e) for e in api_errors}  # one line each, newlines written out
    return api_errors


@pytest.fixture
def app_config(tmp_path):
    return {"MEDIA_DIR": str(tmp_path / "media")}


@pytest.fixture
def admin(make):
    return make.token(make.user("admin").email)


def line_of(files, path: str, text: str) -> int:
    lines = files[path].decode().split("\n")
    return next(i for i, line in enumerate(lines, start=1) if text in line)


# -- numbers --------------------------------------------------------------------------------

WHOLE = "%(key)s must be a whole number, %(bounds)s"
POINTS = "question %(qid)s: points must be a number more than 0 and at most %(max)s"
HOURS = "estimated_hours must be a number of hours, more than 0 and at most %(max)s"
MINUTES = "duration_minutes must be a whole number of minutes, 1 to %(max)s"
ANSWER = (
    "question %(id)s: answer must be a number (at most %(digits)s digits before the decimal point)"
)
TOLERANCE = (
    "question %(id)s: tolerance must be a number ≥ 0 (at most %(digits)s digits before the "
    "decimal point)"
)
QUIZ_YML, LESSON = "01-basics/quiz.yml", "01-basics/01-cycle.fr.md"

#: (file, text, replacement, message, its values; "bounds" are (low, high) of a range)
NUMBERS = (
    [
        ("course.yml", "estimated_hours: 3", f"estimated_hours: {v}", HOURS, {"max": 1000})
        for v in (".inf", ".nan", "-.inf", "0", "1001", "1.0e+400", "1" + "0" * 30)
    ]
    + [
        (QUIZ_YML, "points: 1", f"points: {v}", POINTS, {"qid": "q1", "max": 1000})
        for v in (".inf", ".nan", "-.inf", "0", "1001", "1.0e+400", "1" + "0" * 400, "true")
    ]
    + [
        (
            QUIZ_YML,
            "pass_mark: 70",
            f"pass_mark: {v}",
            WHOLE,
            {"key": "pass_mark", "bounds": (0, 100)},
        )
        for v in (".nan", ".inf", "101", "1" + "0" * 23)
    ]
    + [
        (
            QUIZ_YML,
            "max_attempts: 2",
            f"max_attempts: {v}",
            WHOLE,
            {"key": "max_attempts", "bounds": (0, 1000)},
        )
        for v in (".inf", "1" + "0" * 23)
    ]
    + [
        (
            QUIZ_YML,
            "time_limit_minutes: 15",
            f"time_limit_minutes: {v}",
            WHOLE,
            {"key": "time_limit_minutes", "bounds": (1, 1440)},
        )
        for v in (".nan", "1" + "0" * 23)
    ]
    + [
        (LESSON, "duration_minutes: 10", f"duration_minutes: {v}", MINUTES, {"max": 1000})
        for v in (".inf", ".nan", "1" + "0" * 23, "0", "1001", "2.5")
    ]
    + [
        (QUIZ_YML, "answer: 12", f"answer: {v}", ANSWER, {"id": "q2", "digits": 15})
        for v in (".nan", ".inf", "-.inf", "1.0e+16", "1" + "0" * 400)
    ]
    + [
        (QUIZ_YML, "tolerance: 0.5", f"tolerance: {v}", TOLERANCE, {"id": "q2", "digits": 15})
        for v in (".nan", ".inf", "-1", "1.0e+16")
    ]
)


@pytest.mark.parametrize(
    "path, old, new, msgid, values", NUMBERS, ids=[f"{n[0]}:{n[2][:30]}" for n in NUMBERS]
)
def test_every_number_must_be_finite_and_in_range(
    app, api, admin, tmp_path, path, old, new, msgid, values
):
    files = base_files()
    assert old.encode() in files[path]
    files[path] = files[path].replace(old.encode(), new.encode(), 1)
    if "bounds" in values:
        low, high = values["bounds"]
        values = {**values, "bounds": said(app, "%(low)s to %(high)s", low=low, high=high)}
    expected = f"{path}:{line_of(files, path, new)}: {said(app, msgid, **values)}"
    assert reported(app, api, admin, files, tmp_path) == {expected}


def test_a_correct_answer_to_an_imported_quiz_is_graded(app, api, admin, make):
    """What ``points: .inf`` broke: the same quiz with finite points publishes, and a
    trainee's right answer scores, in JSON the API can send."""
    files = base_files()
    files[QUIZ_YML] = files[QUIZ_YML].replace(b"points: 1", b"points: 2.5")
    assert imported(api, admin, as_zip(files), "?publish=true")
    trainee = make.token(make.user("trainee").email)
    assert api.post(f"/api/v1/courses/{SLUG}/enrolment", token=trainee).status_code == 201
    started = api.post(f"/api/v1/courses/{SLUG}/modules/basics/quiz/attempts", token=trainee)
    assert started.status_code == 201, started.get_data(as_text=True)
    attempt = started.get_json()
    answers = {q["id"]: (True if q["type"] == "true_false" else "12") for q in attempt["questions"]}
    submitted = api.post(
        f"/api/v1/attempts/{attempt['id']}/submit", token=trainee, json={"answers": answers}
    )
    assert submitted.status_code == 200, submitted.get_data(as_text=True)
    assert "Infinity" not in submitted.get_data(as_text=True)
    assert submitted.get_json()["score"] == submitted.get_json()["max_score"] == 3.5


# -- folder and file numbers ----------------------------------------------------------------

POSITION = "the number before the name must be %(low)s to %(high)s"


@pytest.mark.parametrize(
    "number", ["1000", "1" + "0" * 23, "9" * 5000], ids=["1000", "10^23", "5000-digits"]
)
@pytest.mark.parametrize("which", ["module", "lesson"])
def test_module_and_lesson_numbers_are_bounded(app, api, admin, tmp_path, which, number):
    files = base_files()
    if which == "module":
        files = {p.replace("01-basics/", f"{number}-basics/"): d for p, d in files.items()}
        path = f"{number}-basics"
    else:
        for lang in ("fr", "ar"):
            files[f"01-basics/{number}-oil.{lang}.md"] = files.pop(f"01-basics/02-oil.{lang}.md")
        path = f"01-basics/{number}-oil.fr.md"
    if len(number) > 200:  # the file system's limit on a name; the archive has none
        data = as_zip(files)
        dry = upload(api, admin, data, "?dry_run=true").get_json()
        assert {"path": path, "line": 1, "message": said(app, POSITION, low=0, high=999)} in dry[
            "errors"
        ]
        assert upload(api, admin, data).status_code == 422
        return
    errors = reported(app, api, admin, files, tmp_path)
    assert f"{path}:1: {said(app, POSITION, low=0, high=999)}" in errors
    prefix = path.removesuffix("fr.md")  # each language's file is reported
    assert not [e for e in errors if not e.startswith(prefix)], errors


def test_the_highest_number_imports(app, api, admin):
    files = base_files()
    files = {p.replace("01-basics/", "999-basics/"): d for p, d in files.items()}
    assert imported(api, admin, as_zip(files))


# -- names ending in a newline --------------------------------------------------------------

BAD_SLUG = "bad slug '%(slug)s': lowercase letters, digits and '-', 1 to 64 characters"


def test_a_trailing_newline_is_never_part_of_a_name(app, api, admin, tmp_path):
    files = base_files()
    files["course.yml"] = b'slug: "engine-basics\\n"\n' + files["course.yml"].split(b"\n", 1)[1]
    files[QUIZ_YML] = files[QUIZ_YML].replace(b"- id: q2", b'- id: "q2\\n"')
    errors = reported(app, api, admin, files, tmp_path)
    assert f"course.yml:1: {said(app, BAD_SLUG, slug='engine-basics' + chr(10))}" in errors
    line = line_of(files, QUIZ_YML, 'id: "q2')
    no_id = said(app, "each question needs an id (letters, digits, - or _)")
    assert f"{QUIZ_YML}:{line}: {no_id}" in errors
    # names in the archive itself (a folder on disk cannot hold these)
    files = base_files()
    files = {p.replace("01-basics/", "01-basics\n/"): d for p, d in files.items()}
    files["02-more/module.yml"] = "title: {fr: Plus, ar: المزيد}\n".encode()
    files["02-more/01-x\n.fr.md"] = b"---\ntitle: X\n---\n\nTexte.\n"
    dry = upload(api, admin, as_zip(files), "?dry_run=true").get_json()
    messages = {(e["path"], e["message"]) for e in dry["errors"]}
    assert ("01-basics\n", said(app, "bad module slug '%(slug)s'", slug="basics\n")) in messages
    assert ("02-more/01-x\n.fr.md", said(app, "bad lesson slug '%(slug)s'", slug="x\n")) in messages


def test_every_validating_pattern_refuses_a_trailing_newline():
    from elearn.authoring.package.quizcheck import ID
    from elearn.authoring.package.validate import SLUG
    from elearn.authoring.rendering import _LESSON_LINK, _MODULE_DIR
    from elearn.core.text import looks_like_email
    from elearn.media.storage import check_key
    from elearn.quizzes.grading import parse_number

    for pattern, good in (
        (SLUG, "engine-basics"),
        (ID, "q1"),
        (_MODULE_DIR, "01-basics"),
        (_LESSON_LINK, "../01-basics/02-oil.fr.md"),
    ):
        assert pattern.match(good) and not pattern.match(good + "\n"), pattern.pattern
    assert looks_like_email("amal@example.org") and not looks_like_email("amal@example.org\n")
    check_key("courses/x/a.png")
    with pytest.raises(ValueError):
        check_key("courses/x/a.png\n")
    assert parse_number("12.5\n") == 12.5  # a trainee's answer is trimmed first, on purpose


# -- everything at once ---------------------------------------------------------------------

LINKS = [
    "../../../etc/passwd",
    "../x/../../y.fr.md",
    "/etc/passwd",
    "C:\\Windows\\win.ini",
    "%2e%2e/%2e%2e/secret.fr.md",
    "media/../../../etc/hosts",
]


def test_a_package_with_many_problems_reports_them_all(app, api, admin, tmp_path):
    files = base_files()
    # a second module folder whose slug clashes, itself full of problems
    files["02-basics/module.yml"] = b"summary: {fr: Sans titre}\n"
    files["02-basics/01-brakes.fr.md"] = b"---\nduration_minutes: .nan\n---\n\nTexte.\n"
    # an unknown question type on a duplicate id, and a bad number beside it
    files[QUIZ_YML] += (
        b"  - id: q1\n    type: singel\n    points: .inf\n    prompt: {fr: x, ar: x}\n"
    )
    # links that leave the package, one per line
    body = "".join(f"Ligne {n} : [voir]({link})\n\n" for n, link in enumerate(LINKS))
    files[LESSON] += body.encode()
    errors = reported(app, api, admin, files, tmp_path)

    expected = {
        "02-basics:1: "
        + said(
            app,
            "module slug '%(slug)s' is also used by %(slug2)s",
            slug="basics",
            slug2="01-basics",
        ),
        f"02-basics/module.yml:1: {said(app, 'missing %(key)s', key='title')}",
        f"02-basics/01-brakes.fr.md:2: {said(app, 'missing title')}",
        f"02-basics/01-brakes.fr.md:2: {said(app, MINUTES, max=1000)}",
    }
    quiz_lines = files[QUIZ_YML].decode().split("\n")
    dup = max(i for i, line in enumerate(quiz_lines, start=1) if "- id: q1" in line)
    expected |= {
        f"{QUIZ_YML}:{dup}: " + said(app, "duplicate question id '%(id)s'", id="q1"),
        f"{QUIZ_YML}:{dup + 1}: "
        + said(
            app,
            "question %(qid)s: unknown type '%(type)s': one of %(types)s",
            qid="q1",
            type="singel",
            types="single, multiple, true_false, short_text, numeric, matching, ordering",
        ),
        f"{QUIZ_YML}:{dup + 2}: {said(app, POINTS, qid='q1', max=1000)}",
    }
    outside = (
        "link that leaves the course folder: %(target)s (link to lessons and media of the "
        "course, or to a web address)"
    )
    lines = files[LESSON].decode().split("\n")
    for link in LINKS:
        line = next(i for i, text in enumerate(lines, start=1) if f"({link})" in text)
        expected.add(f"{LESSON}:{line}: {said(app, outside, target=link)}")
    assert errors == expected, sorted(errors ^ expected)


# -- a laptop without a database -----------------------------------------------------------


@pytest.mark.parametrize("database", ["empty-file", "missing-folder"])
def test_validate_works_where_no_database_was_ever_migrated(tmp_path, database):
    instance = tmp_path / "instance"
    instance.mkdir()
    url = {
        "empty-file": f"sqlite:///{instance / 'elearn.sqlite3'}",
        "missing-folder": f"sqlite:///{tmp_path / 'nowhere' / 'elearn.sqlite3'}",
    }[database]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ELEARN_")},
        "ELEARN_INSTANCE_DIR": str(instance),
        "ELEARN_DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
    }
    elearn = [sys.executable, "-c", "from elearn.cli import main; main()"]
    good = subprocess.run(
        [*elearn, "courses", "validate", str(ROOT / "courses" / "auto-obd-diagnostics")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert good.returncode == 0, good.stderr
    assert "Traceback" not in good.stderr
    notes = [line for line in good.stderr.splitlines() if "DMK, AEROMAC, C3M, AMCN, ACOMS" in line]
    assert len(notes) == 1 and "elearn db upgrade" in notes[0], good.stderr
    bad = tmp_path / "bad"
    with zipfile.ZipFile(io.BytesIO(package(network="NOPE"))) as archive:
        archive.extractall(bad)
    refused = subprocess.run(
        [*elearn, "courses", "validate", str(bad / SLUG)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "course.yml:3:" in refused.stderr and "NOPE" in refused.stderr
