"""Seed a realistic, deterministic dataset into SQLite or PostgreSQL (empties it first).

    .venv/bin/python bench/seed.py [--database-url URL] [--scale small|full] [--seed 1]

At ``full`` scale: the five programme networks (from the migrations), 50 courses of 60
bilingual lessons (fr and ar, 2–20 KB of Markdown each, with tables and code) in six
modules with quizzes, published through the real package importer; 10 centres with two
trainers each, an expert per network and an admin; 10,000 trainees (1,000 per centre);
cohorts: one per centre with all its 1,000 trainees, a national cohort with all 10,000 on
one course (the 10,000 × 60 CSV export), and ten smaller cohorts per centre (10 to 515
trainees, each on another course); their progress (≈1.2 million lesson completions) and
≈100,000 graded quiz attempts. ``small`` is the same shape in miniature (3 courses,
200 trainees) for a quick check of the tools.

Courses go through the importer (rows as an expert's push makes them; ``--imported N``
imports only N and copies the others' rows, for a slow machine); people and activity are
bulk-inserted (``COPY`` on PostgreSQL) in chunks of 10,000 rows, one commit per chunk, so
memory stays flat; ``VACUUM ANALYZE`` at the end.
Every bulk account has the password ``bench.dataset.PASSWORD``. The same seed and the same
``--as-of`` date give the same data. Before wiping, the script refuses a database that
holds accounts outside ``@bench.example`` (it is not a scratch database).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/elearn_hd"
#: Data are dated relative to this day (fixed, so the same seed gives the same rows).
AS_OF = "2026-11-28"
CHUNK = 10_000
#: Share of trainees who take a module's quiz once they have read the module: tuned so
#: the full scale gives ≈100,000 attempts beside ≈1.2 million completions.
QUIZ_RATE = 0.65

NETWORKS = [
    ("DMK", "automotive", ("Diagnostic électronique", "التشخيص الإلكتروني")),
    ("AEROMAC", "aeronautics", ("Maintenance des aéronefs", "صيانة الطائرات")),
    ("C3M", "health", ("Hygiène hospitalière", "النظافة الاستشفائية")),
    ("AMCN", "ai", ("Apprentissage automatique", "التعلم الآلي")),
    ("ACOMS", "elearning", ("Conception de cours en ligne", "تصميم الدروس عبر الإنترنت")),
]
CENTRES = [
    ("SALE", "Centre de Salé", "Salé"),
    ("KENITRA", "Centre de Kénitra", "Kénitra"),
    ("RABAT", "Centre de Rabat", "Rabat"),
    ("CASA", "Centre de Casablanca", "Casablanca"),
    ("TANGER", "Centre de Tanger", "Tanger"),
    ("FES", "Centre de Fès", "Fès"),
    ("MEKNES", "Centre de Meknès", "Meknès"),
    ("MARRAKECH", "Centre de Marrakech", "Marrakech"),
    ("AGADIR", "Centre d'Agadir", "Agadir"),
    ("OUJDA", "Centre d'Oujda", "Oujda"),
]

SENTENCES = {
    "fr": [
        "Le technicien vérifie l'état de l'équipement avant toute intervention.",
        "Chaque mesure est notée dans la fiche de suivi avec l'heure et la valeur lue.",
        "Une valeur hors de la plage attendue déclenche un contrôle complémentaire.",
        "Les consignes de sécurité s'appliquent avant, pendant et après l'opération.",
        "On compare le résultat avec la documentation du constructeur.",
        "Le stagiaire explique sa démarche au formateur avant de passer à l'étape suivante.",
        "Un schéma clair évite les erreurs de branchement et les pertes de temps.",
        "La procédure se termine par un essai fonctionnel et un rapport écrit.",
    ],
    "ar": [
        "يتحقق التقني من حالة المعدات قبل أي تدخل.",
        "تسجل كل قياس في بطاقة المتابعة مع الساعة والقيمة المقروءة.",
        "القيمة الخارجة عن المجال المتوقع تستدعي فحصا إضافيا.",
        "تطبق تعليمات السلامة قبل العملية وأثناءها وبعدها.",
        "نقارن النتيجة مع وثائق الصانع.",
        "يشرح المتدرب طريقته للمكوّن قبل الانتقال إلى الخطوة التالية.",
        "يتجنب المخطط الواضح أخطاء التوصيل وضياع الوقت.",
        "تنتهي العملية باختبار وظيفي وتقرير مكتوب.",
    ],
}
WORDS = {
    "fr": ("Partie", "Étape", "Élément", "Valeur", "Remarque", "Leçon", "Module"),
    "ar": ("الجزء", "الخطوة", "العنصر", "القيمة", "ملاحظة", "الدرس", "الوحدة"),
}


@dataclass(frozen=True)
class Scale:
    courses: int
    lessons: int
    per_module: int
    centres: int
    trainees_per_centre: int
    #: Sizes of each centre's smaller cohorts (each on its own course).
    small_cohorts: tuple[int, ...]
    trainers_per_centre: int = 2


SCALES = {
    "full": Scale(
        courses=50,
        lessons=60,
        per_module=10,
        centres=10,
        trainees_per_centre=1000,
        small_cohorts=(10, 25, 50, 100, 150, 200, 250, 300, 400, 515),
    ),
    "small": Scale(
        courses=3,
        lessons=60,
        per_module=10,
        centres=2,
        trainees_per_centre=100,
        small_cohorts=(10,),
    ),
}


# -- progress ------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on stderr (a line per 10 % when stderr is not a terminal)."""

    def __init__(self, label: str, total: int, unit: str = ""):
        self.label, self.total, self.unit = label, max(total, 1), unit
        self.done, self.started, self.shown = 0, time.perf_counter(), -1.0
        self.tty = sys.stderr.isatty()
        self._show(force=True)

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._show()

    def _show(self, force: bool = False) -> None:
        now = time.perf_counter()
        share = min(self.done / self.total, 1.0)
        if self.tty:
            if not force and now - self.shown < 0.2 and self.done < self.total:
                return
        elif not force and int(share * 10) == int(self.shown * 10) and self.done < self.total:
            return
        self.shown = now if self.tty else share
        bar = "█" * int(share * 30) + "·" * (30 - int(share * 30))
        line = (
            f"{self.label:<12} {bar} {self.done:>9,}/{self.total:,}{self.unit}"
            f" {share:>4.0%} {now - self.started:6.1f}s"
        )
        sys.stderr.write(("\r" + line) if self.tty else line + "\n")
        sys.stderr.flush()

    def close(self) -> float:
        self._show(force=True)
        if self.tty:
            sys.stderr.write("\n")
        return time.perf_counter() - self.started


