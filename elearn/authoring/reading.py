"""Courses as readers see them: the published snapshot (or the working copy for authors),
in the language asked for, falling back to the source language with a notice."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from flask import g
from flask_login import current_user
from sqlalchemy import inspect, select
from sqlalchemy.orm import defer, selectinload

from elearn.authoring import policy, published, services
from elearn.authoring.models import Course, Lesson, Module, Quiz
from elearn.authoring.rendering import trusted
from elearn.extensions import db
from elearn.i18n.languages import direction, pick_language


def outline(course: Course) -> list[Module]:
    """The working copy's modules with lessons, contents and quizzes in a fixed number of
    queries (none when the caller loaded them already). Readers use
    :mod:`elearn.authoring.published` instead."""
    if "modules" not in inspect(course).unloaded:
        return sorted(course.modules, key=lambda m: m.position)
    return list(
        db.session.scalars(
            select(Module)
            .where(Module.course_id == course.id)
            .order_by(Module.position)
            .options(
                selectinload(Module.lessons).selectinload(Lesson.contents),
                selectinload(Module.quiz).lazyload(Quiz.questions),
            )
        )
    )


def course_for_reader(slug: str) -> Course | None:
    """The course row alone: readers use its published snapshot, and the outline comes
    from :mod:`elearn.authoring.published`; the working copy's texts stay unread."""
    return db.session.scalar(
        select(Course)
        .where(Course.slug == slug)
        .options(
            defer(Course.title),
            defer(Course.summary),
            defer(Course.search_text),
            defer(Course.competencies),
        )
    )


@dataclass
class Item:
    module: Module
    lesson: Lesson


def ordered_lessons(course: Course, *, draft: bool) -> list[Item]:
    """Live lessons in reading order (computed once per request and course)."""
    cache = g.setdefault("_ordered_lessons", {})
    key = (course.id, draft)
    if key not in cache:
        cache[key] = _ordered(course, draft)
    return cache[key]


def _ordered(course: Course, draft: bool) -> list:
    if not draft:
        # frozen values shaped like Item, cached per process and publication
        return list(published.outline(db.session, course).entries)
    items = []
    for module in outline(course):
        if module.archived_at is None:
            items += [
                Item(module, lesson) for lesson in module.lessons if lesson.archived_at is None
            ]
    return items


def find_lesson(course: Course, module_slug: str, lesson_slug: str, *, draft: bool):
    for item in ordered_lessons(course, draft=draft):
        if item.module.slug == module_slug and item.lesson.slug == lesson_slug:
            return item
    return None


def _titles(lesson, draft: bool) -> dict[str, str]:
    """Language → title of the version asked for (a published lesson carries them)."""
    if draft:
        return {c.lang: c.title for c in lesson.contents}
    return dict(lesson.titles)  # a copy: the outline's values are shared by every request


_LEADING_HEADING = re.compile(r"^\s*<h2 id=\"[^\"]*\">(.*?)</h2>\s*", re.S)


_HEADING_TAG = re.compile(r"<(/?)h([2-6])\b")


def without_repeated_title(html: str, title: str) -> str:
    """Authors often open the text with ``# <title>``: the page shows the title already.
    The text's headings then start at ``<h2>`` under the page's ``<h1>``, whatever level
    the author began at (headings in order, for screen readers' outline)."""
    match = _LEADING_HEADING.match(html)
    if match and unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() == title.strip():
        html = html[match.end() :]
    levels = [int(level) for _slash, level in _HEADING_TAG.findall(html)]
    shift = min(levels, default=2) - 2
    if shift:
        html = _HEADING_TAG.sub(lambda m: f"<{m[1]}h{int(m[2]) - shift}", html)
    return html


def neighbours(course: Course, item: Item, *, draft: bool):
    """The lessons before and after this one in reading order, as {module, lesson}."""
    sequence = ordered_lessons(course, draft=draft)
    index = next(i for i, it in enumerate(sequence) if it.lesson.id == item.lesson.id)

    def ref(i: int):
        if 0 <= i < len(sequence):
            return {"module": sequence[i].module.slug, "lesson": sequence[i].lesson.slug}
        return None

    return ref(index - 1), ref(index + 1)


