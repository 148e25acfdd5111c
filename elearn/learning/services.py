"""Learning rules: enrolling, reading, progress (who may read a course: ``policy.py``).

Plain functions over an explicit session; they flush and never commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from elearn.accounts.models import Network, Role
from elearn.authoring import published
from elearn.authoring.models import Course
from elearn.core.errors import DomainError
from elearn.core.text import fold
from elearn.learning import policy, progress
from elearn.learning.models import Certificate, Enrolment, LessonCompletion


class LearningError(DomainError):
    """A learning action that is not possible, with what to do instead."""


def enrolment(session, user, course: Course) -> Enrolment | None:
    if user is None or not user.is_authenticated:
        return None
    return session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )


def enrol(session, user, course: Course, *, now: datetime, source: str = "self"):
    """Enrol once (a retry or a double click changes nothing). Returns (row, created)."""
    if not course.is_live:
        raise LearningError(_l("This course is not published."), status=404)
    existing = enrolment(session, user, course)
    if existing is not None:
        return existing, False
    if source == "self" and not course.open_enrolment:
        raise LearningError(
            _l("This course is followed through a cohort of your centre: ask your trainer."),
            status=403,
        )
    row = Enrolment(user_id=user.id, course_id=course.id, source=source, created_at=now)
    try:
        with session.begin_nested():  # two clicks at once: the unique constraint decides
            session.add(row)
            session.flush()
    except IntegrityError:
        return enrolment(session, user, course), False
    return row, True


# -- progress -----------------------------------------------------------------------------


def my_courses(session, user) -> list[dict]:
    """Each enrolled course with its progress, quiz results, where to continue and the
    certificate once earned: a constant number of queries for any number of courses."""
    rows = session.execute(
        select(Enrolment, Course, Certificate.code)
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(
            Certificate,
            (Certificate.course_id == Course.id) & (Certificate.user_id == Enrolment.user_id),
        )
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.completed_at.is_not(None), Enrolment.created_at.desc())
    ).all()
    found = progress.states(session, user.id, [course for _e, course, _c in rows])
    out = []
    for enrolled, course, code in rows:
        state = found[course.id]
        out.append(
            {
                "course": course,
                "enrolment": enrolled,
                "completed": state.completed_lessons,
                "total": state.total_lessons,
                "percent": state.percent,
                "next": state.next_lesson,
                "next_quiz": state.next_quiz,
                "started": state.started,
                "quizzes": state.quiz_results(),
                "complete": enrolled.completed_at is not None,
                "certificate": code,
            }
        )
    return out


def reader_progress(session, user, course: Course) -> progress.CourseState | None:
    """The reader's state in the course when enrolled (None otherwise): the lesson page
    shows the module's outline with what is read and the course's percent."""
    if user is None or not user.is_authenticated:
        return None
    return progress.reader_state(session, user.id, course)


def lesson_place(session, course: Course, item, state: progress.CourseState | None) -> dict:
    """Where a published lesson sits: its module, its place in it ("2 of 3"), the module's
    lessons with those read (``state``: the reader's, None for who is not enrolled)."""
    siblings = published.outline(session, course).lessons.get(item.module.id, ())
    done = state.done if state is not None else frozenset()
    return {
        "module_title": item.module.title,
        "position": next(i for i, x in enumerate(siblings, 1) if x.id == item.lesson.id),
        "count": len(siblings),
        "lessons": [
            {
                "module": item.module.slug,
                "lesson": x.slug,
                "titles": x.titles,
                "done": x.id in done,
                "current": x.id == item.lesson.id,
            }
            for x in siblings
        ],
        "percent": state.percent if state is not None else None,
    }


def progress_in(session, user, courses: list[Course]) -> dict[int, progress.CourseState]:
    """The courses of a list (a catalogue page) the person is enrolled in, with their state:
    three queries whatever the number of courses."""
    if user is None or not user.is_authenticated or not courses:
        return {}
    mine = set(
        session.scalars(
            select(Enrolment.course_id).where(
                Enrolment.user_id == user.id, Enrolment.course_id.in_([c.id for c in courses])
            )
        )
    )
    return progress.states(session, user.id, [c for c in courses if c.id in mine])


#: A course as a card shows it: its published snapshot, not the texts searched or listed.
_CARD_ONLY = (defer(Course.search_text), defer(Course.competencies))
#: "Published lately" on the home page: this far back, at most this many courses.
RECENT = timedelta(days=30)
RECENT_COUNT = 4


def home_for(session, user, *, now: datetime) -> dict:
    """A person's learning at a glance, in the same few queries whatever the number of
    courses: where to continue (the course last worked on, and its next step), the courses
    in progress, those a trainer's cohort assigned and not started yet, and the courses
    published lately that they may follow and do not follow yet."""
    rows = session.execute(
        select(Enrolment, Course)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id, Course.is_live)
        .options(*_CARD_ONLY)
        .order_by(
            Enrolment.last_activity_at.is_(None),
            Enrolment.last_activity_at.desc(),
            Enrolment.created_at.desc(),
            Course.id,
        )
    ).all()
    courses = [course for _e, course in rows]
    outlines = published.outlines(session, courses)
    found = progress.states(session, user.id, courses, outlines=outlines)
    in_progress, assigned, completed = [], [], 0
    for row, course in rows:
        state = found[course.id]
        if row.completed_at is not None or state.complete:
            completed += 1
            continue
        entry = {
            "course": course,
            "state": state,
            "next": _step_titles(outlines[course.id], state.next_step),
        }
        if not state.started and row.source == "cohort":
            assigned.append(entry)
        else:
            in_progress.append(entry)
    going_on = next((entry for entry in in_progress if entry["state"].started), None)
    mine = select(Enrolment.course_id).where(Enrolment.user_id == user.id)
    recent = session.scalars(
        select(Course)
        .where(
            Course.is_live,
            Course.published_at >= now - RECENT,
            Course.id.not_in(mine),
            or_(Course.open_enrolment, policy.readable_by(user)),
        )
        .options(*_CARD_ONLY)
        .order_by(Course.published_at.desc(), Course.id)
        .limit(RECENT_COUNT)
    ).all()
    return {
        "resume": going_on,
        "in_progress": [entry for entry in in_progress if entry is not going_on],
        "assigned": assigned,
        "completed": completed,
        "recent": recent,
    }