# -- courses -------------------------------------------------------------------------------


def lesson_markdown(rng: random.Random, lang: str, n: int, target: int) -> str:
    """A lesson body of about ``target`` bytes: headings, paragraphs, a table, code, lists."""
    words, sentences = WORDS[lang], SENTENCES[lang]
    parts: list[str] = []
    size, section = 0, 0
    while size < target or section < 2:
        section += 1
        block = [f"## {words[0]} {n}.{section}"]
        for _ in range(rng.randint(1, 3)):
            block.append(" ".join(rng.choice(sentences) for _ in range(rng.randint(3, 6))))
        shape = section % 3
        if shape == 1:
            rows = rng.randint(4, 8)
            block.append(
                f"| {words[2]} | {words[3]} | {words[4]} |\n|---|---:|---|\n"
                + "".join(
                    f"| {words[2]} {n}-{i} | {rng.randint(1, 999) / 10} | "
                    f"{rng.choice(sentences)[:40]} |\n"
                    for i in range(rows)
                )
            )
        elif shape == 2:
            lines = rng.randint(5, 14)
            block.append(
                "```\n"
                + "\n".join(
                    f"mesure[{i:02d}] = 0x{rng.randint(0, 255):02X}  # {words[3]} {i}"
                    for i in range(lines)
                )
                + "\n```"
            )
        else:
            block.append("\n".join(f"- {rng.choice(sentences)}" for _ in range(rng.randint(3, 6))))
        text = "\n\n".join(block)
        parts.append(text)
        size += len(text.encode()) + 2
    return "\n\n".join(parts) + "\n"


def course_slug(index: int) -> str:
    code, domain, _title = NETWORKS[index % len(NETWORKS)]
    return f"{code.lower()}-{domain}-{index + 1:02d}"