def lesson_view(course: Course, item, lang: str, *, draft: bool) -> dict:
    """The lesson in ``lang`` (the content language asked for) or, when it has no such
    version, the one :func:`~elearn.i18n.languages.pick_language` falls back to; the page
    says so when ``lang`` and ``requested_lang`` differ."""
    titles = _titles(item.lesson, draft)
    source = course.source_language
    chosen = pick_language(titles, lang, source) or lang
    title = titles.get(chosen, "")
    if chosen not in titles:
        html = ""
    elif draft:
        html = item.lesson.content(chosen).html
    else:
        html = published.lesson_html(db.session, item.lesson.id, chosen)
    fields = item.lesson if draft else None
    snap = item.lesson.published or {}

    def value(key):
        return getattr(fields, key) if fields is not None else snap.get(key)

    previous, following = neighbours(course, item, draft=draft)
    equipment, safety = value("equipment") or {}, value("safety") or {}
    # the lists fall back on their own: a translation may leave them to the source text
    equipment_lang = pick_language([k for k, v in equipment.items() if v], chosen, source)
    safety_lang = pick_language([k for k, v in safety.items() if v], chosen, source)
    return {
        "title": title,
        "lang": chosen,
        "requested_lang": lang,
        "html": trusted(without_repeated_title(html, title)),
        "dir": direction(chosen),
        "languages": sorted(titles),
        "kind": value("kind"),
        "duration_minutes": value("duration_minutes"),
        "competencies": value("competencies"),
        "equipment": equipment.get(equipment_lang) or [],
        "equipment_lang": equipment_lang or chosen,
        "safety": safety.get(safety_lang),
        "safety_lang": safety_lang or chosen,
        "previous": previous,
        "next": following,
        "completed": False,
    }


def course_summary(course: Course, user) -> dict:
    live = course.published if course.published and not policy.may_author(user, course) else None
    meta = live or {
        "title": course.title,
        "summary": course.summary,
        "level": course.level,
        "estimated_hours": course.estimated_hours,
        "languages": course.languages,
    }
    return {
        "slug": course.slug,
        "domain": course.domain,
        "network": course.network.code,
        "status": course.status,
        "title": meta["title"],
        "summary": meta["summary"],
        "level": meta["level"],
        "estimated_hours": meta["estimated_hours"],
        "languages": meta["languages"],
    }


def course_detail(course: Course, *, draft: bool) -> dict:
    body = course_summary(course, current_user if not draft else None)
    if draft:
        body.update(title=course.title, summary=course.summary, languages=course.languages)
    body["competencies"] = (
        course.competencies if draft else (course.published or {}).get("competencies", [])
    )
    modules: dict[int, dict] = {}
    for item in ordered_lessons(course, draft=draft):
        module = item.module
        if module.id not in modules:
            modules[module.id] = {
                "slug": module.slug,
                "title": module.title if draft else module.published["title"],
                "lessons": [],
                "quiz": _quiz_summary(module, draft),
            }
        titles = _titles(item.lesson, draft)
        snap = item.lesson.published or {}
        modules[module.id]["lessons"].append(
            {
                "slug": item.lesson.slug,
                "title": titles,
                "kind": item.lesson.kind if draft else snap.get("kind"),
                "duration_minutes": item.lesson.duration_minutes
                if draft
                else snap.get("duration_minutes"),
                "languages": sorted(titles),
            }
        )
    body["modules"] = list(modules.values())
    return body


def _quiz_summary(module, draft: bool) -> dict | None:
    if not draft:
        return module.quiz and {
            k: module.quiz[k]
            for k in ("title", "pass_mark", "max_attempts", "time_limit_minutes", "question_count")
        }
    quiz = module.quiz
    if quiz is None or quiz.archived_at is not None:
        return None
    return {
        "title": quiz.title,
        "pass_mark": quiz.pass_mark,
        "max_attempts": quiz.max_attempts,
        "time_limit_minutes": quiz.time_limit_minutes,
        "question_count": sum(1 for q in quiz.questions if q.archived_at is None),
    }


def translation_board(course: Course) -> dict:
    rows = []
    for item in ordered_lessons(course, draft=True):
        rows.append(
            {
                "module": item.module.slug,
                "lesson": item.lesson.slug,
                "states": {
                    lang: services.translation_state(item.lesson, lang, course.source_language)
                    for lang in course.languages
                },
            }
        )
    return {
        "source_language": course.source_language,
        "languages": course.languages,
        "lessons": rows,
    }