def _step_titles(outline, step: dict | None) -> dict | None:
    """The next step with what the page says of it: the module's and the lesson's titles
    (language → text)."""
    if step is None:
        return None
    module = next(m for m in outline.modules if m.slug == step["module"])
    titles = {"module_title": module.title}
    if step["kind"] == "lesson":
        lesson = next(x for x in outline.lessons[module.id] if x.slug == step["lesson"])
        titles["lesson_title"] = dict(lesson.titles)
    return {**step, **titles}


def home_panel(session, user, *, now: datetime) -> dict | None:
    """The home page's learning panel (``accounts.home``): for trainees always, for
    others once they follow a course."""
    found = home_for(session, user, now=now)
    following = found["resume"] or found["in_progress"] or found["assigned"]
    if Role.TRAINEE not in user.roles and not following and not found["completed"]:
        return None
    return {"template": "learning/_home.html", **found}


def completed_ids(session, user, lesson_ids: list[int]) -> set[int]:
    return progress.completed_ids(session, user.id, lesson_ids)


def complete_lesson(session, user, course: Course, lesson, *, now: datetime) -> int:
    """Record the completion once and return the course's progress percent."""
    row = enrolment(session, user, course)
    if row is None:
        raise LearningError(_l("Enrol in the course to read its lessons."), status=403)
    if not completed_ids(session, user, [lesson.id]):
        try:
            with session.begin_nested():
                session.add(
                    LessonCompletion(user_id=user.id, lesson_id=lesson.id, completed_at=now)
                )
                session.flush()
        except IntegrityError:
            pass  # the same click, twice at once: it is recorded
    return progress.record_activity(session, user, course, row, now=now).percent


def catalogue_query(
    *, q: str = "", domain: str = "", network: str = "", level: str = "", language: str = ""
):
    """Published courses matching the filters; the search folds accents and Arabic variants
    ("صيانه" finds "صيانة"). Unknown filter values simply match nothing."""

    stmt = select(Course).where(Course.is_live).order_by(Course.slug)
    if q.strip():
        stmt = stmt.where(Course.search_text.contains(fold(q)))
    if domain:
        stmt = stmt.where(Course.domain == domain)
    if network:
        stmt = stmt.join(Network).where(Network.code == network.upper())
    if level:
        stmt = stmt.where(Course.level == level)
    if language:
        stmt = stmt.where(cast(Course.languages, String).like(f'%"{language[:8]}"%'))
    return stmt
