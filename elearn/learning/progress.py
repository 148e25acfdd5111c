"""Where a trainee stands in a course: lessons read, quizzes passed, what comes next.

A module is complete when its live lessons are complete and its quiz (if any) is passed;
a course when all its modules are. The percent counts lessons and quizzes alike, so 100 %
means complete. Everything is computed for many courses at once in a fixed number of
queries (My learning, the API, the trainer's dashboard later).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from elearn.authoring import published
from elearn.authoring.models import Course, Lesson, Module, Quiz
from elearn.learning.models import Certificate, Enrolment, LessonCompletion
from elearn.quizzes.models import QuizAttempt

#: Crockford-like: no 0/O, 1/I/L, U, so a code read over the phone is typed right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass
class ModuleState:
    slug: str
    title: dict = field(default_factory=dict)
    lessons: list[int] = field(default_factory=list)
    done: int = 0
    quiz_id: int | None = None
    quiz: dict | None = None  # best_percent, passed, attempts_used

    @property
    def complete(self) -> bool:
        lessons_done = self.done == len(self.lessons)
        return lessons_done and (self.quiz_id is None or bool(self.quiz and self.quiz["passed"]))

    @property
    def status(self) -> str:
        if self.complete:
            return "complete"
        if self.done or (self.quiz and self.quiz["attempts_used"]):
            return "in_progress"
        return "not_started"


@dataclass
class CourseState:
    lessons: list[tuple[int, str, str]]
    done: set[int]
    modules: list[ModuleState]

    @property
    def completed_lessons(self) -> int:
        return sum(1 for lid, _m, _s in self.lessons if lid in self.done)

    @property
    def percent(self) -> int:
        quizzes = [m for m in self.modules if m.quiz_id is not None]
        total = len(self.lessons) + len(quizzes)
        got = self.completed_lessons + sum(1 for m in quizzes if m.quiz and m.quiz["passed"])
        return round(100 * got / total) if total else 0

    @property
    def complete(self) -> bool:
        return bool(self.modules) and all(m.complete for m in self.modules)

    @property
    def done_slugs(self) -> set[tuple[str, str]]:
        return {(m, s) for lid, m, s in self.lessons if lid in self.done}

    @property
    def next_lesson(self) -> dict | None:
        upcoming = next(((m, s) for lid, m, s in self.lessons if lid not in self.done), None)
        return {"module": upcoming[0], "lesson": upcoming[1]} if upcoming else None

    @property
    def next_quiz(self) -> str | None:
        """The first module whose lessons are read but whose quiz is not passed."""
        for module in self.modules:
            if module.done == len(module.lessons) and not module.complete:
                return module.slug
        return None

    def quiz_results(self) -> list[dict]:
        return [
            {"module": m.slug, "title": m.title, **(m.quiz or empty_result())}
            for m in self.modules
            if m.quiz_id is not None
        ]


def empty_result() -> dict:
    return {"best_percent": None, "passed": False, "attempts_used": 0}


def states(session, user_id: int, course_ids: list[int]) -> dict[int, CourseState]:
    """Progress in each course, in four queries whatever the number of courses."""
    if not course_ids:
        return {}
    rows = session.execute(
        select(
            Module.course_id,
            Module.id,
            Module.slug,
            Module.published,
            Lesson.id,
            Lesson.slug,
            Lesson.published,
        )
        .outerjoin(Lesson, (Lesson.module_id == Module.id) & Lesson.published.is_not(None))
        .where(Module.course_id.in_(course_ids), Module.published.is_not(None))
    ).all()
    rows.sort(key=lambda r: (r[0], r[3]["position"], (r[6] or {}).get("position", 0)))
    quizzes = dict(
        session.execute(
            select(Quiz.module_id, Quiz.id)
            .join(Module, Module.id == Quiz.module_id)
            .where(Module.course_id.in_(course_ids), Quiz.published.is_not(None))
        ).all()
    )
    results = quiz_results(session, user_id, list(quizzes.values()))
    lesson_ids = [r[4] for r in rows if r[4] is not None]
    done = completed_ids(session, user_id, lesson_ids)
    out = {cid: CourseState([], done, []) for cid in course_ids}
    modules: dict[int, ModuleState] = {}
    for course_id, module_id, module_slug, snap, lesson_id, lesson_slug, _lsnap in rows:
        state = out[course_id]
        if module_id not in modules:
            quiz_id = quizzes.get(module_id)
            modules[module_id] = ModuleState(
                module_slug,
                snap.get("title") or {},
                quiz_id=quiz_id,
                quiz=results.get(quiz_id) if quiz_id else None,
            )
            state.modules.append(modules[module_id])
        if lesson_id is not None:
            state.lessons.append((lesson_id, module_slug, lesson_slug))
            modules[module_id].lessons.append(lesson_id)
            modules[module_id].done += lesson_id in done
    # a module with neither lessons nor a quiz asks nothing of the trainee
    for state in out.values():
        state.modules = [m for m in state.modules if m.lessons or m.quiz_id is not None]
    return out


def course_state(session, user_id: int, course: Course) -> CourseState:
    """One course's progress in two queries: its structure is the published outline each
    worker keeps in memory (authoring/published.py), only the trainee's rows are read."""
    outline = published.outline(session, course)
    quiz_ids = [m.quiz_id for m in outline.modules if m.quiz_id is not None]
    results = quiz_results(session, user_id, quiz_ids)
    done = completed_ids(session, user_id, [e.lesson.id for e in outline.entries])
    state = CourseState([], done, [])
    modules: dict[int, ModuleState] = {}
    for module in outline.modules:
        modules[module.id] = ModuleState(
            module.slug,
            module.published.get("title") or {},
            quiz_id=module.quiz_id,
            quiz=results.get(module.quiz_id) if module.quiz_id else None,
        )
    for entry in outline.entries:
        lesson_id, module = entry.lesson.id, modules[entry.module.id]
        state.lessons.append((lesson_id, entry.module.slug, entry.lesson.slug))
        module.lessons.append(lesson_id)
        module.done += lesson_id in done
    # a module with neither lessons nor a quiz asks nothing of the trainee
    state.modules = [m for m in modules.values() if m.lessons or m.quiz_id is not None]
    return state


