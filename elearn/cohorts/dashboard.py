"""The trainer's view of a cohort on one course: the grid, its summary, who needs attention.

Everything is computed in a fixed number of queries, whatever the cohort's size: members
with their enrolment (1), the course outline (3), lessons completed per trainee and module
(1), quiz results per trainee and quiz with whether the last attempt passed (1),
completions per day (1). Python does the rest, in one pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, case, func, select, tuple_

from elearn.accounts.models import User
from elearn.authoring.models import Course, Lesson, Module, Quiz
from elearn.cohorts.models import Cohort, CohortMember
from elearn.core.text import fold
from elearn.learning.models import Enrolment, LessonCompletion
from elearn.quizzes.models import AttemptStatus, QuizAttempt

INACTIVE_DAYS = 7


@dataclass(slots=True)
class ModuleInfo:
    id: int
    slug: str
    title: dict
    lessons: int
    quiz_id: int | None = None
    max_attempts: int = 0


@dataclass(slots=True)
class Cell:
    status: str  # not_started | in_progress | complete
    done: int
    best_percent: float | None
    attempts: int
    passed: bool


@dataclass(slots=True)
class Row:
    user_id: int
    name: str
    email: str
    enrolled: bool
    last_activity: datetime | None
    completed_at: datetime | None
    cells: list[Cell]
    percent: int = 0
    flags: list[str] = field(default_factory=list)  # inactive | failed_last | exhausted


def outline(session, course: Course) -> list[ModuleInfo]:
    """The course's live modules in order, with lesson counts and quizzes (3 queries)."""
    counts = dict(
        session.execute(
            select(Lesson.module_id, func.count(Lesson.id))
            .join(Module, Module.id == Lesson.module_id)
            .where(Module.course_id == course.id, Lesson.published.is_not(None))
            .group_by(Lesson.module_id)
        ).all()
    )
    rows = [
        (module_id, slug, published, counts.get(module_id, 0))
        for module_id, slug, published in session.execute(
            select(Module.id, Module.slug, Module.published).where(
                Module.course_id == course.id, Module.published.is_not(None)
            )
        )
    ]
    quizzes = {
        module_id: (quiz_id, published)
        for module_id, quiz_id, published in session.execute(
            select(Quiz.module_id, Quiz.id, Quiz.published).where(
                Quiz.module_id.in_([r[0] for r in rows]), Quiz.published.is_not(None)
            )
        )
    }
    modules = []
    for module_id, slug, published, lessons in sorted(rows, key=lambda r: r[2]["position"]):
        quiz_id, settings = quizzes.get(module_id, (None, {}))
        if lessons or quiz_id:
            modules.append(
                ModuleInfo(
                    module_id,
                    slug,
                    published["title"],
                    lessons,
                    quiz_id,
                    (settings or {}).get("max_attempts") or 0,
                )
            )
    return modules


def _members(session, cohort: Cohort, course: Course, *, after=None, limit=None):
    """Members by name with their enrolment; ``after`` (name, id) and ``limit`` page them
    by keyset, so an export walks any cohort in slices of the same cost."""
    stmt = (
        select(User.id, User.name, User.email, Enrolment.created_at, Enrolment.last_activity_at)
        .add_columns(Enrolment.completed_at)
        .join(CohortMember, CohortMember.user_id == User.id)
        .outerjoin(Enrolment, and_(Enrolment.user_id == User.id, Enrolment.course_id == course.id))
        .where(CohortMember.cohort_id == cohort.id)
        .order_by(User.name, User.id)
    )
    if after is not None:
        stmt = stmt.where(tuple_(User.name, User.id) > tuple_(*after))
    if limit is not None:
        stmt = stmt.limit(limit)
    return session.execute(stmt).all()


def _cohort_members(cohort: Cohort):
    return select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)


def _done_per_module(session, members, module_ids: list[int]):
    rows = session.execute(
        select(LessonCompletion.user_id, Lesson.module_id, func.count())
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .where(
            LessonCompletion.user_id.in_(members),
            Lesson.module_id.in_(module_ids),
            Lesson.published.is_not(None),
        )
        .group_by(LessonCompletion.user_id, Lesson.module_id)
    ).all()
    return {(uid, mid): n for uid, mid, n in rows}


def _quiz_results(session, members, quiz_ids: list[int]):
    """Per trainee and quiz: best percent, passed ever, attempts, and whether the last
    finished attempt passed (the last finished number equals the last passing one)."""
    if not quiz_ids:
        return {}, {}
    finished = QuizAttempt.status != AttemptStatus.OPEN
    passing = and_(finished, QuizAttempt.passed.is_(True))
    rows = session.execute(
        select(
            QuizAttempt.user_id,
            QuizAttempt.quiz_id,
            func.max(QuizAttempt.percent),
            func.count(),
            func.max(case((finished, QuizAttempt.number), else_=None)),
            func.max(case((passing, QuizAttempt.number), else_=None)),
        )
        .where(QuizAttempt.user_id.in_(members), QuizAttempt.quiz_id.in_(quiz_ids))
        .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id)
    ).all()
    results = {(u, q): (best, passed is not None, n) for u, q, best, n, _last, passed in rows}
    last_passed = {
        (u, q): last == passed for u, q, _b, _n, last, passed in rows if last is not None
    }
    return results, last_passed


def grid(session, cohort: Cohort, course: Course, *, now: datetime) -> tuple[list, list[Row]]:
    modules = outline(session, course)
    members = _cohort_members(cohort)
    done = _done_per_module(session, members, [m.id for m in modules])
    results = _quiz_results(session, members, [m.quiz_id for m in modules if m.quiz_id])
    people = _members(session, cohort, course)
    return modules, _rows(cohort, modules, people, done, results, now=now)


