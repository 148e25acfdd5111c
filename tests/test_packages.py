"""Course packages: validation (every error kind, at its line), hostile packages, import by
identity (all or nothing), export that re-imports, and who may import what.

The contract is ``shared/spec/course-package.md``; attacks come from T36-T39."""

from __future__ import annotations

import os
import re
import stat
import struct
import zipfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from elearn.extensions import db

SLUG = "obd-basics"


def png_1x1(rgba: bytes = b"\xff\x00\x00\xff") -> bytes:
    """The bytes of a real 1x1 PNG (one pixel of the given colour)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + rgba)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = png_1x1()

COURSE_YML = """\
slug: obd-basics
domain: automotive
network: DMK
source_language: fr
languages: [fr, ar]
level: beginner
estimated_hours: 6
title:
  fr: Diagnostic embarqué OBD-II
  ar: التشخيص المدمج OBD-II
summary:
  fr: Lire et interpréter les codes défaut d'un véhicule moderne.
  ar: قراءة وتفسير رموز الأعطال في المركبات الحديثة.
competencies:
  - code: C1
    title: {fr: Identifier les systèmes de diagnostic, ar: التعرف على أنظمة التشخيص}
  - code: C2
    title: {fr: Lire un code défaut, ar: قراءة رمز العطل}
"""

MODULE1_YML = """\
title:
  fr: Les fondamentaux
  ar: الأساسيات
summary:
  fr: Ce qu'est l'OBD et où se trouve le connecteur.
  ar: ما هو OBD وأين يوجد الموصل.
"""

MODULE2_YML = """\
title: {fr: Lire les codes défaut, ar: قراءة رموز الأعطال}
"""

WHAT_FR = """\
---
title: Qu'est-ce que l'OBD ?
duration_minutes: 15
kind: theory
competencies: [C1]
---

# Qu'est-ce que l'OBD ?

Le connecteur OBD-II ![Connecteur](media/connector.png) se trouve sous le volant.

Voir aussi [le format des codes](../02-fault-codes/01-dtc-format.fr.md).
"""

WHAT_AR = """\
---
title: ما هو OBD؟
---

# ما هو OBD؟

يوجد موصل OBD-II ![الموصل](media/connector.png) تحت المقود.

انظر أيضا [صيغة الرموز](../02-fault-codes/01-dtc-format.ar.md).
"""

PINOUT_FR = """\
---
title: Brochage du connecteur
duration_minutes: 30
kind: practical
competencies: [C1, C2]
equipment:
  - Valise de diagnostic OBD-II
  - Multimètre
safety: Couper le contact avant de brancher l'outil.
---

## Brochage

| Broche | Rôle |
|---|---|
| 4 | Masse châssis |
| 16 | +12 V batterie |

Revoir [la leçon précédente](./01-what-is-obd.fr.md).
"""

PINOUT_AR = """\
---
title: توزيع أطراف الموصل
equipment:
  - جهاز تشخيص OBD-II
  - مقياس متعدد
safety: أوقف المحرك قبل توصيل الجهاز.
---

## توزيع الأطراف

| الطرف | الدور |
|---|---|
| 4 | أرضي الهيكل |
| 16 | +12 فولت البطارية |

راجع [الدرس السابق](./01-what-is-obd.ar.md).
"""

DTC_FR = """\
---
title: Format des codes défaut
kind: theory
competencies: [C2]
---

Un code comme `P0301` se lit lettre par lettre.

[Retour au brochage](../01-fundamentals/02-connector-pinout.fr.md)
"""

DTC_AR = """\
---
title: صيغة رموز الأعطال
---

يقرأ رمز مثل `P0301` حرفا بحرف.

[العودة إلى توزيع الأطراف](../01-fundamentals/02-connector-pinout.ar.md)
"""

QUIZ_YML = """\
title: {fr: Quiz — les fondamentaux, ar: اختبار — الأساسيات}
pass_mark: 70
max_attempts: 3
time_limit_minutes: 15
shuffle: true
questions:
  - id: q1
    type: single
    competencies: [C1]
    prompt:
      fr: "Combien de broches compte le connecteur OBD-II ?"
      ar: "كم عدد أطراف موصل OBD-II؟"
    choices:
      - {id: a, text: {fr: "12", ar: "12"}}
      - id: b
        text: {fr: "16", ar: "16"}
        correct: true
        feedback: {fr: "Oui, 16 broches (SAE J1962).", ar: "نعم، 16 طرفا (SAE J1962)."}
  - id: q2
    type: multiple
    points: 2
    prompt: {fr: "Quelles broches sont des masses ?", ar: "ما هي الأطراف الأرضية؟"}
    choices:
      - {id: a, text: {fr: "4", ar: "4"}, correct: true}
      - {id: b, text: {fr: "5", ar: "5"}, correct: true}
      - {id: c, text: {fr: "16", ar: "16"}}
  - id: q3
    type: true_false
    prompt: {fr: "La broche 16 est la masse.", ar: "الطرف 16 هو الأرضي."}
    answer: false
    feedback: {fr: "C'est le +12 V.", ar: "إنه +12 فولت."}
  - id: q4
    type: numeric
    prompt: {fr: "Tension nominale de la batterie (V) ?", ar: "الجهد الاسمي للبطارية (فولت)؟"}
    answer: 12
    tolerance: 0.5
  - id: q5
    type: short_text
    prompt: {fr: "Comment appelle-t-on la broche 4 ?", ar: "ماذا يسمى الطرف 4؟"}
    accept: {fr: ["masse", "la masse"], ar: ["الأرضي", "الأرض"]}