def course_meta(index: int) -> dict:
    """What distinguishes course ``index`` besides its lessons."""
    code, domain, (fr, ar) = NETWORKS[index % len(NETWORKS)]
    return {
        "slug": course_slug(index),
        "network": code,
        "domain": domain,
        "level": ("beginner", "intermediate", "advanced")[index % 3],
        "estimated_hours": 20 + index % 4 * 10,
        "title": {"fr": f"{fr} {index + 1}", "ar": f"{ar} {index + 1}"},
        "summary": {"fr": f"{fr} : cours {index + 1} du banc d'essai.", "ar": f"{ar}."},
    }


def write_course(root: Path, index: int, seed: int, scale: Scale) -> tuple[Path, int]:
    """A bilingual package like an expert's; returns its folder and bytes of Markdown."""
    from bench.dataset import QUIZ_YML

    rng = random.Random(seed * 1_000_003 + index)
    meta = course_meta(index)
    slug, title, summary = meta["slug"], meta["title"], meta["summary"]
    course = root / slug
    course.mkdir(parents=True)
    (course / "course.yml").write_text(
        f"slug: {slug}\ndomain: {meta['domain']}\nnetwork: {meta['network']}\n"
        f"source_language: fr\nlanguages: [fr, ar]\nlevel: {meta['level']}\n"
        f"estimated_hours: {meta['estimated_hours']}\n"
        f'title: {{fr: "{title["fr"]}", ar: "{title["ar"]}"}}\n'
        f'summary: {{fr: "{summary["fr"]}", ar: "{summary["ar"]}"}}\n'
        "competencies:\n"
        "  - {code: C1, title: {fr: Lire les codes, ar: قراءة الرموز}}\n"
        "  - {code: C2, title: {fr: Mesurer, ar: القياس}}\n",
        encoding="utf-8",
    )
    written = 0
    modules = -(-scale.lessons // scale.per_module)
    for m in range(modules):
        folder = course / f"{m + 1:02d}-module-{m + 1}"
        folder.mkdir()
        (folder / "module.yml").write_text(
            f"title: {{fr: Module {m + 1}, ar: الوحدة {m + 1}}}\n", encoding="utf-8"
        )
        for i in range(min(scale.per_module, scale.lessons - m * scale.per_module)):
            n = m * scale.per_module + i + 1
            stem = f"{i + 1:02d}-lesson-{n}"
            # mostly mid-sized lessons, a few long ones: 2 to 20 KB, mean ≈ 9 KB
            target = int(rng.triangular(2_000, 19_000, 6_000))
            fr_body = lesson_markdown(rng, "fr", n, target)
            ar_body = lesson_markdown(rng, "ar", n, int(target * rng.uniform(0.9, 1.05)))
            kind = "practical" if n % 4 == 0 else "theory"
            fr_text = (
                f"---\ntitle: Leçon {n}\nduration_minutes: {10 + n % 4 * 5}\nkind: {kind}\n"
                f"competencies: [{'C1' if n % 2 else 'C2'}]\n---\n\n{fr_body}"
            )
            ar_text = f"---\ntitle: الدرس {n}\n---\n\n{ar_body}"
            (folder / f"{stem}.fr.md").write_text(fr_text, encoding="utf-8")
            (folder / f"{stem}.ar.md").write_text(ar_text, encoding="utf-8")
            written += len(fr_text.encode()) + len(ar_text.encode())
        (folder / "quiz.yml").write_text(QUIZ_YML, encoding="utf-8")
    return course, written


def import_courses(session, scale: Scale, seed: int, now: datetime, imported: int) -> list:
    """The first ``imported`` courses through validation and the importer, published, one
    commit each; the others as row copies of those (see ``copy_course``)."""
    from elearn.authoring.package.files import read_package
    from elearn.authoring.package.importer import StagedMedia, import_course
    from elearn.authoring.package.validate import validate_package
    from elearn.media.storage import get_storage

    networks = {code for code, _d, _t in NETWORKS}
    imported = max(1, min(imported, scale.courses))
    courses, total_bytes = [], 0
    bar = Progress("courses", scale.courses)
    for index in range(scale.courses):
        when = now + timedelta(minutes=index)
        if index >= imported:
            course = copy_course(session, courses[index % imported], index, when)
            session.commit()
            courses.append(course)
            bar.advance()
            continue
        with tempfile.TemporaryDirectory() as tmp:
            package, size = write_course(Path(tmp), index, seed, scale)
            total_bytes += size
            report = validate_package(read_package(package), networks=networks)
            if not report.valid:
                raise RuntimeError([str(issue) for issue in report.errors])
            course = import_course(
                session,
                report,
                actor=None,
                staged=StagedMedia(get_storage()),
                now=when,
                publish=True,
            )
            session.commit()
        courses.append(course)
        bar.advance()
    seconds = bar.close()
    copied = scale.courses - imported
    print(
        f"  {imported} courses imported ({total_bytes / 2**20:.1f} MiB of Markdown)"
        + (f", {copied} copied from them" if copied else "")
        + f", in {seconds:.1f} s",
        file=sys.stderr,
    )
    return courses


def copy_course(session, template, index: int, now: datetime):
    """Course ``index`` as a copy of an imported one: its own slug, title, network and
    level, the template's modules, lesson texts (Markdown and rendered HTML, draft and
    published), revisions and quizzes, copied row by row inside the database. For runs
    where importing every course (Markdown rendered twice per lesson) would take too long;
    the rows are what the importer would have written for the same package."""
    from sqlalchemy import select, update

    from elearn.accounts.models import Network
    from elearn.authoring import services
    from elearn.authoring.models import (
        Course,
        CourseEvent,
        Lesson,
        LessonContent,
        LessonRevision,
        Module,
        Question,
        Quiz,
    )

    meta = course_meta(index)
    network_id = session.scalar(select(Network.id).where(Network.code == meta["network"]))

    def rows(model, column, ids):
        table = model.__table__
        found = session.execute(
            select(table).where(table.c[column].in_(list(ids))).order_by(table.c.id)
        )
        return [dict(row._mapping) for row in found]

    def put(model, items: list[dict], **mapped) -> dict[int, int]:
        """Insert copies (new ids, foreign keys mapped); old id → new id."""
        if not items:
            return {}
        table = model.__table__
        copies = []
        for item in items:
            copy = {k: v for k, v in item.items() if k != "id"}
            for column, mapping in mapped.items():
                copy[column] = mapping[copy[column]]
            copies.append(copy)
        new_ids = session.scalars(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), copies
        ).all()
        return dict(zip([item["id"] for item in items], new_ids, strict=True))

    (course_row,) = rows(Course, "id", [template.id])
    published = dict(course_row["published"] or {})
    fields = {
        "slug": meta["slug"],
        "network_id": network_id,
        "domain": meta["domain"],
        "level": meta["level"],
        "estimated_hours": meta["estimated_hours"],
        "title": meta["title"],
        "summary": meta["summary"],
    }
    published.update({k: v for k, v in fields.items() if k in published})
    course_row.update(fields, published=published, created_at=now, updated_at=now)
    course_row.update(published_at=now if course_row["published_at"] else None)
    course_map = put(Course, [course_row])
    modules = put(Module, rows(Module, "course_id", [template.id]), course_id=course_map)
    lessons = put(Lesson, rows(Lesson, "module_id", modules), module_id=modules)
    put(LessonContent, rows(LessonContent, "lesson_id", lessons), lesson_id=lessons)
    put(LessonRevision, rows(LessonRevision, "lesson_id", lessons), lesson_id=lessons)
    quizzes = put(Quiz, rows(Quiz, "module_id", modules), module_id=modules)
    put(Question, rows(Question, "quiz_id", quizzes), quiz_id=quizzes)
    put(CourseEvent, rows(CourseEvent, "course_id", [template.id]), course_id=course_map)
    course = session.get(Course, course_map[template.id])
    session.execute(
        update(Course)
        .where(Course.id == course.id)
        .values(search_text=services.search_text(course))
    )
    return course


