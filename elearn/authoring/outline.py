"""Changing a course's outline in the Studio: add, rename, reorder and archive modules and
lessons. Archived items keep their rows (and learners' data); positions stay contiguous."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from elearn.accounts.models import DOMAINS, User
from elearn.authoring.models import (
    LEVELS,
    MAX_HOURS,
    MAX_MINUTES,
    Course,
    CourseStatus,
    Lesson,
    Module,
)
from elearn.authoring.package.validate import RESERVED_SLUGS, SLUG
from elearn.authoring.services import (
    AuthoringError,
    course_by_slug,
    save_content,
    search_text,
    touched,
)
from elearn.core.db import again_if_raced
from elearn.core.text import ascii_slug, clean_text
from elearn.i18n.languages import CONTENT_LANGUAGES


def _slug(value: str, taken: set[str]) -> str:
    slug = (value or "").strip().lower()
    if not SLUG.match(slug):
        raise AuthoringError(
            _l("Use lowercase letters, digits and '-' for the identifier (e.g. fault-codes)."),
            field="slug",
        )
    if slug in taken:
        raise AuthoringError(_l("This identifier is already used here."), field="slug")
    return slug


#: The identifier columns' length (``String(64)``), as the package's ``SLUG`` pattern says.
MAX_SLUG = 64


def free_slug(base: str, taken: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3``… — the first one not taken here nor reserved by
    the Studio's own addresses."""
    taken = taken | RESERVED_SLUGS
    slug, n = base, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
    return slug


def _identifier(value: str, title: str, taken: set[str], fallback: str) -> str:
    """The identifier the author typed (under "Advanced"), checked as before; else one read
    off the title, made unique: authors name things, the Studio makes addresses."""
    if (value or "").strip():
        return _slug(value, taken)
    return free_slug(ascii_slug(title, fallback), taken)


def _other_titles(course: Course, titles: dict | None) -> dict:
    """The optional titles in the course's other languages, cleaned; empty ones dropped."""
    out = {}
    for lang, value in (titles or {}).items():
        if lang in course.languages and lang != course.source_language and clean_text(value):
            out[lang] = _title(value)
    return out


def _title(value: str) -> str:
    title = clean_text(value)
    if not title or len(title) > 300:
        raise AuthoringError(_l("Give a title of 1 to 300 characters."), field="title")
    return title


def _touch(course: Course, now: datetime) -> None:
    touched(course, now)


def add_module(
    session,
    course: Course,
    *,
    slug: str = "",
    title: str,
    now: datetime,
    titles: dict | None = None,
) -> Module:
    """A module at the end of the outline. ``title`` is in the course's source language,
    ``titles`` the other languages' (optional); without ``slug`` one is made from the title."""
    title = _title(title)
    others = _other_titles(course, titles)

    def insert() -> Module:
        module = Module(
            slug=_identifier(slug, title, {m.slug for m in course.modules}, "module"),
            title={course.source_language: title, **others},
            summary={},
            lessons=[],
            position=max((m.position for m in course.modules), default=0) + 1,
        )
        course.modules.append(module)
        return module

    module = again_if_raced(session, insert)
    _touch(course, now)
    session.flush()
    return module


def add_lesson(
    session,
    course: Course,
    module: Module,
    *,
    slug: str = "",
    title: str,
    kind: str,
    user: User,
    now: datetime,
    titles: dict | None = None,
) -> Lesson:
    """A lesson at the end of ``module``, with an empty text in the source language (and in
    each other language given a title in ``titles``); without ``slug`` one is made from
    the title."""
    if kind not in ("theory", "practical"):
        raise AuthoringError(_l("Choose theory or practical."), field="kind")
    title = _title(title)
    others = _other_titles(course, titles)

    def insert() -> Lesson:
        lesson = Lesson(
            slug=_identifier(slug, title, {x.slug for x in module.lessons}, "lesson"),
            kind=kind,
            position=max((x.position for x in module.lessons), default=0) + 1,
            competencies=[],
            equipment={},
            safety={},
            contents=[],
        )
        module.lessons.append(lesson)
        save_content(
            session,
            lesson,
            course.source_language,
            title=title,
            markdown="",
            html="",
            user=user,
            now=now,
            source_language=course.source_language,
        )
        for lang, other in others.items():  # a title only: the translation is still to write
            save_content(
                session,
                lesson,
                lang,
                title=other,
                markdown="",
                html="",
                user=user,
                now=now,
                source_language=course.source_language,
            )
        return lesson

    lesson = again_if_raced(session, insert)
    _touch(course, now)
    session.flush()
    return lesson


def rename(course: Course, item: Module, lang: str, title: str, now: datetime) -> None:
    if lang not in course.languages:
        raise AuthoringError(_l("This course is not offered in that language."), field="lang")
    item.title = {**item.title, lang: _title(title)}
    _touch(course, now)


def move(course: Course, items: list, item, offset: int, now: datetime) -> None:
    """Swap with the live neighbour above (-1) or below (+1)."""
    live = [x for x in sorted(items, key=lambda x: x.position) if x.archived_at is None]
    index = live.index(item)
    other = index + offset
    if 0 <= other < len(live):
        live[index], live[other] = live[other], live[index]
        for position, x in enumerate(live, start=1):
            x.position = position
        _touch(course, now)


