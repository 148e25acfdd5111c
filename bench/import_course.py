"""Benchmark: import a generated 100-lesson bilingual course on SQLite (target < 3 s).

    .venv/bin/python bench/import_course.py [--lessons 100] [--database-url URL]

Prints the validation and import times. Uses a fresh SQLite file in a temporary folder
unless a database URL is given.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PARAGRAPH_FR = ("Le calculateur moteur lit les capteurs, compare les valeurs aux seuils et "
                "enregistre un code défaut lorsqu'une mesure sort de la plage attendue. ")
PARAGRAPH_AR = ("يقرأ حاسوب المحرك الحساسات ويقارن القيم بالعتبات ويسجل رمز عطل عندما "
                "تخرج قيمة عن المجال المتوقع. ")


def lesson_body(paragraph: str, n: int) -> str:
    table = "| Code | Système |\n|---|---|\n" + "".join(
        f"| P0{n:03d} | Moteur {i} |\n" for i in range(8))
    code = "```\n" + "\n".join(f"PID 0x{i:02X} = {i * 7}" for i in range(10)) + "\n```\n"
    return "\n\n".join([f"## Partie {n}", paragraph * 25, table, code, paragraph * 25])


def generate(root: Path, lessons: int) -> Path:
    course = root / "bench-course"
    (course / "media").mkdir(parents=True)
    (course / "course.yml").write_text(
        "slug: bench-course\ndomain: automotive\nnetwork: DMK\nsource_language: fr\n"
        "languages: [fr, ar]\nlevel: beginner\nestimated_hours: 40\n"
        "title: {fr: Cours de mesure, ar: دورة القياس}\nsummary: {fr: Mesure., ar: قياس.}\n",
        encoding="utf-8")
    per_module = 10
    for m in range(lessons // per_module):
        folder = course / f"{m + 1:02d}-module-{m + 1}"
        folder.mkdir()
        (folder / "module.yml").write_text(
            f"title: {{fr: Module {m + 1}, ar: الوحدة {m + 1}}}\n", encoding="utf-8")
        for i in range(per_module):
            n = m * per_module + i + 1
            stem = f"{i + 1:02d}-lesson-{n}"
            (folder / f"{stem}.fr.md").write_text(
                f"---\ntitle: Leçon {n}\nduration_minutes: 15\n---\n\n"
                + lesson_body(PARAGRAPH_FR, n), encoding="utf-8")
            (folder / f"{stem}.ar.md").write_text(
                f"---\ntitle: الدرس {n}\n---\n\n" + lesson_body(PARAGRAPH_AR, n),
                encoding="utf-8")
        (folder / "quiz.yml").write_text(
            "title: {fr: Quiz, ar: اختبار}\nquestions:\n" + "".join(
                f"  - id: q{q}\n    type: true_false\n    prompt: {{fr: \"Vrai {q} ?\", ar: \"صحيح {q}؟\"}}\n"
                f"    answer: true\n" for q in range(5)), encoding="utf-8")
    return course


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", type=int, default=100)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["ELEARN_INSTANCE_DIR"] = str(root / "instance")
        os.environ["ELEARN_DATABASE_URL"] = args.database_url or f"sqlite:///{root / 'b.sqlite3'}"
        from elearn.core.migrations import upgrade

        from elearn import create_app
        from elearn.authoring.package.files import read_package
        from elearn.authoring.package.importer import StagedMedia, import_course
        from elearn.authoring.package.validate import validate_package
        from elearn.core.db import utcnow
        from elearn.extensions import db
        from elearn.media.storage import get_storage

        package = generate(root, args.lessons)
        app = create_app()
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            report = validate_package(read_package(package), networks={"DMK"})
            validated = time.perf_counter()
            assert report.valid, [str(i) for i in report.errors]
            import_course(db.session, report, actor=None, staged=StagedMedia(get_storage()),
                          now=utcnow())
            db.session.commit()
            done = time.perf_counter()
        size = sum(p.stat().st_size for p in package.rglob("*.md")) // 1024
        print(f"lessons: {args.lessons} (fr + ar, {size} KiB of Markdown)")
        print(f"validate: {validated - started:.2f} s")
        print(f"import:   {done - validated:.2f} s")
        print(f"total:    {done - started:.2f} s (target < 3 s on SQLite)")


if __name__ == "__main__":
    main()