# -- people --------------------------------------------------------------------------------


def password_hash(seed: int) -> str:
    """The Argon2id hash of ``dataset.PASSWORD`` with the app's cost and a salt derived
    from the seed: a random salt would make every seed's users table differ."""
    import hashlib

    from argon2.low_level import Type, hash_secret
    from flask import current_app

    from bench.dataset import PASSWORD

    cost = current_app.config["PASSWORD_HASH_COST"]
    salt = hashlib.sha256(f"elearn-bench-{seed}".encode()).digest()[:16]
    return hash_secret(
        PASSWORD.encode(),
        salt,
        time_cost=cost["time_cost"],
        memory_cost=cost["memory_cost"],
        parallelism=cost["parallelism"],
        hash_len=32,
        type=Type.ID,
    ).decode()


def staff(session, scale: Scale, created: datetime, digest: str) -> dict:
    from sqlalchemy import select

    from elearn.accounts.models import Centre, Network, User, UserRole

    centres = []
    for code, name, city in CENTRES[: scale.centres]:
        centre = Centre(code=code, name=name, city=city)
        session.add(centre)
        centres.append(centre)
    session.flush()
    networks = {n.code: n.id for n in session.scalars(select(Network))}
    rows = [
        {"email": "admin@bench.example", "name": "Admin Banc", "role": "admin"},
        *(
            {
                "email": f"expert.{code.lower()}@bench.example",
                "name": f"Expert {code}",
                "role": "expert",
                "network_id": networks[code],
            }
            for code, _d, _t in NETWORKS
        ),
        *(
            {
                "email": f"formateur.{centre.code.lower()}.{k}@bench.example",
                "name": f"Formateur {k} {centre.city}",
                "role": "trainer",
                "centre_id": centre.id,
            }
            for centre in centres
            for k in range(1, scale.trainers_per_centre + 1)
        ),
    ]
    by_email = {}
    for row in rows:
        role = row.pop("role")
        user_id = session.scalar(
            insert(User).returning(User.id),
            [
                {
                    "password_hash": digest,
                    "locale": "fr",
                    "active": True,
                    "session_version": 1,
                    "created_at": created,
                    **row,
                }
            ],
        )
        session.execute(insert(UserRole), [{"user_id": user_id, "role": role}])
        by_email[row["email"]] = user_id
    session.commit()
    return {"centres": [(c.id, c.code) for c in centres], "users": by_email}


