"""Where a trainee stands in a course: lessons read, quizzes passed, what comes next.

The one rule, for every page that says how far someone is (the course page, My learning,
the quiz result, the API, certificates, the trainer's dashboard and its exports): a module
is complete when its published lessons are read and its quiz, if it has one, is passed; a
course when all its modules are. The percent counts lessons and quizzes alike, so 100 %
means complete. What counts is the published outline (``authoring/published.py``), so a
lesson archived or taken out disappears from every one of them at the next publication.

Quiz attempts belong to the quizzes package, which sits above this one: progress takes
their results as :class:`QuizResult` values, given by the caller (the dashboard) or read
through the reader the quizzes package supplies (:func:`read_quiz_results_with`, wired by
``create_app``), so learning never imports quizzes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, literal, select
from sqlalchemy.exc import IntegrityError

from elearn.authoring import published
from elearn.authoring.models import Course
from elearn.authoring.published import Outline, PublishedModule
from elearn.learning.models import Certificate, Enrolment, LessonCompletion

#: Crockford-like: no 0/O, 1/I/L, U, so a code read over the phone is typed right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True, slots=True)
class QuizResult:
    """One trainee's attempts at one quiz, as the quizzes package grades them."""

    best_percent: float | None
    passed: bool
    attempts_used: int
    #: Whether the last finished attempt passed (None: none finished yet).
    last_passed: bool | None = None

    def as_dict(self) -> dict:
        return {
            "best_percent": self.best_percent,
            "passed": self.passed,
            "attempts_used": self.attempts_used,
        }


NO_ATTEMPT = QuizResult(None, False, 0)

#: ``reader(session, user_ids, quiz_ids) -> {(user_id, quiz_id): QuizResult}``; user_ids
#: may be a list or a subquery of ids.
QuizResultsReader = Callable[..., dict[tuple[int, int], QuizResult]]
_quiz_results_reader: list[QuizResultsReader] = []


def read_quiz_results_with(reader: QuizResultsReader) -> None:
    """Called once by the wiring (``create_app``) with the quizzes package's reader."""
    _quiz_results_reader[:] = [reader]


def _read_quiz_results(session, user_ids, quiz_ids: list[int]) -> dict[tuple[int, int], QuizResult]:
    if not quiz_ids:
        return {}
    if not _quiz_results_reader:
        raise RuntimeError("no quiz results reader: create_app wires quizzes.results.of")
    return _quiz_results_reader[0](session, user_ids, quiz_ids)


@dataclass(frozen=True, slots=True)
class ModuleState:
    slug: str
    title: dict
    #: Published lessons of the module, and how many of them the trainee has read.
    lessons: int
    done: int
    quiz_id: int | None = None
    #: The trainee's results at the module's quiz; None when there is no quiz or no attempt.
    quiz: QuizResult | None = None

    @property
    def passed(self) -> bool:
        return bool(self.quiz and self.quiz.passed)

    @property
    def best_percent(self) -> float | None:
        return self.quiz.best_percent if self.quiz else None

    @property
    def attempts(self) -> int:
        return self.quiz.attempts_used if self.quiz else 0

    @property
    def lessons_done(self) -> bool:
        return self.done >= self.lessons

    @property
    def complete(self) -> bool:
        return self.lessons_done and (self.quiz_id is None or self.passed)

    @property
    def status(self) -> str:
        if self.complete:
            return "complete"
        if self.done or self.attempts:
            return "in_progress"
        return "not_started"


@dataclass(frozen=True, slots=True)
class CourseState:
    modules: tuple[ModuleState, ...]
    #: The published lessons in reading order as (id, module slug, lesson slug), and those
    #: read: known when the lessons read are (a trainee's pages); empty on the dashboard,
    #: which counts per module and never asks what comes next.
    lessons: tuple[tuple[int, str, str], ...] = ()
    done: frozenset[int] = frozenset()

    @property
    def completed_lessons(self) -> int:
        return sum(m.done for m in self.modules)

    @property
    def total_lessons(self) -> int:
        return sum(m.lessons for m in self.modules)

    @property
    def percent(self) -> int:
        quizzes = [m for m in self.modules if m.quiz_id is not None]
        total = self.total_lessons + len(quizzes)
        got = self.completed_lessons + sum(1 for m in quizzes if m.passed)
        return round(100 * got / total) if total else 0

    @property
    def complete(self) -> bool:
        return bool(self.modules) and all(m.complete for m in self.modules)

    @property
    def started(self) -> bool:
        return any(m.status != "not_started" for m in self.modules)

    @property
    def done_slugs(self) -> set[tuple[str, str]]:
        return {(m, s) for lid, m, s in self.lessons if lid in self.done}

    @property
    def next_lesson(self) -> dict | None:
        upcoming = next(((m, s) for lid, m, s in self.lessons if lid not in self.done), None)
        return {"module": upcoming[0], "lesson": upcoming[1]} if upcoming else None

    @property
    def next_step(self) -> dict | None:
        """Where to go on: the first lesson not read in outline order, else the quiz of the
        first module whose lessons are read but whose quiz is not passed yet; None once
        the course is complete. ``{"kind": "lesson"|"quiz", "module", "lesson"?}``."""
        upcoming = self.next_lesson
        if upcoming is not None:
            return {"kind": "lesson", **upcoming}
        quiz = self.next_quiz
        return {"kind": "quiz", "module": quiz} if quiz is not None else None

    @property
    def next_quiz(self) -> str | None:
        """The first module whose lessons are read but whose quiz is not passed."""
        for module in self.modules:
            if module.lessons_done and not module.complete:
                return module.slug
        return None

    def quiz_results(self) -> list[dict]:
        return [
            {"module": m.slug, "title": m.title, **(m.quiz or NO_ATTEMPT).as_dict()}
            for m in self.modules
            if m.quiz_id is not None
        ]


