"""The trainer's view of a cohort on one course: the grid, its summary, who needs attention.

Each row is the trainee's own ``progress.CourseState``, computed by the same rule from the
same published outline as their course page, so the dashboard, its exports and the API can
never say something else than the trainee sees. Everything is read in a fixed number of
queries, whatever the cohort's size: members with their enrolment (1), the course outline
(this worker's memory, or 3), lessons completed per trainee and module (1), quiz results
per trainee and quiz (1, ``quizzes.results``), completions per day (1). Python does the
rest, in one pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, case, func, select, tuple_

from elearn.accounts.models import User
from elearn.authoring import published
from elearn.authoring.models import Course, Lesson, Module
from elearn.authoring.published import Outline, PublishedModule
from elearn.cohorts.models import Cohort, CohortMember
from elearn.core.text import fold
from elearn.learning import progress
from elearn.learning.models import Enrolment, LessonCompletion
from elearn.learning.progress import CourseState, ModuleState
from elearn.quizzes import results as quiz_results
from elearn.quizzes import services as quizzes

INACTIVE_DAYS = 7


@dataclass(slots=True)
class Row:
    user_id: int
    name: str
    email: str
    enrolled: bool
    last_activity: datetime | None
    completed_at: datetime | None
    state: CourseState
    flags: list[str] = field(default_factory=list)  # inactive | failed_last | exhausted

    @property
    def cells(self) -> tuple[ModuleState, ...]:
        """One per column of the grid (``progress.counted_modules``), in module order."""
        return self.state.modules

    @property
    def percent(self) -> int:
        return self.state.percent


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


def _done_per_module(session, members, outline: Outline) -> dict[tuple[int, int], int]:
    """Lessons of the published outline read, per trainee and module — the module the
    outline puts the lesson in (where it was published), not where the Studio has moved
    it since."""
    lesson_ids = outline.lesson_ids
    if not lesson_ids:
        return {}
    module_of = case(
        {e.lesson.id: e.module.id for e in outline.entries}, value=LessonCompletion.lesson_id
    ).label("module_id")
    rows = session.execute(
        select(LessonCompletion.user_id, module_of, func.count())
        .where(LessonCompletion.user_id.in_(members), LessonCompletion.lesson_id.in_(lesson_ids))
        .group_by(LessonCompletion.user_id, module_of)
    ).all()
    return {(uid, mid): n for uid, mid, n in rows}


def grid(
    session, cohort: Cohort, course: Course, *, now: datetime
) -> tuple[tuple[PublishedModule, ...], list[Row]]:
    """The grid's columns (the modules that count) and one row per member."""
    outline = published.outline(session, course)
    members = _cohort_members(cohort)
    done = _done_per_module(session, members, outline)
    results = quiz_results.of(session, members, outline.quiz_ids)
    allowed = quizzes.allowances(session, members, outline.quiz_ids)
    people = _members(session, cohort, course)
    rows = _rows(cohort, outline, people, done, results, allowed, now=now)
    return progress.counted_modules(outline), rows


def grid_slices(
    session, cohort: Cohort, course: Course, *, now: datetime, size: int = 1000
) -> tuple[tuple[PublishedModule, ...], Iterator[list[Row]]]:
    """The same rows as :func:`grid`, in name order, ``size`` trainees at a time: what a
    streamed export needs so its memory stays flat whatever the cohort's size (three
    queries a slice)."""
    outline = published.outline(session, course)

    def slices() -> Iterator[list[Row]]:
        after = None
        while True:
            people = _members(session, cohort, course, after=after, limit=size + 1)
            page, more = people[:size], len(people) > size
            if not page:
                return
            ids = [p[0] for p in page]
            done = _done_per_module(session, ids, outline)
            results = quiz_results.of(session, ids, outline.quiz_ids)
            allowed = quizzes.allowances(session, ids, outline.quiz_ids)
            yield _rows(cohort, outline, page, done, results, allowed, now=now)
            if not more:
                return
            after = (page[-1][1], page[-1][0])

    return progress.counted_modules(outline), slices()


def _rows(cohort, outline: Outline, people, done, results, allowed, *, now: datetime) -> list[Row]:
    modules = progress.counted_modules(outline)
    rows = []
    starts = datetime.combine(cohort.starts_on, time.min, tzinfo=UTC)
    quiet_before = now - timedelta(days=INACTIVE_DAYS)
    for uid, name, email, enrolled_at, last_activity, completed_at in people:
        state = progress.state_of(
            outline,
            {m.quiz_id: results[uid, m.quiz_id] for m in modules if (uid, m.quiz_id) in results},
            done_per_module={m.id: done.get((uid, m.id), 0) for m in modules},
        )
        row = Row(uid, name, email, enrolled_at is not None, last_activity, completed_at, state)
        quiet = max(last_activity or enrolled_at or starts, starts) < quiet_before
        budgets = {m.quiz_id: allowed.get((uid, m.quiz_id)) for m in modules if m.quiz_id}
        row.flags = _flags(row, modules, quiet, budgets)
        rows.append(row)
    return rows


def _flags(
    row: Row, modules: tuple[PublishedModule, ...], quiet: bool, budgets: dict | None = None
) -> list[str]:
    """Why a trainer should look: quiet for a week (counted from the last activity, else
    from enrolment or the cohort's start), failed the last attempt (since the module was
    last reopened), or out of attempts (the quizzes' own budget, trainers' grants in)."""
    budgets = budgets or {}
    flags = []
    if quiet and row.enrolled and row.completed_at is None:
        flags.append("inactive")
    for module, cell in zip(modules, row.cells, strict=True):
        if module.quiz_id is None or cell.passed:
            continue
        max_attempts = (module.quiz or {}).get("max_attempts") or 0
        allowance = budgets.get(module.quiz_id)
        if quizzes.is_exhausted(max_attempts, cell.attempts, cell.passed, allowance):
            flags.append("exhausted")
        elif (
            cell.quiz is not None
            and cell.quiz.last_passed is False
            and quizzes.failed_since_reopened(cell.attempts, allowance)
        ):
            flags.append("failed_last")
    return sorted(set(flags))


def summary(rows: list[Row]) -> dict:
    bests = [c.best_percent for r in rows for c in r.cells if c.best_percent is not None]
    return {
        "members": len(rows),
        "enrolled": sum(1 for r in rows if r.enrolled),
        "started": sum(1 for r in rows if r.state.started),
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