def add_all_trainees(session, scale: Scale, created: datetime, digest: str) -> list[list[int]]:
    """``trainees_per_centre`` per centre; centre c owns emails t{c*N}..t{c*N+N-1}."""
    from sqlalchemy import update

    from bench.dataset import add_trainees
    from elearn.accounts.models import User

    per_centre: list[list[int]] = []
    bar = Progress("trainees", scale.centres * scale.trainees_per_centre)
    for c in range(scale.centres):
        centre_id = session.info["centre_ids"][c]
        ids: list[int] = []
        start = c * scale.trainees_per_centre
        for offset in range(0, scale.trainees_per_centre, 1000):
            count = min(1000, scale.trainees_per_centre - offset)
            made = add_trainees(session, centre_id, count, start=start + offset)
            # add_trainees dates accounts with the clock and salts at random: same seed,
            # same rows
            session.execute(
                update(User)
                .where(User.id.in_(made))
                .values(created_at=created, password_hash=digest)
            )
            session.commit()
            ids.extend(made)
            bar.advance(count)
        per_centre.append(ids)
    bar.close()
    return per_centre


# -- cohorts and activity ------------------------------------------------------------------


@dataclass
class CohortPlan:
    name: str
    centre: int
    course: int
    trainers: list[str]
    members: list[int] = field(default_factory=list)


def plan_cohorts(scale: Scale, trainees: list[list[int]], seed: int) -> list[CohortPlan]:
    """The national cohort (everyone, course 0), a cohort per centre with all its trainees
    (course 1 + c), then each centre's smaller cohorts on other, distinct courses."""
    rng = random.Random(seed)
    n = scale.courses
    if n < 3 or n - 2 < len(scale.small_cohorts):
        raise SystemExit("need at least 3 courses and one per small cohort of a centre, plus 2")
    codes = [code for code, _n, _c in CENTRES[: scale.centres]]
    everyone = [u for ids in trainees for u in ids]
    plans = [
        CohortPlan(
            "Promotion nationale 2026",
            0,
            0,
            [f"formateur.{codes[0].lower()}.1@bench.example", "admin@bench.example"],
            everyone,
        )
    ]
    for c, code in enumerate(codes):
        big = 1 + c % (n - 1)
        plans.append(
            CohortPlan(
                f"{code} — promotion complète",
                c,
                big,
                [f"formateur.{code.lower()}.1@bench.example"],
                list(trainees[c]),
            )
        )
        others = [i for i in range(1, n) if i != big]
        for k, size in enumerate(scale.small_cohorts):
            course = others[(c * len(scale.small_cohorts) + k) % len(others)]
            members = sorted(rng.sample(trainees[c], min(size, len(trainees[c]))))
            trainer = f"formateur.{code.lower()}.{1 + k % scale.trainers_per_centre}@bench.example"
            plans.append(
                CohortPlan(f"{code} — groupe {k + 1} ({size})", c, course, [trainer], members)
            )
    return plans