def move_to_module(course: Course, lesson: Lesson, target_slug: str, now: datetime) -> None:
    """Put a lesson at the end of another module of the course. It stays the same row
    (its id, so trainees' progress and its revisions go with it); its identifier gets a
    suffix if the target has one like it; live positions stay 1, 2, 3… in both modules.
    Trainees see the move at the next publication (the snapshot records the module)."""
    source = lesson.module
    target = next(
        (m for m in course.modules if m.slug == target_slug and m.archived_at is None), None
    )
    if target is None or target is source:
        raise AuthoringError(_l("Choose another module of this course."), field="module")
    if lesson.archived_at is not None or source.archived_at is not None:
        raise AuthoringError(_l("Restore the lesson before moving it."), field="module")
    taken = {x.slug for x in target.lessons}
    if lesson.slug in taken:
        lesson.slug = free_slug(lesson.slug, taken)
    position = max((x.position for x in target.lessons if x.archived_at is None), default=0)
    lesson.module = target  # leaves source.lessons too
    lesson.position = position + 1
    live = [x for x in source.lessons if x.archived_at is None and x is not lesson]
    for n, x in enumerate(sorted(live, key=lambda x: x.position), start=1):
        x.position = n
    _touch(course, now)


def archive(course: Course, item, now: datetime) -> None:
    item.archived_at = now
    _touch(course, now)


def restore(course: Course, items: list, item, now: datetime) -> None:
    item.position = max((x.position for x in items if x.archived_at is None), default=0) + 1
    item.archived_at = None
    _touch(course, now)


# -- a course written entirely in the browser ---------------------------------------------


def create_course(
    session,
    *,
    slug: str,
    network,
    domain: str,
    source_language: str,
    languages: list[str],
    title: str,
    user: User,
    now: datetime,
) -> Course:
    slug = _slug(slug, RESERVED_SLUGS)
    if domain not in DOMAINS:
        raise AuthoringError(_l("Choose a domain."), field="domain")
    languages = [lang for lang in CONTENT_LANGUAGES if lang in set(languages) | {source_language}]
    if source_language not in CONTENT_LANGUAGES:
        raise AuthoringError(_l("Choose the language you write in first."), field="source")
    title = _title(title)

    def insert() -> Course:
        if course_by_slug(session, slug) is not None:
            _slug(slug, {slug})  # says "already used", as for a module or a lesson
        course = Course(
            slug=slug,
            network=network,
            domain=domain,
            level="beginner",
            estimated_hours=1,
            source_language=source_language,
            languages=languages,
            title={source_language: title},
            summary={},
            competencies=[],
            status=CourseStatus.DRAFT,
            created_at=now,
            updated_at=now,
            modules=[],
            authors=[user] if user is not None and not user.is_admin else [],
        )
        course.search_text = search_text(course)
        session.add(course)
        return course

    return again_if_raced(session, insert)


def update_settings(
    course: Course,
    *,
    titles: dict,
    summaries: dict,
    level: str,
    hours: str,
    competencies: list[tuple[str, dict]],
    now: datetime,
) -> None:
    titles = {lang: clean_text(t) for lang, t in titles.items() if clean_text(t)}
    if course.source_language not in titles:
        raise AuthoringError(_l("The title in the source language is required."), field="title")
    if level not in LEVELS:
        raise AuthoringError(_l("Choose a level."), field="level")
    try:
        estimated = float(hours.replace(",", "."))
    except ValueError:
        estimated = 0
    if not 0 < estimated <= MAX_HOURS:
        raise AuthoringError(
            _l("Give the estimated hours as a positive number."), field="estimated_hours"
        )
    codes, items = set(), []
    for code, names in competencies:
        code = clean_text(code)
        names = {lang: clean_text(name) for lang, name in names.items()}  # titles, like others
        if not code:
            continue
        if code in codes or not names.get(course.source_language):
            raise AuthoringError(
                _l("Each competency needs its own code and a title in the source language."),
                field="competencies",
            )
        codes.add(code)
        items.append({"code": code, "title": {k: v for k, v in names.items() if v}})
    course.title = {lang: titles[lang] for lang in course.languages if lang in titles}
    course.summary = {
        lang: s.strip() for lang, s in summaries.items() if lang in course.languages and s.strip()
    }
    course.level, course.estimated_hours, course.competencies = level, estimated, items
    course.search_text = search_text(course)
    _touch(course, now)


def update_lesson_meta(
    course: Course,
    lesson: Lesson,
    lang: str,
    *,
    kind: str | None,
    duration: str | None,
    competencies: list[str] | None,
    equipment: str,
    safety: str,
    now: datetime,
) -> None:
    """Shared facts (kind, duration, competencies) come with the source language; the
    equipment list and safety note are written per language."""
    if lang == course.source_language:
        if kind not in ("theory", "practical"):
            raise AuthoringError(_l("Choose theory or practical."), field="kind")
        minutes = None
        if duration:
            # isdigit() alone takes "²", which int() refuses
            if not (duration.isascii() and duration.isdigit()) or not (
                0 < int(duration) <= MAX_MINUTES
            ):
                raise AuthoringError(
                    _l("Give the duration in whole minutes."), field="duration_minutes"
                )
            minutes = int(duration)
        known = {c["code"] for c in course.competencies}
        lesson.kind, lesson.duration_minutes = kind, minutes
        lesson.competencies = [c for c in (competencies or []) if c in known]
    items = [clean_text(line) for line in equipment.splitlines() if clean_text(line)]
    lesson.equipment = {
        **{k: v for k, v in lesson.equipment.items() if k != lang},
        **({lang: items} if items else {}),
    }
    note = safety.strip()
    lesson.safety = {
        **{k: v for k, v in lesson.safety.items() if k != lang},
        **({lang: note} if note else {}),
    }
    _touch(course, now)