"""

BASE_FILES: dict[str, str | bytes] = {
    "course.yml": COURSE_YML,
    "media/connector.png": PNG,
    "01-fundamentals/module.yml": MODULE1_YML,
    "01-fundamentals/01-what-is-obd.fr.md": WHAT_FR,
    "01-fundamentals/01-what-is-obd.ar.md": WHAT_AR,
    "01-fundamentals/02-connector-pinout.fr.md": PINOUT_FR,
    "01-fundamentals/02-connector-pinout.ar.md": PINOUT_AR,
    "01-fundamentals/quiz.yml": QUIZ_YML,
    "02-fault-codes/module.yml": MODULE2_YML,
    "02-fault-codes/01-dtc-format.fr.md": DTC_FR,
    "02-fault-codes/01-dtc-format.ar.md": DTC_AR,
}

WHAT_FR_PATH = "01-fundamentals/01-what-is-obd.fr.md"
WHAT_AR_PATH = "01-fundamentals/01-what-is-obd.ar.md"
PINOUT_FR_PATH = "01-fundamentals/02-connector-pinout.fr.md"
QUIZ_PATH = "01-fundamentals/quiz.yml"


class Package:
    """A valid package in memory; a test changes one file, then writes a folder or a .zip."""

    def __init__(self, base: Path, name: str = SLUG):
        self.base = base
        self.name = name
        self.files: dict[str, str | bytes] = dict(BASE_FILES)

    def text(self, path: str) -> str:
        value = self.files[path]
        assert isinstance(value, str), path
        return value

    def set(self, path: str, content: str | bytes) -> Package:
        self.files[path] = content
        return self

    def remove(self, path: str) -> Package:
        del self.files[path]
        return self

    def replace(self, path: str, old: str, new: str) -> Package:
        text = self.text(path)
        assert old in text, f"{old!r} not in {path}"
        self.files[path] = text.replace(old, new, 1)
        return self

    def line(self, path: str, needle: str, occurrence: int = 1) -> int:
        """1-based line of the n-th line containing ``needle`` in the current file."""
        found = [n for n, line in enumerate(self.text(path).split("\n"), 1) if needle in line]
        assert len(found) >= occurrence, f"{needle!r} not in {path}"
        return found[occurrence - 1]

    def write(self, folder: str = "pkg") -> Path:
        root = self.base / folder / self.name
        for path, content in self.files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                target.write_text(content, encoding="utf-8")
            else:
                target.write_bytes(content)
        return root

    def zip(self, name: str | None = None, *, folder: bool = True, extra=()) -> Path:
        """A .zip of the package (inside a top folder unless ``folder=False``); ``extra`` are
        (ZipInfo or name, bytes) pairs added as they are."""
        out = self.base / (name or f"{self.name}.zip")
        prefix = f"{self.name}/" if folder else ""
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, content in self.files.items():
                archive.writestr(prefix + path, content)
            for info, content in extra:
                archive.writestr(info, content)
        return out


@pytest.fixture
def app_config(tmp_path):
    return {"MEDIA_DIR": str(tmp_path / "media")}


@pytest.fixture
def package(tmp_path) -> Package:
    return Package(tmp_path)


def run(app, *args):
    return app.test_cli_runner().invoke(args=[str(a) for a in args])


def report_for(app, path: Path):
    """Validate as the CLI does. Messages are rendered outside the app context, so they stay
    in English whatever the catalogues translate them to (the CLI speaks the default locale)."""
    from elearn.authoring.cli import network_codes
    from elearn.authoring.package.files import read_package
    from elearn.authoring.package.validate import validate_package

    with app.app_context():
        networks = network_codes()
    return validate_package(read_package(path), networks=networks)


def says(issue, fragment: str) -> bool:
    return fragment in str(issue.message).lower()


def stored_objects(app) -> list[str]:
    root = Path(app.config["MEDIA_DIR"])
    if not root.exists():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def course_count(app) -> int:
    from elearn.authoring.models import Course

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Course))


def issue_lines(output: str) -> list[tuple[str, int, str]]:
    """``path:line: message`` lines of the CLI output, as (path, line, message)."""
    found = []
    for line in output.splitlines():
        match = ISSUE_LINE.match(line)
        if match:
            found.append((match["path"], int(match["line"]), match["message"]))
    return found


ISSUE_LINE = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+): (?P<message>.+)$")


# -- the valid package ----------------------------------------------------------------------


def test_valid_package_has_no_error_and_no_warning(app, package):
    folder = package.write()
    report = report_for(app, folder)
    assert [str(i) for i in report.issues] == []
    result = run(app, "courses", "validate", folder)
    assert result.exit_code == 0, result.output
    assert issue_lines(result.output) == []
    # the same package as a .zip, inside its folder or not
    for archive in (package.zip("in-folder.zip"), package.zip("flat.zip", folder=False)):
        report = report_for(app, archive)
        assert [str(i) for i in report.issues] == [], archive.name
        assert run(app, "courses", "validate", archive).exit_code == 0


def test_each_problem_is_printed_as_path_line_message(app, package):
    package.replace("course.yml", "domain: automotive", "domain: cooking")
    package.replace(QUIZ_PATH, "id: q2", "id: q1")
    package.replace(WHAT_FR_PATH, "media/connector.png", "media/nope.png")
    folder = package.write()
    report = report_for(app, folder)
    result = run(app, "courses", "validate", folder)
    assert result.exit_code == 1
    printed = issue_lines(result.output)
    assert len(printed) == len(report.issues) >= 3
    for issue in report.issues:
        assert (issue.path, issue.line or 1) in {(p, n) for p, n, _ in printed}
    assert ("course.yml", package.line("course.yml", "domain:")) in {(p, n) for p, n, _ in printed}


# -- every kind of error, at its path and line ---------------------------------------------


def _rename_module(old: str, new: str):
    def mutate(pkg: Package) -> None:
        for path in [p for p in pkg.files if p.startswith(old + "/")]:
            pkg.files[new + path[len(old) :]] = pkg.files.pop(path)

    return mutate


def _rename_lesson(old: str, new: str):
    def mutate(pkg: Package) -> None:
        for lang in ("fr", "ar"):
            pkg.files[f"{new}.{lang}.md"] = pkg.files.pop(f"{old}.{lang}.md")

    return mutate


def _add_image(ref: str):
    return lambda pkg: pkg.replace(WHAT_FR_PATH, "Voir aussi", f"Schéma : ![schéma]({ref})\n\nVoir")


def _with_media(path: str, data: bytes, *, referenced: bool = True):
    def mutate(pkg: Package) -> None:
        pkg.set(path, data)
        if referenced:
            _add_image(path)(pkg)

    return mutate


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="1"/></svg>'
DTC_FR_PATH = "02-fault-codes/01-dtc-format.fr.md"
SINGLE_B = """      - id: b
        text: {fr: "16", ar: "16"}
        correct: true"""

# (id, mutation, path, line: int | needle in the mutated file | None, message fragment)
ERROR_CASES = [
    (
        "invalid-yaml-course",
        lambda p: p.replace("course.yml", "level: beginner", "level: beginner: oops"),
        "course.yml",
        "level: beginner: oops",
        "invalid yaml",
    ),
    (
        "invalid-yaml-module",
        lambda p: p.replace("01-fundamentals/module.yml", "  ar: الأساسيات", "  ar: أ: ب"),
        "01-fundamentals/module.yml",
        "  ar: أ: ب",
        "invalid yaml",
    ),
    (
        "invalid-yaml-quiz",
        lambda p: p.replace(QUIZ_PATH, "    answer: false", "    answer: false: true"),
        QUIZ_PATH,
        "answer: false: true",
        "invalid yaml",
    ),
    (
        "invalid-yaml-front-matter",
        lambda p: p.replace(WHAT_FR_PATH, "kind: theory", "kind: theory: oops"),
        WHAT_FR_PATH,
        "kind: theory: oops",
        "invalid yaml",
    ),
    (
        "unknown-domain",
        lambda p: p.replace("course.yml", "domain: automotive", "domain: cooking"),
        "course.yml",
        "domain: cooking",
        "unknown domain",
    ),
    (
        "unknown-network",
        lambda p: p.replace("course.yml", "network: DMK", "network: NOPE"),
        "course.yml",
        "network: NOPE",
        "unknown network",
    ),
    (
        "bad-course-slug",
        lambda p: p.replace("course.yml", "slug: obd-basics", "slug: OBD_Basics"),
        "course.yml",
        "slug: OBD_Basics",
        "slug",
    ),
    (
        "bad-module-folder-slug",
        _rename_module("02-fault-codes", "02-Fault_Codes"),
        "02-Fault_Codes",
        None,
        "slug",
    ),
    (
        "module-folder-without-number",
        _rename_module("02-fault-codes", "fault-codes"),
        "fault-codes",
        None,
        "nn-slug",
    ),
    (
        "bad-lesson-file-slug",
        _rename_lesson("02-fault-codes/01-dtc-format", "02-fault-codes/01-DTC_format"),
        "02-fault-codes/01-DTC_format.fr.md",
        None,
        "slug",
    ),
    (
        "missing-source-text-course-title",
        lambda p: p.replace("course.yml", "  fr: Diagnostic embarqué OBD-II\n", ""),
        "course.yml",
        "title:",
        "missing fr text",
    ),
    (
        "missing-source-text-competency-title",
        lambda p: p.replace("course.yml", "{fr: Lire un code défaut, ar:", "{ar:"),
        "course.yml",
        "{ar: قراءة رمز العطل}",
        "missing fr text",
    ),
    (
        "missing-source-text-module-title",
        lambda p: p.replace("02-fault-codes/module.yml", "fr: Lire les codes défaut, ", ""),
        "02-fault-codes/module.yml",
        "title:",
        "missing fr text",
    ),
    (
        "missing-source-text-quiz-prompt",
        lambda p: p.replace(QUIZ_PATH, '{fr: "Quelles broches sont des masses ?", ', "{"),
        QUIZ_PATH,
        'prompt: {ar: "ما هي الأطراف الأرضية؟"}',
        "missing fr text",
    ),
    (
        "missing-source-text-quiz-choice",
        lambda p: p.replace(
            QUIZ_PATH, '{id: c, text: {fr: "16", ar: "16"}}', "{id: c, text: {ar: x}}"
        ),
        QUIZ_PATH,
        "{id: c, text: {ar: x}}",
        "missing fr text",
    ),
    (
        "missing-course-title",
        lambda p: p.replace(
            "course.yml",
            "title:\n  fr: Diagnostic embarqué OBD-II\n  ar: التشخيص المدمج OBD-II\n",
            "",
        ),
        "course.yml",
        None,
        "missing title",
    ),
    (
        "missing-module-title",
        lambda p: p.set("02-fault-codes/module.yml", "summary: {fr: Les codes, ar: الرموز}\n"),
        "02-fault-codes/module.yml",
        None,
        "missing title",
    ),
    (
        "missing-module-yml",
        lambda p: p.remove("02-fault-codes/module.yml"),
        "02-fault-codes/module.yml",
        None,
        "module.yml",
    ),
    (
        "missing-lesson-title",
        lambda p: p.replace(WHAT_FR_PATH, "title: Qu'est-ce que l'OBD ?\n", ""),
        WHAT_FR_PATH,
        None,
        "missing title",
    ),
    (
        "missing-media-file",
        lambda p: p.replace(WHAT_FR_PATH, "media/connector.png", "media/nope.png"),
        WHAT_FR_PATH,
        "media/nope.png",
        "missing media",
    ),
    (
        "media-outside-media-folder",
        _add_image("images/a.png"),
        WHAT_FR_PATH,
        "images/a.png",
        "media/",
    ),
    (
        "media-data-url",
        _add_image("data:image/png;base64,iVBORw0KGgo="),
        WHAT_FR_PATH,
        "data:image/png",
        "media/",
    ),
    (
        "media-absolute-path",
        _add_image("/etc/passwd"),
        WHAT_FR_PATH,
        "/etc/passwd",
        "media/",
    ),
    (
        "media-remote-url",
        _add_image("https://tracker.example/pixel.png"),
        WHAT_FR_PATH,
        "tracker.example",
        "media/",
    ),
    (
        "media-escaping-with-dotdot",
        _add_image("media/../../etc/passwd"),
        WHAT_FR_PATH,
        "media/../../etc/passwd",
        "media",
    ),
    (
        "media-svg-refused",
        _with_media("media/x.svg", SVG),
        "media/x.svg",
        None,
        "type",
    ),
    (
        "media-exe-refused",
        _with_media("media/tool.exe", b"MZ\x90\x00\x03\x00\x00\x00", referenced=False),
        "media/tool.exe",
        None,
        "type",
    ),
    (
        "media-html-bytes-named-png",
        _with_media("media/notes.png", b"<!doctype html><script>alert(1)</script>"),
        "media/notes.png",
        None,
        "content",
    ),
    (
        "duplicate-question-id",
        lambda p: p.replace(QUIZ_PATH, "id: q2", "id: q1"),
        QUIZ_PATH,
        ("  - id: q1", 2),
        "duplicate question id",
    ),
    (
        "single-without-correct-choice",
        lambda p: p.replace(
            QUIZ_PATH, SINGLE_B, SINGLE_B.replace("correct: true", "correct: false")
        ),
        QUIZ_PATH,
        "choices:",
        "exactly one correct",
    ),
    (
        "single-with-two-correct-choices",
        lambda p: p.replace(
            QUIZ_PATH,
            '{id: a, text: {fr: "12", ar: "12"}}',
            '{id: a, text: {fr: "12", ar: "12"}, correct: true}',
        ),
        QUIZ_PATH,
        "choices:",
        "exactly one correct",
    ),
    (
        "multiple-without-correct-choice",
        lambda p: p.replace(QUIZ_PATH, '"4", ar: "4"}, correct: true}', '"4", ar: "4"}}').replace(
            QUIZ_PATH, '"5", ar: "5"}, correct: true}', '"5", ar: "5"}}'
        ),
        QUIZ_PATH,
        ("choices:", 2),
        "at least one correct",
    ),
    (
        "true-false-without-boolean",
        lambda p: p.replace(QUIZ_PATH, "answer: false", 'answer: "non"'),
        QUIZ_PATH,
        'answer: "non"',
        "true or false",
    ),
    (
        "true-false-without-answer",
        lambda p: p.replace(QUIZ_PATH, "    answer: false\n", ""),
        QUIZ_PATH,
        "id: q3",
        "true or false",
    ),
    (
        "numeric-without-number",
        lambda p: p.replace(QUIZ_PATH, "answer: 12", "answer: douze"),
        QUIZ_PATH,
        "answer: douze",
        "number",
    ),
    (
        "short-text-without-source-language-answers",
        lambda p: p.replace(QUIZ_PATH, 'fr: ["masse", "la masse"], ', ""),
        QUIZ_PATH,
        "accept:",
        "accepted answers",
    ),
    (
        "unknown-competency-in-quiz",
        lambda p: p.replace(QUIZ_PATH, "competencies: [C1]", "competencies: [C9]"),
        QUIZ_PATH,
        "competencies: [C9]",
        "unknown competency",
    ),
    (
        "unknown-competency-in-lesson",
        lambda p: p.replace(WHAT_FR_PATH, "competencies: [C1]", "competencies: [C9]"),
        WHAT_FR_PATH,
        "competencies: [C9]",
        "unknown competency",
    ),
    (
        "missing-source-language-lesson-file",
        lambda p: p.remove(DTC_FR_PATH),
        DTC_FR_PATH,
        None,
        "source-language",
    ),
    (
        "link-to-missing-lesson-file",
        lambda p: p.replace(WHAT_FR_PATH, "01-dtc-format.fr.md", "07-no-such-lesson.fr.md"),
        WHAT_FR_PATH,
        "07-no-such-lesson.fr.md",
        "does not exist",
    ),
    (
        "link-to-lesson-in-missing-module",
        lambda p: p.replace(WHAT_FR_PATH, "../02-fault-codes/", "../05-elsewhere/"),
        WHAT_FR_PATH,
        "../05-elsewhere/",
        "does not exist",
    ),
    (
        "duplicate-key-course",
        lambda p: p.replace("course.yml", "level: beginner", "level: beginner\nlevel: advanced"),
        "course.yml",
        "level: advanced",
        "duplicate key",
    ),
    (
        "duplicate-key-quiz",
        lambda p: p.replace(QUIZ_PATH, "pass_mark: 70", "pass_mark: 70\npass_mark: 80"),
        QUIZ_PATH,
        "pass_mark: 80",
        "duplicate key",
    ),
    (
        "duplicate-key-front-matter",
        lambda p: p.replace(WHAT_FR_PATH, "kind: theory", "kind: theory\nkind: practical"),
        WHAT_FR_PATH,
        "kind: practical",
        "duplicate key",
    ),
]


@pytest.mark.parametrize(
    "mutate, path, where, message", [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_each_error_is_reported_at_its_path_and_line(app, package, mutate, path, where, message):
    mutate(package)
    folder = package.write()
    report = report_for(app, folder)
    matching = [i for i in report.errors if i.path == path and says(i, message)]
    assert matching, (path, message, [str(i) for i in report.issues])
    line = None
    if where is not None:
        needle, occurrence = where if isinstance(where, tuple) else (where, 1)
        line = package.line(path, needle, occurrence)
        assert line in {i.line for i in matching}, (
            f"expected {path}:{line}: …{message}…",
            [str(i) for i in report.issues],
        )
    result = run(app, "courses", "validate", folder)
    assert result.exit_code == 1, result.output
    printed = {(p, n) for p, n, _ in issue_lines(result.output)}
    assert (path, line or matching[0].line or 1) in printed, result.output
    # and nothing of it reached the database
    assert run(app, "courses", "import", folder).exit_code == 1
    assert course_count(app) == 0


def test_media_over_the_size_limit_of_its_type_is_an_error(app, package, monkeypatch):
    from elearn.media import types

    monkeypatch.setitem(types.LIMITS, "image", 16)
    folder = package.write()
    report = report_for(app, folder)
    assert any(i.path == "media/connector.png" for i in report.errors), report.issues
    assert run(app, "courses", "import", folder).exit_code == 1
    assert course_count(app) == 0 and stored_objects(app) == []


def test_every_problem_is_reported_in_one_run(app, package):
    package.replace("course.yml", "domain: automotive", "domain: cooking")
    package.replace("course.yml", "network: DMK", "network: NOPE")
    package.replace("02-fault-codes/module.yml", "fr: Lire les codes défaut, ", "")
    package.replace(DTC_FR_PATH, "`P0301`", "`P0301` ![x](media/missing.png)")
    package.replace(QUIZ_PATH, "id: q2", "id: q1")
    package.replace(QUIZ_PATH, "answer: 12", "answer: douze")
    package.set("media/x.svg", SVG)
    expected = {
        ("course.yml", "unknown domain"),
        ("course.yml", "unknown network"),
        ("02-fault-codes/module.yml", "missing fr text"),
        (DTC_FR_PATH, "missing media"),
        (QUIZ_PATH, "duplicate question id"),
        (QUIZ_PATH, "number"),
        ("media/x.svg", "type"),
    }
    folder = package.write()
    report = report_for(app, folder)
    for path, fragment in expected:
        assert any(i.path == path and says(i, fragment) for i in report.errors), (path, fragment)
    result = run(app, "courses", "validate", folder)
    assert result.exit_code == 1
    assert len(issue_lines(result.output)) == len(report.issues)


LONG_MEDIA = "media/" + ("a" * 100 + "/") * 3 + "long.png"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: p.replace(WHAT_FR_PATH, "title: Qu'est-ce que l'OBD ?", "title: " + "T" * 400),
        lambda p: p.set(LONG_MEDIA, PNG).replace(WHAT_FR_PATH, "media/connector.png", LONG_MEDIA),
    ],
    ids=["lesson-title-of-400-characters", "media-path-of-320-characters"],
)
def test_what_validates_also_imports(app, package, mutate):
    """``validate`` exits 0 "when it can be imported": a text the database cannot hold must
    be reported by validation, not end the import with a database error."""
    mutate(package)
    folder = package.write()
    validated = run(app, "courses", "validate", folder)
    imported = run(app, "courses", "import", folder)
    assert (validated.exit_code, imported.exit_code) in {(0, 0), (1, 1)}, (
        validated.output,
        repr(imported.exception),
    )
    if imported.exit_code:
        assert course_count(app) == 0 and stored_objects(app) == []


# -- warnings ------------------------------------------------------------------------------


def test_a_missing_translation_is_a_warning_and_imports(app, package):
    package.remove("02-fault-codes/01-dtc-format.ar.md")
    # the Arabic text of another lesson links to it: make that link plain text here
    package.replace(
        WHAT_AR_PATH, "[صيغة الرموز](../02-fault-codes/01-dtc-format.ar.md)", "صيغة الرموز"
    )
    folder = package.write()
    report = report_for(app, folder)
    assert report.errors == []
    assert [(w.path, says(w, "no ar version")) for w in report.warnings] == [(DTC_FR_PATH, True)]
    result = run(app, "courses", "import", folder)
    assert result.exit_code == 0, result.output
    from elearn.authoring import services
    from elearn.authoring.models import Lesson

    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "dtc-format"))
        assert sorted(c.lang for c in lesson.contents) == ["fr"]
        assert services.translation_state(lesson, "ar", "fr") == "missing"


def test_a_link_to_a_lesson_whose_translation_is_missing_is_not_an_error(app, package):
    """The spec: a language with no file for a lesson is a warning, the lesson falls back to
    another language. A translator's link to that lesson (written to the file in their
    language, as the spec's example does) must not make the whole package fail; the importer
    itself resolves lesson links by (module, lesson) and would render it fine."""
    package.remove("02-fault-codes/01-dtc-format.ar.md")
    folder = package.write()
    report = report_for(app, folder)
    assert [str(e) for e in report.errors] == []
    assert any(says(w, "no ar version") for w in report.warnings)
    assert run(app, "courses", "import", folder).exit_code == 0


def test_raw_html_is_a_warning_and_is_stripped_at_import(app, package):
    package.replace(
        WHAT_FR_PATH,
        "Voir aussi",
        '<div onclick="steal()">Attention au court-circuit</div>\n\nVoir',
    )
    folder = package.write()
    report = report_for(app, folder)
    assert report.errors == []
    assert [(w.path, w.line) for w in report.warnings] == [
        (WHAT_FR_PATH, package.line(WHAT_FR_PATH, "onclick"))
    ]
    result = run(app, "courses", "import", folder)
    assert result.exit_code == 0, result.output
    from elearn.authoring.models import LessonContent

    with app.app_context():
        html = db.session.scalar(
            select(LessonContent.html).where(LessonContent.title == "Qu'est-ce que l'OBD ?")
        )
    assert "Attention au court-circuit" in html
    assert "onclick" not in html and "steal" not in html


# -- hostile packages (T36-T39) ------------------------------------------------------------

BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""

BOMB_MB = 300


def _write_bomb(base: Path, *, lie_about_size: bool = False) -> Path:
    """The valid package plus one entry of 300 MB of zeros (about 300 KB compressed), written
    in streaming so the test never holds it in memory."""
    pkg = Package(base)
    out = base / ("bomb-lying.zip" if lie_about_size else "bomb.zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in pkg.files.items():
            archive.writestr(f"{SLUG}/{path}", content)
        with archive.open(f"{SLUG}/media/demo.mp4", "w") as fh:
            block = bytes(1024 * 1024)
            for _ in range(BOMB_MB):
                fh.write(block)
    if lie_about_size:  # the archive claims the entry holds 1000 bytes
        data = bytearray(out.read_bytes())
        name = f"{SLUG}/media/demo.mp4".encode()
        local = data.index(b"PK\x03\x04")
        while data[local + 30 : local + 30 + len(name)] != name:
            local = data.index(b"PK\x03\x04", local + 4)
        struct.pack_into("<I", data, local + 22, 1000)
        central = data.index(b"PK\x01\x02")
        while data[central + 46 : central + 46 + len(name)] != name:
            central = data.index(b"PK\x01\x02", central + 4)
        struct.pack_into("<I", data, central + 24, 1000)
        out.write_bytes(bytes(data))
        with zipfile.ZipFile(out) as archive:
            assert archive.getinfo(f"{SLUG}/media/demo.mp4").file_size == 1000
    return out


@pytest.fixture(scope="session")
def zip_bombs(tmp_path_factory):
    base = tmp_path_factory.mktemp("bombs")
    return {"honest": _write_bomb(base), "lying": _write_bomb(base, lie_about_size=True)}


def _symlink_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _huge_lesson() -> str:
    body = os.urandom(600 * 1024).hex()  # 1.2 MB that does not compress
    return f"---\ntitle: Énorme\n---\n\n{body}\n"


# (id, build(pkg, tmp_path, monkeypatch, bombs) -> path, issue path, message fragments)
HOSTILE = [
    (
        "zip-slip-dotdot",
        lambda pkg, tmp, mp, b: pkg.zip(folder=False, extra=[("../../evil.txt", b"pwned")]),
        "../../evil.txt",
        ("escape",),
    ),
    (
        "zip-slip-dotdot-inside-folder",
        lambda pkg, tmp, mp, b: pkg.zip(extra=[(f"{SLUG}/../../evil.txt", b"pwned")]),
        f"{SLUG}/../../evil.txt",
        ("escape",),
    ),
    (
        "zip-slip-absolute",
        lambda pkg, tmp, mp, b: pkg.zip(
            folder=False, extra=[("/etc/cron.d/x", b"* * * * * root id")]
        ),
        "/etc/cron.d/x",
        ("escape",),
    ),
    (
        "zip-slip-backslashes",
        lambda pkg, tmp, mp, b: pkg.zip(folder=False, extra=[("..\\..\\x", b"pwned")]),
        "..\\..\\x",
        ("escape",),
    ),
    (
        "zip-symlink-entry",
        lambda pkg, tmp, mp, b: pkg.zip(
            extra=[(_symlink_info(f"{SLUG}/media/passwd.png"), b"/etc/passwd")]
        ),
        "media/passwd.png",
        ("symbolic link",),
    ),
    (
        "zip-symlink-folder-then-a-file-through-it",
        lambda pkg, tmp, mp, b: pkg.zip(
            extra=[
                (_symlink_info(f"{SLUG}/media/etc"), b"/etc"),
                (f"{SLUG}/media/etc/passwd.png", PNG),
            ]
        ),
        "media/etc",
        ("symbolic link",),
    ),
    (
        "folder-symlink-to-file",
        lambda pkg, tmp, mp, b: _folder_with_symlink(pkg, "/etc/passwd", "media/passwd.png"),
        "media/passwd.png",
        ("symbolic link",),
    ),
    (
        "folder-symlink-to-folder",
        lambda pkg, tmp, mp, b: _folder_with_symlink(pkg, "/", "media/root"),
        "media/root",
        ("symbolic link",),
    ),
    (
        "zip-bomb",
        lambda pkg, tmp, mp, b: b["honest"],
        "media/demo.mp4",
        ("bomb", "ratio", "larger", "too large"),
    ),
    (
        "zip-bomb-lying-about-its-size",
        lambda pkg, tmp, mp, b: b["lying"],
        "media/demo.mp4",
        ("",),
    ),
    (
        "too-many-entries-zip",
        lambda pkg, tmp, mp, b: _few_entries_allowed(mp) or pkg.zip(),
        SLUG,
        ("too many",),
    ),
    (
        "too-many-entries-folder",
        lambda pkg, tmp, mp, b: _few_entries_allowed(mp) or pkg.write(),
        "",
        ("too many",),
    ),
    (
        "yaml-alias-bomb-folder",
        lambda pkg, tmp, mp, b: pkg.set("course.yml", BILLION_LAUGHS + COURSE_YML).write(),
        "course.yml",
        ("alias",),
    ),
    (
        "yaml-alias-bomb-zip",
        lambda pkg, tmp, mp, b: pkg.set("course.yml", BILLION_LAUGHS + COURSE_YML).zip(),
        "course.yml",
        ("alias",),
    ),
    (
        "yaml-python-tag-folder",
        lambda pkg, tmp, mp, b: pkg.set("course.yml", _python_tag(tmp)).write(),
        "course.yml",
        ("invalid yaml",),
    ),
    (
        "yaml-python-tag-zip",
        lambda pkg, tmp, mp, b: pkg.set("course.yml", _python_tag(tmp)).zip(),
        "course.yml",
        ("invalid yaml",),
    ),
    (
        "yaml-nested-too-deeply",
        lambda pkg, tmp, mp, b: pkg.set(
            "course.yml", COURSE_YML + "x: " + "{a: " * 20000 + "1" + "}" * 20000 + "\n"
        ).write(),
        "course.yml",
        ("invalid yaml",),
    ),
    (
        "oversized-markdown-folder",
        lambda pkg, tmp, mp, b: pkg.set("02-fault-codes/02-huge.fr.md", _huge_lesson()).write(),
        "02-fault-codes/02-huge.fr.md",
        ("larger", "too large", "limit"),
    ),
    (
        "oversized-markdown-zip",
        lambda pkg, tmp, mp, b: pkg.set("02-fault-codes/02-huge.fr.md", _huge_lesson()).zip(),
        "02-fault-codes/02-huge.fr.md",
        ("larger", "too large", "limit"),
    ),
]


def _folder_with_symlink(pkg: Package, target: str, link: str) -> Path:
    folder = pkg.write()
    os.symlink(target, folder / link)
    return folder


def _few_entries_allowed(monkeypatch) -> None:
    from elearn.authoring.package import files

    monkeypatch.setattr(files, "MAX_ENTRIES", 5)


def _python_tag(tmp: Path) -> str:
    marker = tmp / "pwned"
    return COURSE_YML + f'owner: !!python/object/apply:os.system ["touch {marker}"]\n'


def _snapshot(tmp_path: Path) -> dict[Path, set[str]]:
    """Names in the folders a path escape would reach (those no other process writes to)."""
    places = [tmp_path.parent, Path("/etc/cron.d")]
    return {p: set(os.listdir(p)) for p in places if p.is_dir()}


def _escaped(tmp_path: Path) -> list[Path]:
    """Files the hostile entries would have written, wherever a careless extractor puts them."""
    places = [tmp_path, tmp_path.parent, tmp_path.parent.parent, Path.cwd(), Path("/tmp")]
    names = ("evil.txt", "x", "..\\..\\x", "pwned")
    return [p / n for p in places for n in names if (p / n).exists()]


@pytest.mark.parametrize(
    "build, issue_path, fragments", [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_hostile_package_is_refused_without_harm(
    app, package, tmp_path, monkeypatch, zip_bombs, build, issue_path, fragments
):
    target = build(package, tmp_path, monkeypatch, zip_bombs)
    before = _snapshot(tmp_path)
    assert _escaped(tmp_path) == []
    report = report_for(app, target)
    assert not report.valid
    assert any(
        (i.path == issue_path or i.path.endswith("/" + issue_path) or not issue_path)
        and any(says(i, f) for f in fragments)
        for i in report.errors
    ), [str(i) for i in report.issues]
    result = run(app, "courses", "import", target)
    assert result.exit_code != 0, result.output
    assert course_count(app) == 0
    assert stored_objects(app) == []
    assert _snapshot(tmp_path) == before
    assert _escaped(tmp_path) == []


# -- import --------------------------------------------------------------------------------


def _links(html: str) -> dict[str, list[str]]:
    """``{"href": [...], "src": [...]}`` of a piece of HTML."""
    found: dict[str, list[str]] = {"href": [], "src": []}

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                if name in found:
                    found[name].append(value or "")

    parser = Parser()
    parser.feed(html)
    parser.close()
    return found


def _course(slug: str = SLUG):
    from elearn.authoring.services import course_by_slug

    return course_by_slug(db.session, slug)


def published_html(content) -> str | None:
    """The HTML learners see (kept apart from the snapshot in newer schemas)."""
    if hasattr(content, "published_html"):
        return content.published_html
    return (content.published or {}).get("html")


def _state(app) -> dict:
    """Everything an import may change, as plain values."""
    from elearn.authoring.models import LessonRevision
    from elearn.media.models import MediaAsset

    with app.app_context():
        course = _course()
        lessons, contents, questions = {}, {}, {}
        for module in course.modules:
            for lesson in module.lessons:
                lessons[(module.slug, lesson.slug)] = (lesson.id, lesson.archived_at)
                for content in lesson.contents:
                    contents[(module.slug, lesson.slug, content.lang)] = (
                        content.id,
                        content.title,
                        content.markdown,
                        content.html,
                        content.source_hash,
                        content.based_on_hash,
                    )
            if module.quiz is not None:
                for question in module.quiz.questions:
                    questions[(module.slug, question.key)] = (
                        question.id,
                        question.spec,
                        question.rendered,
                        question.archived_at,
                    )
        return {
            "course": (course.id, course.status, course.title, course.published is not None),
            "modules": {m.slug: (m.id, m.title, m.archived_at) for m in course.modules},
            "lessons": lessons,
            "contents": contents,
            "questions": questions,
            "revisions": db.session.scalar(select(func.count()).select_from(LessonRevision)),
            "media": sorted(
                (a.path, a.key, a.removed_at)
                for a in db.session.scalars(
                    select(MediaAsset).where(MediaAsset.course_id == course.id)
                )
            ),
            "objects": stored_objects(app),
        }


def test_valid_package_imports_everything(app, package):
    from elearn.authoring.models import LessonRevision, Question
    from elearn.media.models import MediaAsset
    from elearn.media.storage import get_storage

    result = run(app, "courses", "import", package.write())
    assert result.exit_code == 0, result.output
    with app.app_context():
        course = _course()
        assert course.status == "draft" and course.published is None
        assert course.domain == "automotive" and course.network.code == "DMK"
        assert course.source_language == "fr" and course.languages == ["fr", "ar"]
        assert course.level == "beginner" and course.estimated_hours == 6
        assert course.title == {"fr": "Diagnostic embarqué OBD-II", "ar": "التشخيص المدمج OBD-II"}
        assert [c["code"] for c in course.competencies] == ["C1", "C2"]
        assert [(m.slug, m.position) for m in course.modules] == [
            ("fundamentals", 1),
            ("fault-codes", 2),
        ]
        fundamentals, fault_codes = course.modules
        assert fundamentals.title == {"fr": "Les fondamentaux", "ar": "الأساسيات"}
        assert fault_codes.title == {"fr": "Lire les codes défaut", "ar": "قراءة رموز الأعطال"}
        assert [(lesson.slug, lesson.position) for lesson in fundamentals.lessons] == [
            ("what-is-obd", 1),
            ("connector-pinout", 2),
        ]
        what, pinout = fundamentals.lessons
        assert (what.kind, what.duration_minutes, what.competencies) == ("theory", 15, ["C1"])
        assert (pinout.kind, pinout.duration_minutes) == ("practical", 30)
        assert pinout.competencies == ["C1", "C2"]
        assert pinout.equipment == {
            "fr": ["Valise de diagnostic OBD-II", "Multimètre"],
            "ar": ["جهاز تشخيص OBD-II", "مقياس متعدد"],
        }
        assert pinout.safety == {
            "fr": "Couper le contact avant de brancher l'outil.",
            "ar": "أوقف المحرك قبل توصيل الجهاز.",
        }
        for lesson in (what, pinout, fault_codes.lessons[0]):
            assert sorted(c.lang for c in lesson.contents) == ["ar", "fr"]
        assert what.content("ar").title == "ما هو OBD؟"
        assert what.content("fr").markdown.startswith("# Qu'est-ce que l'OBD ?")
        for lang in ("fr", "ar"):
            links = _links(what.content(lang).html)
            assert links["src"] == ["/courses/obd-basics/media/connector.png"]
            assert links["href"] == [
                "/courses/obd-basics/media/connector.png",  # the image opens full size
                f"/courses/obd-basics/modules/fault-codes/lessons/dtc-format?content={lang}",
            ]
            assert _links(pinout.content(lang).html)["href"] == [
                f"/courses/obd-basics/modules/fundamentals/lessons/what-is-obd?content={lang}"
            ]
        assert '<table tabindex="0">' in pinout.content("fr").html
        assert db.session.scalar(select(func.count()).select_from(LessonRevision)) == 6

        quiz = fundamentals.quiz
        assert fault_codes.quiz is None
        assert quiz.title == {"fr": "Quiz — les fondamentaux", "ar": "اختبار — الأساسيات"}
        assert (quiz.pass_mark, quiz.max_attempts, quiz.time_limit_minutes, quiz.shuffle) == (
            70,
            3,
            15,
            True,
        )
        questions = list(db.session.scalars(select(Question).order_by(Question.position)))
        assert [(q.key, q.type, q.points) for q in questions] == [
            ("q1", "single", 1),
            ("q2", "multiple", 2),
            ("q3", "true_false", 1),
            ("q4", "numeric", 1),
            ("q5", "short_text", 1),
        ]
        q1, q2, q3, q4, q5 = questions
        assert [c["correct"] for c in q1.spec["choices"]] == [False, True]
        assert [c["correct"] for c in q2.spec["choices"]] == [True, True, False]
        assert q3.spec["answer"] is False
        assert (q4.spec["answer"], q4.spec["tolerance"]) == (12, 0.5)
        assert q5.spec["accept"] == {"fr": ["masse", "la masse"], "ar": ["الأرضي", "الأرض"]}
        assert q1.rendered["fr"]["prompt"] == "Combien de broches compte le connecteur OBD-II ?"
        assert q1.rendered["ar"]["choices"] == {"a": "12", "b": "16"}

        (asset,) = db.session.scalars(select(MediaAsset))
        assert (asset.course_id, asset.path, asset.content_type) == (
            course.id,
            "media/connector.png",
            "image/png",
        )
        assert asset.size == len(PNG) and asset.removed_at is None
        assert get_storage().get(asset.key) == PNG
        assert stored_objects(app) == [asset.key]


def test_publish_flag_publishes_with_snapshots(app, package):
    result = run(app, "courses", "import", package.write(), "--publish")
    assert result.exit_code == 0, result.output
    with app.app_context():
        course = _course()
        assert course.status == "published" and course.published_at is not None
        assert course.published["title"] == course.title
        for module in course.modules:
            assert module.published["title"] == module.title
            for lesson in module.lessons:
                assert lesson.published is not None
                for content in lesson.contents:
                    assert content.published["title"] == content.title
                    assert published_html(content) == content.html
        quiz = course.modules[0].quiz
        assert quiz.published["pass_mark"] == 70
        assert all(q.published["spec"] == q.spec for q in quiz.questions)


def test_reimport_keeps_identity_and_records_a_revision(app, package):
    assert run(app, "courses", "import", package.write("v1"), "--publish").exit_code == 0
    before = _state(app)
    package.replace(WHAT_FR_PATH, "title: Qu'est-ce que l'OBD ?", "title: L'OBD en bref")
    package.replace(QUIZ_PATH, "Combien de broches", "Combien de contacts")
    result = run(app, "courses", "import", package.write("v2"))
    assert result.exit_code == 0, result.output
    after = _state(app)
    assert after["course"][0] == before["course"][0]
    assert {k: v[0] for k, v in after["modules"].items()} == {
        k: v[0] for k, v in before["modules"].items()
    }
    assert {k: v[0] for k, v in after["lessons"].items()} == {
        k: v[0] for k, v in before["lessons"].items()
    }
    assert {k: v[0] for k, v in after["contents"].items()} == {
        k: v[0] for k, v in before["contents"].items()
    }
    assert {k: v[0] for k, v in after["questions"].items()} == {
        k: v[0] for k, v in before["questions"].items()
    }
    assert after["revisions"] == before["revisions"] + 1
    assert after["contents"][("fundamentals", "what-is-obd", "fr")][1] == "L'OBD en bref"
    q1 = after["questions"][("fundamentals", "q1")]
    assert q1[1]["prompt"]["fr"].startswith("Combien de contacts")
    from elearn.authoring.models import LessonRevision

    with app.app_context():
        course = _course()
        # the change is in the working copy; the published version stays what learners see
        what = course.modules[0].lessons[0]
        assert what.content("fr").published["title"] == "Qu'est-ce que l'OBD ?"
        titles = list(
            db.session.scalars(
                select(LessonRevision.title)
                .where(LessonRevision.lesson_id == what.id, LessonRevision.lang == "fr")
                .order_by(LessonRevision.id)
            )
        )
        assert titles == ["Qu'est-ce que l'OBD ?", "L'OBD en bref"]


def test_reimport_with_publish_publishes_the_change(app, package):
    assert run(app, "courses", "import", package.write("v1"), "--publish").exit_code == 0
    package.replace(WHAT_FR_PATH, "title: Qu'est-ce que l'OBD ?", "title: L'OBD en bref")
    package.replace(WHAT_FR_PATH, "sous le volant", "sous la planche de bord")
    result = run(app, "courses", "import", package.write("v2"), "--publish")
    assert result.exit_code == 0, result.output
    with app.app_context():
        course = _course()
        content = course.modules[0].lessons[0].content("fr")
        assert content.title == "L'OBD en bref"
        assert course.status == "published"
        assert content.published["title"] == "L'OBD en bref"
        assert "planche de bord" in published_html(content)


def test_what_disappears_from_the_package_is_archived_not_deleted(app, package):
    assert run(app, "courses", "import", package.write("v1")).exit_code == 0
    before = _state(app)
    for path in [p for p in package.files if p.startswith("02-fault-codes/")]:
        package.remove(path)
    package.remove(PINOUT_FR_PATH).remove("01-fundamentals/02-connector-pinout.ar.md")
    package.replace(
        WHAT_FR_PATH, "[le format des codes](../02-fault-codes/01-dtc-format.fr.md)", "x"
    )
    package.replace(WHAT_AR_PATH, "[صيغة الرموز](../02-fault-codes/01-dtc-format.ar.md)", "x")
    quiz = package.text(QUIZ_PATH)
    start, end = quiz.index("  - id: q3"), quiz.index("  - id: q4")
    package.set(QUIZ_PATH, quiz[:start] + quiz[end:])
    result = run(app, "courses", "import", package.write("v2"))
    assert result.exit_code == 0, result.output
    after = _state(app)
    assert after["modules"]["fault-codes"][0] == before["modules"]["fault-codes"][0]
    assert after["modules"]["fault-codes"][2] is not None
    assert after["modules"]["fundamentals"][2] is None
    pinout = after["lessons"][("fundamentals", "connector-pinout")]
    assert pinout[0] == before["lessons"][("fundamentals", "connector-pinout")][0]
    assert pinout[1] is not None
    assert after["lessons"][("fundamentals", "what-is-obd")][1] is None
    q3 = after["questions"][("fundamentals", "q3")]
    assert q3[0] == before["questions"][("fundamentals", "q3")][0] and q3[3] is not None
    assert all(v[3] is None for k, v in after["questions"].items() if k != ("fundamentals", "q3"))
    # the learners' rows are all there, and the package brings them back by identity
    assert run(app, "courses", "import", Package(package.base).write("v3")).exit_code == 0
    restored = _state(app)
    assert {k: v[0] for k, v in restored["lessons"].items()} == {
        k: v[0] for k, v in before["lessons"].items()
    }
    assert all(v[1] is None for v in restored["lessons"].values())
    assert all(v[2] is None for v in restored["modules"].values())
    assert all(v[3] is None for v in restored["questions"].values())


def test_changing_the_source_text_makes_translations_stale(app, package):
    from elearn.authoring.services import translation_state

    def states():
        with app.app_context():
            what = _course().modules[0].lessons[0]
            return translation_state(what, "fr", "fr"), translation_state(what, "ar", "fr")

    assert run(app, "courses", "import", package.write("v1")).exit_code == 0
    assert states() == ("current", "current")
    package.replace(WHAT_FR_PATH, "se trouve sous le volant", "se trouve sous la planche de bord")
    assert run(app, "courses", "import", package.write("v2")).exit_code == 0
    assert states() == ("current", "stale")
    package.replace(WHAT_AR_PATH, "تحت المقود", "تحت لوحة القيادة")
    assert run(app, "courses", "import", package.write("v3")).exit_code == 0
    assert states() == ("current", "current")


def _fail_in_quiz(monkeypatch, app, seen: list):
    """Make the importer fail after the media went to storage (as a database error would)."""
    from elearn.authoring.package import importer

    def broken(*args, **kwargs):
        seen.append(stored_objects(app))
        raise RuntimeError("the database went away")

    monkeypatch.setattr(importer, "_quiz", broken)


def test_an_import_failing_halfway_leaves_nothing(app, package, monkeypatch):
    seen: list = []
    _fail_in_quiz(monkeypatch, app, seen)
    result = run(app, "courses", "import", package.write(), "--publish")
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
    assert seen and seen[0] != []  # the media had been stored when it failed
    from elearn.authoring.models import LessonRevision
    from elearn.media.models import MediaAsset

    assert course_count(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MediaAsset)) == 0
        assert db.session.scalar(select(func.count()).select_from(LessonRevision)) == 0
    assert stored_objects(app) == []


def test_a_reimport_failing_halfway_leaves_the_previous_version(app, package, monkeypatch):
    assert run(app, "courses", "import", package.write("v1"), "--publish").exit_code == 0
    before = _state(app)
    package.set("media/second.png", png_1x1(b"\x00\x00\xff\xff"))
    package.replace(DTC_FR_PATH, "`P0301`", "`P0301` ![second](media/second.png)")
    package.replace(WHAT_FR_PATH, "title: Qu'est-ce que l'OBD ?", "title: L'OBD en bref")
    seen: list = []
    _fail_in_quiz(monkeypatch, app, seen)
    result = run(app, "courses", "import", package.write("v2"))
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    assert len(seen[0]) == 2  # the new image had been stored
    assert _state(app) == before  # the old object stays, the new one is gone


# -- export and round trip -----------------------------------------------------------------


def _parsed(files: dict[str, bytes | str]) -> dict[str, object]:
    """Each file as data: YAML parsed, lessons split into (front matter, body), media bytes."""
    from elearn.authoring.package.lessons import split_front_matter

    out: dict[str, object] = {}
    for path, content in files.items():
        if path.startswith("media/"):
            out[path] = content
            continue
        text = content.decode() if isinstance(content, bytes) else content
        if path.endswith(".yml"):
            out[path] = yaml.safe_load(text)
        else:
            front, body, _ = split_front_matter(text)
            out[path] = (yaml.safe_load(front), body)
    return out


def test_export_round_trips(app, package, tmp_path):
    assert run(app, "courses", "import", package.write(), "--publish").exit_code == 0
    before = _state(app)
    out = tmp_path / "export" / "obd.zip"
    out.parent.mkdir()
    result = run(app, "courses", "export", SLUG, out)
    assert result.exit_code == 0, result.output
    report = report_for(app, out)
    assert [str(i) for i in report.issues] == []
    assert run(app, "courses", "validate", out).exit_code == 0

    with zipfile.ZipFile(out) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        assert all(n.startswith(f"{SLUG}/") for n in names)
        exported = {n[len(SLUG) + 1 :]: archive.read(n) for n in names}
    assert sorted(exported) == sorted(package.files)
    assert _parsed(exported) == _parsed(package.files)

    # importing the export over the course changes nothing
    result = run(app, "courses", "import", out)
    assert result.exit_code == 0, result.output
    assert _state(app) == before
    result = run(app, "courses", "import", out, "--publish")
    assert result.exit_code == 0, result.output
    assert _state(app) == before


def test_export_of_an_unknown_course_fails(app, tmp_path):
    result = run(app, "courses", "export", "no-such-course", tmp_path / "x.zip")
    assert result.exit_code == 1
    assert not (tmp_path / "x.zip").exists()


# -- who may import what -------------------------------------------------------------------


def _import_as(app, path: Path, user_id: int | None):
    """import_course as the given user, committed, or rolled back with its media removed."""
    from elearn.accounts.models import User
    from elearn.authoring.package.importer import StagedMedia, import_course
    from elearn.core.db import utcnow
    from elearn.media.storage import get_storage

    report = report_for(app, path)
    assert report.valid, [str(i) for i in report.errors]
    with app.app_context():
        staged = StagedMedia(get_storage())
        actor = db.session.get(User, user_id) if user_id else None
        try:
            course = import_course(db.session, report, actor=actor, staged=staged, now=utcnow())
            db.session.commit()
            return course.id
        except BaseException:
            added = list(staged.added)
            db.session.rollback()
            staged.discard()
            assert added == [], "media were stored before the permission check"
            raise


def _aeromac(package: Package) -> Package:
    return package.replace("course.yml", "network: DMK", "network: AEROMAC").replace(
        "course.yml", "domain: automotive", "domain: aeronautics"
    )


@pytest.mark.parametrize(
    "role, network, allowed",
    [
        ("expert", "DMK", False),
        ("expert", "AEROMAC", True),
        ("admin", "DMK", True),
        ("trainer", "AEROMAC", False),
        ("trainee", "AEROMAC", False),
    ],
)
def test_who_may_import_a_new_aeromac_course(app, make, package, role, network, allowed):
    from elearn.authoring.services import AuthoringError

    user = make.user(role, network=network)
    folder = _aeromac(package).write()
    if allowed:
        assert _import_as(app, folder, user.id)
        assert course_count(app) == 1
    else:
        with pytest.raises(AuthoringError) as refused:
            _import_as(app, folder, user.id)
        assert refused.value.status == 403
        assert course_count(app) == 0
        assert stored_objects(app) == []


@pytest.mark.parametrize(
    "role, network, allowed",
    [
        ("expert", "DMK", False),
        ("expert", "AEROMAC", True),
        ("admin", "DMK", True),
    ],
)
def test_who_may_update_an_existing_aeromac_course(app, make, package, role, network, allowed):
    from elearn.authoring.services import AuthoringError

    user = make.user(role, network=network)
    assert run(app, "courses", "import", _aeromac(package).write("v1")).exit_code == 0
    before = _state(app)
    package.replace(WHAT_FR_PATH, "title: Qu'est-ce que l'OBD ?", "title: Piraté")
    package.set("media/other.png", png_1x1(b"\x00\xff\x00\xff"))
    package.replace(DTC_FR_PATH, "`P0301`", "![o](media/other.png)")
    folder = package.write("v2")
    if allowed:
        _import_as(app, folder, user.id)
        after = _state(app)
        assert after["contents"][("fundamentals", "what-is-obd", "fr")][1] == "Piraté"
        assert len(after["objects"]) == 2
    else:
        with pytest.raises(AuthoringError) as refused:
            _import_as(app, folder, user.id)
        assert refused.value.status == 403
        assert _state(app) == before


def test_an_expert_cannot_take_a_course_into_their_network(app, make, package):
    """A DMK expert re-importing an AEROMAC course's package with ``network: DMK``."""
    from elearn.authoring.services import AuthoringError

    dmk = make.user("expert", network="DMK")
    assert run(app, "courses", "import", _aeromac(package).write("v1")).exit_code == 0
    before = _state(app)
    package.replace("course.yml", "network: AEROMAC", "network: DMK")
    with pytest.raises(AuthoringError) as refused:
        _import_as(app, package.write("v2"), dmk.id)
    assert refused.value.status == 403
    assert _state(app) == before
    with app.app_context():
        assert _course().network.code == "AEROMAC"


def test_only_an_admin_moves_a_course_to_another_network(app, make, package):
    from elearn.authoring.services import AuthoringError

    aeromac = make.user("expert", network="AEROMAC")
    admin = make.user("admin")
    assert run(app, "courses", "import", _aeromac(package).write("v1")).exit_code == 0
    package.replace("course.yml", "network: AEROMAC", "network: DMK")
    folder = package.write("v2")
    with pytest.raises(AuthoringError) as refused:
        _import_as(app, folder, aeromac.id)
    assert refused.value.status == 403
    _import_as(app, folder, admin.id)
    with app.app_context():
        assert _course().network.code == "DMK"
