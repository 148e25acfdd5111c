"""Lesson files: front matter, shared keys, translations present or missing, references."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from elearn.authoring.models import LESSON_KINDS, MAX_MINUTES
from elearn.authoring.package.model import CourseDoc, LessonDoc, ModuleDoc
from elearn.authoring.package.references import render_check
from elearn.core.text import clean_text

FRONT = "---"
LESSON_KEYS = {"title", "duration_minutes", "kind", "competencies", "equipment", "safety"}
#: Given once, in the source-language file, for every language.
SHARED = ("duration_minutes", "kind", "competencies")


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """(front matter, body, number of lines before the body)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != FRONT:
        return None, text, 0
    for index in range(1, len(lines)):
        if lines[index].strip() == FRONT:
            rest = "\n".join(lines[index + 1 :])
            body = rest.lstrip("\n")
            return "\n".join(lines[1:index]), body, index + 1 + len(rest) - len(body)
    return None, text, 0


def check_lessons(check, course: CourseDoc) -> None:
    index = {(m.slug, lesson.slug) for m in course.modules for lesson in m.lessons}
    codes = {c["code"] for c in course.competencies}
    for module in course.modules:
        for lesson in module.lessons:
            _lesson(check, course, module, lesson, codes)
            for lang, path in lesson.paths.items():
                if lang in lesson.bodies:
                    render_check(
                        check,
                        module,
                        path,
                        lesson.bodies[lang],
                        index,
                        lesson.body_offsets.get(lang, 0),
                    )


def _lesson(check, course: CourseDoc, module: ModuleDoc, lesson: LessonDoc, codes) -> None:
    source = course.source_language
    label = f"{module.folder}/{lesson.folder_prefix}{lesson.slug}"
    if source not in lesson.paths:
        check.error(
            f"{label}.{source}.md",
            None,
            _l(
                "missing the source-language (%(source)s) version of lesson '%(slug)s'",
                source=source,
                slug=lesson.slug,
            ),
        )
    for lang in course.languages:
        if lang not in lesson.paths and source in lesson.paths:
            check.warn(
                lesson.paths[source],
                None,
                _l(
                    "no %(lang)s version: readers in %(lang)s get the %(source)s text, "
                    "and authors see a missing translation",
                    lang=lang,
                    source=source,
                ),
            )
    for lang in [source, *[x for x in sorted(lesson.paths) if x != source]]:
        if lang not in lesson.paths:
            continue
        path = lesson.paths[lang]
        text = check.text(path, check.pkg.files[path])
        if text is None:
            continue
        front, body, offset = split_front_matter(text)
        if front is None:
            check.error(path, 1, _l("missing front matter (--- title: ... ---) at the top"))
            continue
        meta = check.yaml(path, front, line_offset=1)
        if not isinstance(meta, dict):
            if meta is not None:
                check.error(path, 2, _l("the front matter must be a mapping"))
            continue
        lesson.bodies[lang] = body
        lesson.body_offsets[lang] = offset
        _front(check, path, meta, lang, lang == source, lesson, codes)


def _front(check, path, meta, lang, is_source, lesson: LessonDoc, codes) -> None:
    for key in meta:
        if key not in LESSON_KEYS:
            check.warn(path, meta.line_of(key), _l("unknown key '%(key)s' (ignored)", key=key))
    title = (
        clean_text(str(meta.get("title") or ""))
        if isinstance(meta.get("title"), str | int | float)
        else ""
    )
    if not title:
        check.error(path, meta.line_of("title"), _l("missing title"))
    elif len(title) > 300:
        check.error(path, meta.line_of("title"), _l("title longer than 300 characters"))
    else:
        lesson.titles[lang] = title
    if is_source:
        _shared(check, path, meta, lesson, codes)
    else:
        for key in [k for k in SHARED if k in meta]:
            if meta[key] != getattr(lesson, key):
                check.warn(
                    path,
                    meta.line_of(key),
                    _l("%(key)s differs from the source-language file, which wins", key=key),
                )
    equipment = meta.get("equipment")
    if equipment is not None:
        if not isinstance(equipment, list) or not all(
            isinstance(e, str) and e.strip() for e in equipment
        ):
            check.error(path, meta.line_of("equipment"), _l("equipment must be a list of texts"))
        else:
            lesson.equipment[lang] = [e.strip() for e in equipment]
    safety = meta.get("safety")
    if safety is not None:
        if not isinstance(safety, str) or not safety.strip():
            check.error(path, meta.line_of("safety"), _l("safety must be a text"))
        else:
            lesson.safety[lang] = safety.strip()


def _shared(check, path, meta, lesson: LessonDoc, codes) -> None:
    kind = meta.get("kind", "theory")
    if kind not in LESSON_KINDS:
        check.error(path, meta.line_of("kind"), _l("kind must be theory or practical"))
    else:
        lesson.kind = kind
    duration = meta.get("duration_minutes")
    if duration is not None:
        if (
            isinstance(duration, bool)
            or not isinstance(duration, int)
            or not 0 < duration <= MAX_MINUTES
        ):
            check.error(
                path,
                meta.line_of("duration_minutes"),
                _l(
                    "duration_minutes must be a whole number of minutes, 1 to %(max)s",
                    max=MAX_MINUTES,
                ),
            )
        else:
            lesson.duration_minutes = duration
    competencies = meta.get("competencies") or []
    if not isinstance(competencies, list):
        check.error(path, meta.line_of("competencies"), _l("competencies must be a list of codes"))
        competencies = []
    for code in competencies:
        if str(code) not in codes:
            check.error(
                path,
                meta.line_of("competencies"),
                _l("unknown competency '%(code)s' (declare it in course.yml)", code=code),
            )
    lesson.competencies = [str(c) for c in competencies if str(c) in codes]