def completed_ids(session, user_id: int, lesson_ids: list[int]) -> set[int]:
    if not lesson_ids:
        return set()
    return set(
        session.scalars(
            select(LessonCompletion.lesson_id).where(
                LessonCompletion.user_id == user_id, LessonCompletion.lesson_id.in_(lesson_ids)
            )
        )
    )


def quiz_results(session, user_id: int, quiz_ids: list[int]) -> dict[int, dict]:
    """Per quiz: the best finished attempt's percent, whether any passed, attempts used."""
    if not quiz_ids:
        return {}
    rows = session.execute(
        select(
            QuizAttempt.quiz_id,
            func.max(QuizAttempt.percent),
            func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)),
            func.count(QuizAttempt.id),
        )
        .where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id.in_(quiz_ids))
        .group_by(QuizAttempt.quiz_id)
    ).all()
    return {
        quiz_id: {"best_percent": best, "passed": bool(passed), "attempts_used": used}
        for quiz_id, best, passed, used in rows
    }


def record_activity(session, user, course: Course, row: Enrolment, *, now: datetime) -> CourseState:
    """After a completion or a graded attempt: note the activity and, the first time the
    course is complete, mark it and issue the certificate."""
    row.last_activity_at = now
    state = course_state(session, user.id, course)
    if state.complete and row.completed_at is None:
        row.completed_at = now
        issue_certificate(session, user, course, now=now)
    session.flush()
    return state


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def certificate_for(session, user_id: int, course_id: int) -> Certificate | None:
    return session.scalar(
        select(Certificate).where(
            Certificate.user_id == user_id, Certificate.course_id == course_id
        )
    )


def issue_certificate(session, user, course: Course, *, now: datetime) -> Certificate:
    """Once per trainee and course; 30^12 codes, so a clash is retried, not feared."""
    existing = certificate_for(session, user.id, course.id)
    if existing is not None:
        return existing
    snapshot = course.published or {}
    for _ in range(3):
        row = Certificate(
            user_id=user.id,
            course_id=course.id,
            code=new_code(),
            issued_at=now,
            holder_name=user.name,
            course_title=dict(snapshot.get("title") or course.title),
            network_name=dict(course.network.name),
            estimated_hours=snapshot.get("estimated_hours", course.estimated_hours),
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return row
        except IntegrityError:
            existing = certificate_for(session, user.id, course.id)
            if existing is not None:
                return existing
    raise RuntimeError("could not draw a free certificate code")  # pragma: no cover


def find_certificate(session, code: str) -> Certificate | None:
    """Codes are read back forgivingly: lower case, spaces, missing dashes."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())[:24]
    if len(cleaned) != 12:
        return None
    formatted = "-".join(cleaned[i : i + 4] for i in range(0, 12, 4))
    return session.scalar(select(Certificate).where(Certificate.code == formatted))
