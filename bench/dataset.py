"""Deterministic data for benchmarks and scale tests: a long course, a centre's trainees,
a cohort, and their activity.

The course goes through the real package importer (so its rows are what an expert's push
makes); people and their activity are bulk-inserted (a thousand trainees through the
services would take minutes), with attempts graded by the real grading functions so the
statistics computed from them are consistent. The same seed gives the same data.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

PASSWORD = "bench-password-123"  # noqa: S105 (made-up accounts of a scratch database)

PARAGRAPH_FR = (
    "Le calculateur moteur lit les capteurs, compare les valeurs aux seuils et "
    "enregistre un code défaut lorsqu'une mesure sort de la plage attendue. "
)
PARAGRAPH_AR = (
    "يقرأ حاسوب المحرك الحساسات ويقارن القيم بالعتبات ويسجل رمز عطل عندما "
    "تخرج قيمة عن المجال المتوقع. "
)

QUIZ_YML = """title: {fr: "Quiz du module", ar: "اختبار الوحدة"}
pass_mark: 60
max_attempts: 3
questions:
  - id: q1
    type: single
    competencies: [C1]
    prompt: {fr: "Quel outil lit les codes défaut ?", ar: "ما الأداة التي تقرأ رموز الأعطال؟"}
    choices:
      - {id: a, text: {fr: "Valise OBD", ar: "جهاز OBD"}, correct: true}
      - {id: b, text: {fr: "Multimètre", ar: "مقياس متعدد"}}
      - {id: c, text: {fr: "Clé dynamométrique", ar: "مفتاح عزم"}}
  - id: q2
    type: true_false
    competencies: [C1]
    prompt: {fr: "Un code défaut peut être effacé.", ar: "يمكن مسح رمز العطل."}
    answer: true
  - id: q3
    type: numeric
    competencies: [C2]
    prompt: {fr: "Tension de batterie au repos (V) ?", ar: "جهد البطارية في الراحة (فولت)؟"}
    answer: 12.6
    tolerance: 0.2
  - id: q4
    type: single
    competencies: [C2]
    prompt: {fr: "Broche d'alimentation OBD ?", ar: "دبوس تغذية OBD؟"}
    choices:
      - {id: a, text: {fr: "4", ar: "4"}}
      - {id: b, text: {fr: "16", ar: "16"}, correct: true}
      - {id: c, text: {fr: "7", ar: "7"}}