def grid_slices(
    session, cohort: Cohort, course: Course, *, now: datetime, size: int = 1000
) -> tuple[list, Iterator[list[Row]]]:
    """The same rows as :func:`grid`, in name order, ``size`` trainees at a time: what a
    streamed export needs so its memory stays flat whatever the cohort's size (three
    queries a slice)."""
    modules = outline(session, course)

    def slices() -> Iterator[list[Row]]:
        after = None
        while True:
            people = _members(session, cohort, course, after=after, limit=size + 1)
            page, more = people[:size], len(people) > size
            if not page:
                return
            ids = [p[0] for p in page]
            done = _done_per_module(session, ids, [m.id for m in modules])
            results = _quiz_results(session, ids, [m.quiz_id for m in modules if m.quiz_id])
            yield _rows(cohort, modules, page, done, results, now=now)
            if not more:
                return
            after = (page[-1][1], page[-1][0])

    return modules, slices()


def _rows(cohort, modules, people, done, results, *, now: datetime) -> list[Row]:
    results, last_passed = results
    units = sum(m.lessons for m in modules) + sum(1 for m in modules if m.quiz_id)
    rows = []
    starts = datetime.combine(cohort.starts_on, time.min, tzinfo=UTC)
    quiet_before = now - timedelta(days=INACTIVE_DAYS)
    for uid, name, email, enrolled_at, last_activity, completed_at in people:
        cells, got = [], 0
        for m in modules:
            n = done.get((uid, m.id), 0)
            best, passed, attempts = results.get((uid, m.quiz_id), (None, False, 0))
            complete = n >= m.lessons and (m.quiz_id is None or passed)
            started = n or attempts
            status = "complete" if complete else "in_progress" if started else "not_started"
            cells.append(Cell(status, n, best, attempts, passed))
            got += min(n, m.lessons) + (1 if m.quiz_id and passed else 0)
        row = Row(uid, name, email, enrolled_at is not None, last_activity, completed_at, cells)
        row.percent = round(100 * got / units) if units else 0
        quiet = max(last_activity or enrolled_at or starts, starts) < quiet_before
        row.flags = _flags(row, modules, last_passed, quiet)
        rows.append(row)
    return rows


def _flags(row: Row, modules: list[ModuleInfo], last_passed, quiet: bool) -> list[str]:
    """Why a trainer should look: quiet for a week (counted from the last activity, else
    from enrolment or the cohort's start), failed the last attempt, or out of attempts."""
    flags = []
    if quiet and row.enrolled and row.completed_at is None:
        flags.append("inactive")
    for module, cell in zip(modules, row.cells, strict=True):
        if module.quiz_id is None or cell.passed:
            continue
        if module.max_attempts and cell.attempts >= module.max_attempts:
            flags.append("exhausted")
        elif last_passed.get((row.user_id, module.quiz_id)) is False:
            flags.append("failed_last")
    return sorted(set(flags))


def summary(rows: list[Row]) -> dict:
    bests = [c.best_percent for r in rows for c in r.cells if c.best_percent is not None]
    return {
        "members": len(rows),
        "enrolled": sum(1 for r in rows if r.enrolled),
        "started": sum(1 for r in rows if any(c.status != "not_started" for c in r.cells)),
        "completed": sum(1 for r in rows if r.completed_at is not None),
        "average_quiz_percent": round(sum(bests) / len(bests), 1) if bests else None,
    }


def completions_per_day(session, cohort: Cohort, course: Course) -> list[tuple[str, int]]:
    """Lessons completed per day (UTC) by the cohort on this course, oldest first.

    Written from the members outwards (member → their completions of the course's lessons)
    so the database probes the (user, lesson) index instead of every lesson's readers."""
    lessons = select(Lesson.id).join(Module, Module.id == Lesson.module_id)
    day = func.date(LessonCompletion.completed_at)
    rows = session.execute(
        select(day, func.count())
        .select_from(CohortMember)
        .join(LessonCompletion, LessonCompletion.user_id == CohortMember.user_id)
        .where(
            CohortMember.cohort_id == cohort.id,
            LessonCompletion.lesson_id.in_(lessons.where(Module.course_id == course.id)),
        )
        .group_by(day)
        .order_by(day)
    ).all()
    return [(str(d), n) for d, n in rows]


def filter_rows(rows: list[Row], *, attention: bool = False, query: str = "") -> list[Row]:
    """Only those who need attention, and/or those whose name or e-mail contains the
    query (folded: accents, case and Arabic letter variants do not matter)."""
    if attention:
        rows = [r for r in rows if r.flags]
    wanted = fold(query)
    if wanted:
        rows = [r for r in rows if wanted in fold(r.name) or wanted in r.email.casefold()]
    return rows


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STATUS_RANK = {"not_started": 0, "in_progress": 1, "complete": 2}


def sort_rows(rows: list[Row], key: str, *, descending: bool = False) -> list[Row]:
    """Sort by name, progress, last activity or a module column (``m0``, ``m1``...)."""
    if key == "progress":

        def by(r):
            return r.percent
    elif key == "activity":

        def by(r):
            return r.last_activity or EPOCH
    elif key.startswith("m") and key[1:].isdigit():
        index = int(key[1:])

        def by(r):
            if index >= len(r.cells):
                return (0, -1.0)
            cell = r.cells[index]
            return (STATUS_RANK[cell.status], cell.best_percent or -1.0)
    else:

        def by(r):
            return r.name.casefold()

    ordered = sorted(rows, key=lambda r: (r.name.casefold(), r.user_id))
    return sorted(ordered, key=by, reverse=descending)
