"""The published outline of a course as plain frozen values, built once per process and
publication.

Readers need the outline on every lesson page, the page trainees open most. Building it
from ORM rows cost about 1,200 JSON documents and 700 row objects per request for a
60-lesson bilingual course — most of the page's time (docs/performance.md). It changes
only when the course is published again, and every publication stamps the course's
snapshot with a new random ``version``: a worker that meets a version it has not built
builds it, so any number of processes stay right without being told to forget anything.

The values are shared between requests and threads: never modify them.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

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


def new_version() -> str:
    """Stamped into ``Course.published`` at each publication."""
    return secrets.token_hex(8)


def outline(session, course: Course) -> Outline:
    """The course's published outline: from this process's memory when this version of the
    course was built here before, else in three queries."""
    version = (course.published or {}).get("version")
    if version is None:  # published before versions were stamped: not cacheable
        return build(session, course.id)
    store, lock = _store()
    key = (course.id, version)
    with lock:
        found = store.get(key)
        if found is not None:
            store.move_to_end(key)
            return found
    built = build(session, course.id)
    with lock:
        store[key] = built
        while len(store) > MAX_OUTLINES:
            store.popitem(last=False)
    return built


def _store() -> tuple[OrderedDict, threading.Lock]:
    # per application, not per module: tests run many apps, each with its own database
    found = current_app.extensions.get(STORE)
    if found is None:  # first use (only then are a dict and a lock built)
        found = current_app.extensions.setdefault(STORE, (OrderedDict(), threading.Lock()))
    return found


def build(session, course_id: int) -> Outline:
    """Modules and lessons that are part of the published version, in reading order."""
    module_rows = session.execute(
        select(Module.id, Module.slug, Module.published, Quiz.id, Quiz.published)
        .outerjoin(Quiz, (Quiz.module_id == Module.id) & Quiz.published.is_not(None))
        .where(Module.course_id == course_id, Module.published.is_not(None))
    ).all()
    counts = dict(
        session.execute(
            select(Question.quiz_id, func.count())
            .where(
                Question.quiz_id.in_([r[3] for r in module_rows if r[3] is not None]),
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
        .where(Module.course_id == course_id, Lesson.published.is_not(None))
    ).all()
    modules = sorted(
        (
            PublishedModule(
                id=mid,
                slug=slug,
                published=snap,
                quiz=None if qid is None else {**qsnap, "question_count": counts.get(qid, 0)},
                quiz_id=qid,
            )
            for mid, slug, snap, qid, qsnap in module_rows
        ),
        key=lambda m: m.published["position"],
    )
    lessons: dict[int, tuple[int, PublishedLesson]] = {}
    for module_id, lid, slug, snap, lang, csnap in lesson_rows:
        if lid not in lessons:
            lessons[lid] = (module_id, PublishedLesson(lid, slug, snap, {}))
        if lang is not None:
            lessons[lid][1].titles[lang] = csnap["title"]
    by_module: dict[int, list[PublishedLesson]] = {}
    for module_id, lesson in lessons.values():
        by_module.setdefault(module_id, []).append(lesson)
    entries = []
    for module in modules:
        ordered = sorted(by_module.get(module.id, []), key=lambda ls: ls.published["position"])
        entries += [Entry(module, lesson) for lesson in ordered]
    return Outline(tuple(entries), tuple(modules))


def lesson_html(session, lesson_id: int, lang: str) -> str:
    """The published HTML of one language version: the only text the page loads."""
    html = session.scalar(
        select(LessonContent.published_html).where(
            LessonContent.lesson_id == lesson_id, LessonContent.lang == lang
        )
    )
    return html or ""