"""

#: How likely a trainee of ability 1.0 is to get each question right; q4 is the one
#: everybody fails (wrong answer "4" most chosen), q2 the easy one.
DIFFICULTY = {"q1": 0.8, "q2": 0.95, "q3": 0.6, "q4": 0.3}
WRONG = {"q1": ["b", "c"], "q2": [False], "q3": ["11", "13,5"], "q4": ["a", "a", "c"]}
RIGHT = {"q1": "a", "q2": True, "q3": "12,6", "q4": "b"}


def lesson_body(paragraph: str, n: int) -> str:
    table = "| Code | Système |\n|---|---|\n" + "".join(
        f"| P0{n:03d} | Moteur {i} |\n" for i in range(6)
    )
    code = "```\n" + "\n".join(f"PID 0x{i:02X} = {i * 7}" for i in range(6)) + "\n```\n"
    return "\n\n".join([f"## Partie {n}", paragraph * 6, table, code, paragraph * 6])


def write_package(root: Path, slug: str, *, lessons: int = 60, per_module: int = 10) -> Path:
    """A bilingual course package: ``lessons`` lessons in modules of ``per_module``, each
    module with a four-question quiz; lessons tagged with competencies C1/C2."""
    course = root / slug
    course.mkdir(parents=True)
    (course / "course.yml").write_text(
        f"slug: {slug}\ndomain: automotive\nnetwork: DMK\nsource_language: fr\n"
        "languages: [fr, ar]\nlevel: beginner\nestimated_hours: 40\n"
        "title: {fr: Diagnostic électronique, ar: التشخيص الإلكتروني}\n"
        "summary: {fr: Lire et interpréter les codes défaut., ar: قراءة رموز الأعطال.}\n"
        "competencies:\n"
        "  - {code: C1, title: {fr: Lire les codes, ar: قراءة الرموز}}\n"
        "  - {code: C2, title: {fr: Mesurer, ar: القياس}}\n",
        encoding="utf-8",
    )
    modules = -(-lessons // per_module)
    for m in range(modules):
        folder = course / f"{m + 1:02d}-module-{m + 1}"
        folder.mkdir()
        (folder / "module.yml").write_text(
            f"title: {{fr: Module {m + 1}, ar: الوحدة {m + 1}}}\n", encoding="utf-8"
        )
        for i in range(min(per_module, lessons - m * per_module)):
            n = m * per_module + i + 1
            stem = f"{i + 1:02d}-lesson-{n}"
            tag = "C1" if n % 2 else "C2"
            (folder / f"{stem}.fr.md").write_text(
                f"---\ntitle: Leçon {n}\nduration_minutes: 15\ncompetencies: [{tag}]\n---\n\n"
                + lesson_body(PARAGRAPH_FR, n),
                encoding="utf-8",
            )
            (folder / f"{stem}.ar.md").write_text(
                f"---\ntitle: الدرس {n}\n---\n\n" + lesson_body(PARAGRAPH_AR, n),
                encoding="utf-8",
            )
        (folder / "quiz.yml").write_text(QUIZ_YML, encoding="utf-8")
    return course


def import_published(session, slug: str = "bench-diagnostic", *, lessons: int = 60):
    """Write the package to a temporary folder and import it published, as a push does."""
    from elearn.authoring.package.files import read_package
    from elearn.authoring.package.importer import StagedMedia, import_course
    from elearn.authoring.package.validate import validate_package
    from elearn.core.db import utcnow
    from elearn.media.storage import get_storage

    with tempfile.TemporaryDirectory() as tmp:
        package = write_package(Path(tmp), slug, lessons=lessons)
        report = validate_package(read_package(package), networks={"DMK"})
        if not report.valid:
            raise RuntimeError([str(issue) for issue in report.errors])
        return import_course(
            session,
            report,
            actor=None,
            staged=StagedMedia(get_storage()),
            now=utcnow(),
            publish=True,
        )


@dataclass
class Outline:
    """The published course as the activity generator needs it."""

    course_id: int
    #: Per module in order: (lesson ids in order, quiz id, questions as (id, key, spec)).
    modules: list[tuple[list[int], int | None, list]] = field(default_factory=list)

    @property
    def lesson_count(self) -> int:
        return sum(len(lessons) for lessons, _q, _qs in self.modules)


def outline_of(session, course) -> Outline:
    from elearn.authoring.models import Lesson, Module, Question, Quiz

    out = Outline(course.id)
    modules = session.scalars(
        select(Module)
        .where(Module.course_id == course.id, Module.published.is_not(None))
        .order_by(Module.position)
    ).all()
    for module in modules:
        lessons = session.scalars(
            select(Lesson.id)
            .where(Lesson.module_id == module.id, Lesson.published.is_not(None))
            .order_by(Lesson.position)
        ).all()
        quiz_id = session.scalar(
            select(Quiz.id).where(Quiz.module_id == module.id, Quiz.published.is_not(None))
        )
        questions = []
        if quiz_id:
            questions = [
                (q.id, q.key, q.published["spec"])
                for q in session.scalars(
                    select(Question)
                    .where(Question.quiz_id == quiz_id, Question.published.is_not(None))
                    .order_by(Question.position)
                )
            ]
        out.modules.append((list(lessons), quiz_id, questions))
    return out


def add_trainees(session, centre_id: int, count: int, *, start: int = 0) -> list[int]:
    """``count`` trainee accounts of the centre (``t{n}@bench.example``), one password."""
    from elearn.accounts.models import User, UserRole
    from elearn.accounts.passwords import hash_password
    from elearn.core.db import utcnow

    if count <= 0:
        return []
    digest = hash_password(PASSWORD)
    created = utcnow()
    rng = random.Random(start)
    first = ["Amina", "Youssef", "Salma", "Omar", "Khadija", "Mehdi", "Fatima", "Anas"]
    last = ["El Idrissi", "Benali", "Ait Ahmed", "Chraibi", "Tazi", "Ouazzani", "العلوي"]
    rows = [
        {
            "email": f"t{n}@bench.example",
            "name": f"{rng.choice(first)} {rng.choice(last)} {n}",
            "password_hash": digest,
            "locale": "ar" if n % 3 == 0 else "fr",
            "active": True,
            "centre_id": centre_id,
            "session_version": 1,
            "created_at": created,
        }
        for n in range(start, start + count)
    ]
    ids = list(session.scalars(insert(User).returning(User.id), rows))
    session.execute(insert(UserRole), [{"user_id": i, "role": "trainee"} for i in ids])
    return ids


def add_members(session, cohort_id: int, course_id: int, user_ids: list[int], *, since):
    """Cohort membership and the course enrolment a cohort gives."""
    from elearn.cohorts.models import CohortMember
    from elearn.learning.models import Enrolment

    session.execute(
        insert(CohortMember),
        [{"cohort_id": cohort_id, "user_id": u, "added_at": since} for u in user_ids],
    )
    session.execute(
        insert(Enrolment),
        [
            {"user_id": u, "course_id": course_id, "source": "cohort", "created_at": since}
            for u in user_ids
        ],
    )


def _answer(rng: random.Random, key: str, ability: float):
    if rng.random() < DIFFICULTY[key] * ability:
        return RIGHT[key]
    return rng.choice(WRONG[key])


def _attempts(rng, outline_row, user_id, course_id, ability, when) -> list[dict]:
    """One to three graded attempts, stopping at the first pass, as a trainee would."""
    from elearn.quizzes import grading

    _lessons, quiz_id, questions = outline_row
    rows = []
    for number in range(1, rng.choice((2, 3, 4))):
        answers = {key: _answer(rng, key, ability) for _id, key, _spec in questions}
        marks = {key: grading.grade(spec, answers[key]) for _id, key, spec in questions}
        score = sum(m.points for m in marks.values())
        top = float(len(questions))
        layout = [
            {
                "q": qid,
                "key": key,
                "choices": [[f"{qid:x}{c['id']}", c["id"]] for c in spec.get("choices", [])],
            }
            for qid, key, spec in questions
        ]
        passed = grading.passed(score, top, 60)
        started = when + timedelta(minutes=20 * number)
        rows.append(
            {
                "user_id": user_id,
                "quiz_id": quiz_id,
                "course_id": course_id,
                "number": number,
                "status": "submitted",
                "started_at": started,
                "layout": layout,
                "answers": {k: v for k, v in answers.items()},
                "saved_at": started + timedelta(minutes=5),
                "submitted_at": started + timedelta(minutes=6),
                "score": score,
                "max_score": top,
                "percent": grading.percent(score, top),
                "passed": passed,
                "results": {
                    k: {"correct": m.correct, "points": m.points} for k, m in marks.items()
                },
            }
        )
        if passed:
            break
    return rows


def add_activity(session, outline: Outline, user_ids: list[int], *, now: datetime, seed: int = 1):
    """Each trainee reads a prefix of the course over the past weeks and attempts the quiz
    of every module whose lessons are read. About one in ten never starts, one in ten
    reads everything; abilities vary so quiz results spread."""
    from elearn.learning.models import Enrolment, LessonCompletion
    from elearn.quizzes.models import QuizAttempt

    rng = random.Random(seed)
    completions, attempts, touched = [], [], []
    total = outline.lesson_count
    for user_id in user_ids:
        roll = rng.random()
        read = 0 if roll < 0.1 else total if roll > 0.9 else rng.randint(1, total - 1)
        ability = 0.6 + 0.6 * rng.random()
        last = now - timedelta(
            days=rng.choice((0, 1, 2, 3, 5, 9, 12, 20)), hours=rng.randint(0, 23)
        )
        when = last - timedelta(hours=read)
        left = read
        passed_all = read == total
        for row in outline.modules:
            lessons = row[0][:left]
            left -= len(lessons)
            for lesson_id in lessons:
                when += timedelta(hours=1)
                completions.append(
                    {"user_id": user_id, "lesson_id": lesson_id, "completed_at": when}
                )
            if row[1] and lessons and len(lessons) == len(row[0]):
                made = _attempts(rng, row, user_id, outline.course_id, ability, when)
                attempts.extend(made)
                passed_all = passed_all and made[-1]["passed"]
            elif row[1]:
                passed_all = False
        if read:
            touched.append((user_id, last, last if passed_all else None))
    if completions:
        session.execute(insert(LessonCompletion), completions)
    if attempts:
        session.execute(insert(QuizAttempt), attempts)
    for user_id, last, completed in touched:
        session.execute(
            Enrolment.__table__.update()
            .where(Enrolment.user_id == user_id, Enrolment.course_id == outline.course_id)
            .values(last_activity_at=last, completed_at=completed)
        )
    return len(completions), len(attempts)


def cohort_with_trainer(session, course, *, name: str = "Cohorte banc d'essai"):
    """A Salé cohort on ``course`` with its trainer (``formateur@bench.example``)."""
    from elearn.accounts import services
    from elearn.cohorts.models import Cohort, CohortCourse, CohortTrainer

    centre = services.centre_by_code_or_none(session, "SALE") or services.save_centre(
        session, None, code="SALE", name="Centre de Salé", city="Salé"
    )
    trainer = services.find_user(session, "formateur@bench.example") or services.create_user(
        session,
        email="formateur@bench.example",
        name="Formateur Banc",
        roles=["trainer"],
        centre=centre,
        password=PASSWORD,
    )
    cohort = Cohort(name=name, centre_id=centre.id, starts_on=date(2026, 9, 15))
    session.add(cohort)
    session.flush()
    session.add(CohortTrainer(cohort_id=cohort.id, user_id=trainer.id))
    session.add(CohortCourse(cohort_id=cohort.id, course_id=course.id))
    session.flush()
    return cohort, trainer, centre


def grow(session, cohort, centre, outline: Outline, to: int, *, now: datetime) -> None:
    """Bring the cohort to ``to`` members, each new one with deterministic activity."""
    from sqlalchemy import func

    from elearn.cohorts.models import CohortMember

    have = session.scalar(
        select(func.count()).select_from(CohortMember).where(CohortMember.cohort_id == cohort.id)
    )
    ids = add_trainees(session, centre.id, to - have, start=have)
    if ids:
        add_members(session, cohort.id, outline.course_id, ids, since=now - timedelta(days=40))
        add_activity(session, outline, ids, now=now, seed=have + 1)
    session.flush()