def activity(rng: random.Random, outline, user_id: int, now: datetime):
    """One trainee's progress in one course, like ``dataset.add_activity`` but returning the
    enrolment's dates instead of updating it (one UPDATE per trainee is what makes bulk
    loading slow), and taking a module's quiz only ``QUIZ_RATE`` of the time."""
    from bench.dataset import _attempts

    completions, attempts = [], []
    total = outline.lesson_count
    roll = rng.random()
    read = 0 if roll < 0.1 else total if roll > 0.9 else rng.randint(1, total - 1)
    ability = 0.6 + 0.6 * rng.random()
    last = now - timedelta(days=rng.choice((0, 1, 2, 3, 5, 9, 12, 20)), hours=rng.randint(0, 23))
    when = last - timedelta(hours=read)
    left, passed_all = read, read == total
    for row in outline.modules:
        lessons = row[0][:left]
        left -= len(lessons)
        for lesson_id in lessons:
            when += timedelta(hours=1)
            completions.append({"user_id": user_id, "lesson_id": lesson_id, "completed_at": when})
        if row[1] and lessons and len(lessons) == len(row[0]) and rng.random() < QUIZ_RATE:
            made = _attempts(rng, row, user_id, outline.course_id, ability, when)
            attempts.extend(made)
            passed_all = passed_all and made[-1]["passed"]
        elif row[1]:
            passed_all = False
    dates = (last, last if passed_all else None) if read else (None, None)
    return dates, completions, attempts


class Bulk:
    """Rows buffered per model and written ``CHUNK`` at a time, one commit per chunk.

    PostgreSQL gets them through ``COPY`` (an INSERT per row, even batched, would make the
    1.3 million rows of the full scale take minutes); SQLite through one executemany."""

    def __init__(self, session):
        self.session = session
        self.copy = session.get_bind().dialect.name == "postgresql"
        self.buffers: dict = {}
        self.counts: dict = {}

    def add(self, model, rows: list[dict]) -> None:
        buffer = self.buffers.setdefault(model, [])
        buffer.extend(rows)
        if len(buffer) >= CHUNK:
            self.flush(model)

    def flush(self, model=None) -> None:
        for key in [model] if model is not None else list(self.buffers):
            rows = self.buffers.get(key)
            if not rows:
                continue
            if self.copy:
                self._copy(key.__table__, rows)
            else:
                self.session.connection().execute(insert(key.__table__), rows)
            self.session.commit()
            self.counts[key.__tablename__] = self.counts.get(key.__tablename__, 0) + len(rows)
            self.buffers[key] = []

    def _copy(self, table, rows: list[dict]) -> None:
        from psycopg.types.json import Json
        from sqlalchemy import JSON

        columns = list(rows[0])
        as_json = [isinstance(table.c[name].type, JSON) for name in columns]
        raw = self.session.connection().connection.driver_connection
        names = ", ".join(f'"{name}"' for name in columns)
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        Json(row[name]) if is_json and row[name] is not None else row[name]
                        for name, is_json in zip(columns, as_json, strict=True)
                    ]
                )


def load_cohorts(session, plans: list[CohortPlan], courses, users: dict, now: datetime, seed):
    from bench.dataset import outline_of
    from elearn.cohorts.models import Cohort, CohortCourse, CohortMember, CohortTrainer
    from elearn.learning.models import Enrolment, LessonCompletion
    from elearn.quizzes.models import QuizAttempt

    outlines = {}
    rng = random.Random(seed)
    since = now - timedelta(days=40)
    ids = []
    for plan in plans:
        cohort = Cohort(
            name=plan.name,
            centre_id=session.info["centre_ids"][plan.centre],
            starts_on=date(2026, 9, 15),
            created_at=since,
        )
        session.add(cohort)
        session.flush()
        for email in plan.trainers:
            session.add(CohortTrainer(cohort_id=cohort.id, user_id=users[email]))
        session.add(CohortCourse(cohort_id=cohort.id, course_id=courses[plan.course].id))
        ids.append(cohort.id)
    session.commit()
    bar = Progress("enrolments", sum(len(p.members) for p in plans))
    bulk = Bulk(session)
    for plan, cohort_id in zip(plans, ids, strict=True):
        course = courses[plan.course]
        if plan.course not in outlines:
            outlines[plan.course] = outline_of(session, course)
        outline = outlines[plan.course]
        bulk.add(
            CohortMember,
            [{"cohort_id": cohort_id, "user_id": u, "added_at": since} for u in plan.members],
        )
        for user_id in plan.members:
            (last, completed), completions, attempts = activity(rng, outline, user_id, now)
            bulk.add(
                Enrolment,
                [
                    {
                        "user_id": user_id,
                        "course_id": course.id,
                        "source": "cohort",
                        "created_at": since,
                        "last_activity_at": last,
                        "completed_at": completed,
                    }
                ],
            )
            if completions:
                bulk.add(LessonCompletion, completions)
            if attempts:
                bulk.add(QuizAttempt, attempts)
            bar.advance()
    bulk.flush()
    bar.close()
    return bulk.counts