def counted_modules(outline: Outline) -> tuple[PublishedModule, ...]:
    """The modules that ask something of the trainee: a module with neither lessons nor a
    quiz is left out of every state, column and percent."""
    return tuple(m for m in outline.modules if outline.lessons.get(m.id) or m.quiz_id is not None)


def state_of(
    outline: Outline,
    quizzes: Mapping[int, QuizResult],
    *,
    done: Collection[int] = (),
    done_per_module: Mapping[int, int] | None = None,
) -> CourseState:
    """One trainee's state in one course, from the published outline, their quiz results
    (quiz id → result) and either the lesson ids they read (``done``) or, where only
    counts are at hand (the dashboard, one row per trainee), how many per module id."""
    read = frozenset(done).intersection(outline.lesson_ids) if done else frozenset()
    modules = []
    for module in counted_modules(outline):
        lessons = outline.lessons.get(module.id, ())
        if done_per_module is None:
            count = sum(1 for lesson in lessons if lesson.id in read)
        else:
            count = min(done_per_module.get(module.id, 0), len(lessons))
        modules.append(
            ModuleState(
                module.slug,
                module.title,
                len(lessons),
                count,
                module.quiz_id,
                quizzes.get(module.quiz_id) if module.quiz_id is not None else None,
            )
        )
    reading = (
        ()
        if done_per_module is not None
        else tuple((e.lesson.id, e.module.slug, e.lesson.slug) for e in outline.entries)
    )
    return CourseState(tuple(modules), reading, read)


def states(
    session, user_id: int, courses: list[Course], *, outlines: Mapping[int, Outline] | None = None
) -> dict[int, CourseState]:
    """Progress in each course, in two queries whatever the number of courses (their
    outlines come from this worker's memory, three more queries for those it has not
    built; a caller who needs them too hands them over)."""
    if not courses:
        return {}
    if outlines is None:
        outlines = published.outlines(session, courses)
    done = completed_ids(session, user_id, [i for o in outlines.values() for i in o.lesson_ids])
    quiz_ids = [i for o in outlines.values() for i in o.quiz_ids]
    results = {q: r for (_u, q), r in _read_quiz_results(session, [user_id], quiz_ids).items()}
    return {cid: state_of(o, results, done=done) for cid, o in outlines.items()}


def course_state(session, user_id: int, course: Course) -> CourseState:
    """One course's progress in two queries: only the trainee's rows are read."""
    return states(session, user_id, [course])[course.id]


#: Stands for "enrolled" among the lesson ids :func:`reader_state` reads (ids are positive).
_ENROLLED = -1


def reader_state(session, user_id: int, course: Course) -> CourseState | None:
    """The reader's state in the course when enrolled, None otherwise: whether enrolled
    and the lessons read in one round trip (the lesson page is the page trainees open
    most), the quiz results in one more when the course has quizzes."""
    outline = published.outline(session, course)
    enrolled = select(literal(_ENROLLED)).where(
        exists().where(Enrolment.user_id == user_id, Enrolment.course_id == course.id)
    )
    found = set(session.scalars(enrolled.union_all(_read(user_id, outline.lesson_ids))))
    if _ENROLLED not in found:
        return None
    results = _read_quiz_results(session, [user_id], outline.quiz_ids)
    return state_of(outline, {q: r for (_u, q), r in results.items()}, done=found)


def _read(user_id: int, lesson_ids: list[int]):
    return select(LessonCompletion.lesson_id).where(
        LessonCompletion.user_id == user_id, LessonCompletion.lesson_id.in_(lesson_ids)
    )


def completed_ids(session, user_id: int, lesson_ids: list[int]) -> set[int]:
    if not lesson_ids:
        return set()
    return set(session.scalars(_read(user_id, lesson_ids)))


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
