"""The published outline of a course as plain frozen values, built once per process and
publication: the one place that says what a published course is made of.

Readers need the outline on every lesson page, the page trainees open most; progress,
certificates, the trainer's dashboard, the exports, the API and the item analysis read the
same values, so they can never disagree on which modules, lessons and quizzes count.
Building it from ORM rows cost about 1,200 JSON documents and 700 row objects per request
for a 60-lesson bilingual course — most of the page's time (docs/performance.md). It changes
only when the course is published again, and every publication stamps the course's
snapshot with a new random ``version``: a worker that meets a version it has not built
builds it, so any number of processes stay right without being told to forget anything.

The values are shared between requests and threads: never modify them.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from flask import current_app
from sqlalchemy import func, select

from elearn.authoring.models import Course, Lesson, LessonContent, Module, Question, Quiz

#: Outlines kept per process (least recently used dropped first): a few KB to a few
#: hundred KB each, so the catalogue's every course fits well under a worker's budget.
MAX_OUTLINES = 256
STORE = "elearn.published_outlines"


@dataclass(frozen=True, slots=True, eq=False)
class PublishedModule:
    id: int
    slug: str
    #: The module's snapshot: ``position``, ``title``, ``summary``.
    published: dict
    #: The live quiz's settings and question count, or None.
    quiz: dict | None
    quiz_id: int | None

    @property
    def title(self) -> dict:
        return self.published.get("title") or {}


@dataclass(frozen=True, slots=True, eq=False)
class PublishedLesson:
    id: int
    slug: str
    #: The lesson's snapshot: ``position``, ``kind``, ``duration_minutes``, ``equipment``…
    published: dict
    #: Language → published title (the languages the lesson is published in).
    titles: dict


@dataclass(frozen=True, slots=True)
class Entry:
    """A lesson in reading order, shaped like ``reading.Item`` (``.module``, ``.lesson``)."""

    module: PublishedModule
    lesson: PublishedLesson


@dataclass(frozen=True, slots=True)
class Outline:
    entries: tuple[Entry, ...]
    modules: tuple[PublishedModule, ...]
    #: Module id → its published lessons in reading order (every module has an entry).
    lessons: Mapping[int, tuple[PublishedLesson, ...]]

    @property
    def lesson_ids(self) -> list[int]:
        return [entry.lesson.id for entry in self.entries]

    @property
    def quiz_ids(self) -> list[int]:
        return [m.quiz_id for m in self.modules if m.quiz_id is not None]


def new_version() -> str:
    """Stamped into ``Course.published`` at each publication."""
    return secrets.token_hex(8)


def outline(session, course: Course) -> Outline:
    """The course's published outline: from this process's memory when this version of the
    course was built here before, else in three queries."""
    return outlines(session, [course])[course.id]


def outlines(session, courses: list[Course]) -> dict[int, Outline]:
    """Each course's published outline; the versions this process has not built yet are
    built together, in three queries whatever their number (My learning lists many)."""
    found: dict[int, Outline] = {}
    store, lock = _store()
    with lock:
        for course in courses:
            key = _key(course)
            if key is not None and key in store:
                store.move_to_end(key)
                found[course.id] = store[key]
    missing = [c for c in courses if c.id not in found]
    if not missing:
        return found
    built = build(session, [c.id for c in missing])
    found.update(built)
    with lock:
        for course in missing:
            key = _key(course)
            if key is not None:  # published before versions were stamped: not cacheable
                store[key] = built[course.id]
        while len(store) > MAX_OUTLINES:
            store.popitem(last=False)
    return found


def _key(course: Course) -> tuple[int, str] | None:
    version = (course.published or {}).get("version")
    return None if version is None else (course.id, version)


def _store() -> tuple[OrderedDict, threading.Lock]:
    # per application, not per module: tests run many apps, each with its own database
    found = current_app.extensions.get(STORE)
    if found is None:  # first use (only then are a dict and a lock built)
        found = current_app.extensions.setdefault(STORE, (OrderedDict(), threading.Lock()))
    return found


def build(session, course_ids: list[int]) -> dict[int, Outline]:
    """Per course, the modules and lessons that are part of the published version, in
    reading order: three queries whatever the number of courses.

    A lesson counts when its own snapshot and its module's are published: a lesson archived
    or taken out of the package is gone from the outline at the next publication, and so
    from every reader, progress and dashboard at once. A lesson sits in the module its
    snapshot names, so a move in the Studio shows at the next publication too."""
    module_rows = session.execute(
        select(Module.course_id, Module.id, Module.slug, Module.published, Quiz.id)
        .add_columns(Quiz.published)
        .outerjoin(Quiz, (Quiz.module_id == Module.id) & Quiz.published.is_not(None))
        .where(Module.course_id.in_(course_ids), Module.published.is_not(None))
    ).all()
    counts = dict(
        session.execute(
            select(Question.quiz_id, func.count())
            .where(
                Question.quiz_id.in_([r[4] for r in module_rows if r[4] is not None]),
                Question.published.is_not(None),
            )
            .group_by(Question.quiz_id)
        ).all()
    )
    lesson_rows = session.execute(
        select(
            Lesson.module_id,
            Lesson.id,
            Lesson.slug,
            Lesson.published,
            LessonContent.lang,
            LessonContent.published,
        )
        .join(Module, Module.id == Lesson.module_id)
        .outerjoin(
            LessonContent,
            (LessonContent.lesson_id == Lesson.id) & LessonContent.published.is_not(None),
        )
        .where(Module.course_id.in_(course_ids), Lesson.published.is_not(None))
    ).all()
    modules: dict[int, list[PublishedModule]] = {cid: [] for cid in course_ids}
    for course_id, mid, slug, snap, qid, qsnap in module_rows:
        quiz = None if qid is None else {**qsnap, "question_count": counts.get(qid, 0)}
        modules[course_id].append(PublishedModule(mid, slug, snap, quiz, qid))
    lessons: dict[int, tuple[int, PublishedLesson]] = {}
    for module_id, lid, slug, snap, lang, csnap in lesson_rows:
        if lid not in lessons:
            # where it was published (moved in the Studio since: still there for trainees);
            # snapshots written before modules were recorded name none
            published_in = snap.get("module_id", module_id)
            published_slug = snap.get("slug", slug)
            lessons[lid] = (published_in, PublishedLesson(lid, published_slug, snap, {}))
        if lang is not None:
            lessons[lid][1].titles[lang] = csnap["title"]
    by_module: dict[int, list[PublishedLesson]] = {}
    for module_id, lesson in lessons.values():
        by_module.setdefault(module_id, []).append(lesson)
    return {cid: _assemble(found, by_module) for cid, found in modules.items()}


def _assemble(found: list[PublishedModule], by_module: dict) -> Outline:
    ordered_modules = tuple(sorted(found, key=lambda m: m.published["position"]))
    entries, lessons = [], {}
    for module in ordered_modules:
        ordered = by_module.get(module.id, [])
        lessons[module.id] = tuple(sorted(ordered, key=lambda ls: ls.published["position"]))
        entries += [Entry(module, lesson) for lesson in lessons[module.id]]
    return Outline(tuple(entries), ordered_modules, MappingProxyType(lessons))


def lesson_html(session, lesson_id: int, lang: str) -> str:
    """The published HTML of one language version: the only text the page loads."""
    html = session.scalar(
        select(LessonContent.published_html).where(
            LessonContent.lesson_id == lesson_id, LessonContent.lang == lang
        )
    )
    return html or ""