# -- database ------------------------------------------------------------------------------


def empty_database(url: str) -> None:
    """Drop everything, after checking it holds nothing but benchmark accounts."""
    import sqlalchemy as sa

    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]  # the driver the app uses
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite" and engine.url.database:
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        with engine.connect() as conn:
            if sa.inspect(conn).has_table("users"):
                foreign = conn.scalar(
                    sa.text("SELECT count(*) FROM users WHERE email NOT LIKE '%@bench.example'")
                )
                if foreign:
                    raise SystemExit(
                        f"{url} holds {foreign} accounts outside @bench.example: "
                        "not a scratch database, refusing to empty it"
                    )
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        elif engine.dialect.name == "sqlite":
            engine.dispose()
            path = engine.url.database
            for suffix in ("", "-wal", "-shm"):
                if path and os.path.exists(path + suffix):
                    os.remove(path + suffix)

        else:
            raise SystemExit("SQLite or PostgreSQL only")
    finally:
        engine.dispose()


def analyze(engine) -> None:
    """Statistics for the planner, as autovacuum (or a DBA after a load) would gather."""
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")


def seed(
    url: str, scale: Scale, *, seed: int = 1, as_of: str = AS_OF, imported: int | None = None
) -> dict:
    """Empty the database, migrate, and load the dataset; returns what was loaded."""
    started = time.perf_counter()
    empty_database(url)
    os.environ["ELEARN_DATABASE_URL"] = url
    os.environ.setdefault("ELEARN_RATELIMIT_ENABLED", "false")
    from elearn import create_app
    from elearn.core.migrations import upgrade
    from elearn.extensions import db

    now = datetime.fromisoformat(as_of).replace(hour=12, tzinfo=UTC)
    app = create_app()
    timings = {}
    with app.app_context():
        upgrade()
        session = db.session
        t = time.perf_counter()
        courses = import_courses(
            session, scale, seed, now - timedelta(days=90), imported or scale.courses
        )
        timings["courses"] = time.perf_counter() - t
        t = time.perf_counter()
        digest = password_hash(seed)
        people = staff(session, scale, now - timedelta(days=60), digest)
        session.info["centre_ids"] = [cid for cid, _code in people["centres"]]
        trainees = add_all_trainees(session, scale, now - timedelta(days=60), digest)
        timings["people"] = time.perf_counter() - t
        t = time.perf_counter()
        plans = plan_cohorts(scale, trainees, seed)
        counts = load_cohorts(session, plans, courses, people["users"], now, seed)
        timings["activity"] = time.perf_counter() - t
        t = time.perf_counter()
        analyze(db.engine)
        timings["analyze"] = time.perf_counter() - t
        db.session.remove()
        db.engine.dispose()
    timings["total"] = time.perf_counter() - started
    return {
        "courses": len(courses),
        "trainees": sum(len(t) for t in trainees),
        "cohorts": len(plans),
        **counts,
        "seconds": timings,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", default=AS_OF, help="the day the data lead up to")
    parser.add_argument(
        "--imported",
        type=int,
        help="import only this many courses through the importer and copy the others' rows "
        "from them (faster on a slow machine; default: import every course)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("ELEARN_INSTANCE_DIR", str(Path(tmp) / "instance"))
        result = seed(
            args.database_url,
            SCALES[args.scale],
            seed=args.seed,
            as_of=args.as_of,
            imported=args.imported,
        )
    seconds = result.pop("seconds")
    print(f"database: {args.database_url} ({args.scale} scale, seed {args.seed})")
    for key, value in result.items():
        print(f"  {key:<20} {value:>10,}")
    print("  time: " + ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items()))


if __name__ == "__main__":
    main()
