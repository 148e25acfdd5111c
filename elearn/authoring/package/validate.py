"""Validate a package completely: every problem as ``path:line: message``, never stopping
at the first, and build the course document the importer applies."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from elearn.accounts.models import DOMAINS
from elearn.authoring.models import LEVELS, MAX_HOURS, MAX_POSITION
from elearn.authoring.package.checker import Checker
from elearn.authoring.package.files import PackageFiles
from elearn.authoring.package.lessons import check_lessons
from elearn.authoring.package.model import CourseDoc, LessonDoc, ModuleDoc, Report
from elearn.authoring.package.quizcheck import check_bank, check_quiz
from elearn.authoring.package.references import check_media_files
from elearn.authoring.package.yamlio import LineDict, is_number
from elearn.i18n.languages import CONTENT_LANGUAGES

#: ``\Z``, never ``$``, in every pattern that validates: ``$`` also matches before a final
#: newline, so "obd\n" passed as a slug (and its export and import answered 500).
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z")
#: Words the Studio uses in its own addresses.
RESERVED_SLUGS = {"review", "import", "new"}
MODULE_DIR = re.compile(r"^([0-9]+)-([^/]+)\Z")
LESSON_FILE = re.compile(r"^([0-9]+)-([^/]+)\.([a-z]{2})\.md\Z")

COURSE_KEYS = {
    "slug",
    "domain",
    "network",
    "source_language",
    "languages",
    "level",
    "estimated_hours",
    "title",
    "summary",
    "competencies",
    "authors",
}


def validate_package(pkg: PackageFiles, *, networks: Iterable[str]) -> Report:
    check = Checker(pkg, networks)
    if "course.yml" not in pkg.files:
        check.error("course.yml", None, _l("missing course.yml"))
        return Report(None, check.issues)
    data = check.yaml("course.yml")
    if not isinstance(data, dict):
        if data is not None:
            check.error("course.yml", 1, _l("course.yml must be a mapping of keys to values"))
        return Report(None, check.issues)
    course = _course(check, data)
    if "bank.yml" in pkg.files:  # before the modules: their quizzes draw from it
        bank = check.yaml("bank.yml")
        if bank is not None:
            course.bank = check_bank(check, "bank.yml", bank, course)
    _modules(check, course)
    check_media_files(check, course)
    return Report(course, check.issues)


def _course(check: Checker, data: LineDict) -> CourseDoc:
    path = "course.yml"
    slug = str(data.get("slug") or check.pkg.name)
    if not SLUG.match(slug):
        check.error(
            path,
            data.line_of("slug"),
            _l(
                "bad slug '%(slug)s': lowercase letters, digits and '-', 1 to 64 characters",
                slug=slug,
            ),
        )
    elif slug in RESERVED_SLUGS:
        check.error(
            path,
            data.line_of("slug"),
            _l("the slug '%(slug)s' is reserved by the platform", slug=slug),
        )
    course = CourseDoc(slug=slug)
    for key in data:
        if key not in COURSE_KEYS:
            check.warn(path, data.line_of(key), _l("unknown key '%(key)s' (ignored)", key=key))
    course.domain = str(data.get("domain", ""))
    if course.domain not in DOMAINS:
        check.error(
            path,
            data.line_of("domain"),
            _l(
                "unknown domain '%(domain)s': one of %(domains)s",
                domain=course.domain,
                domains=", ".join(DOMAINS),
            ),
        )
    course.network = str(data.get("network", ""))
    if course.network not in check.networks:
        check.error(
            path,
            data.line_of("network"),
            _l("unknown network '%(network)s'", network=course.network),
        )
    source = data.get("source_language", "fr")
    languages = data.get("languages") or [source]
    if not isinstance(languages, list) or any(lang not in CONTENT_LANGUAGES for lang in languages):
        check.error(
            path,
            data.line_of("languages"),
            _l(
                "languages must be a list among %(languages)s",
                languages=", ".join(CONTENT_LANGUAGES),
            ),
        )
        languages = (
            [lang for lang in languages if lang in CONTENT_LANGUAGES]
            if isinstance(languages, list)
            else [source]
        )
    if source not in CONTENT_LANGUAGES or source not in languages:
        check.error(
            path,
            data.line_of("source_language"),
            _l("source_language must be one of the course languages"),
        )
    course.source_language, course.languages = str(source), list(dict.fromkeys(languages))
    course.level = str(data.get("level", "beginner"))
    if course.level not in LEVELS:
        check.error(
            path,
            data.line_of("level"),
            _l("level must be one of %(levels)s", levels=", ".join(LEVELS)),
        )
    hours = data.get("estimated_hours", 1)
    if not is_number(hours) or not 0 < hours <= MAX_HOURS:
        check.error(
            path,
            data.line_of("estimated_hours"),
            _l(
                "estimated_hours must be a number of hours, more than 0 and at most %(max)s",
                max=MAX_HOURS,
            ),
        )
        hours = 1
    course.estimated_hours = float(hours)
    course.title = check.translatable(path, data, "title", course.source_language, course.languages)
    course.summary = check.translatable(
        path, data, "summary", course.source_language, course.languages, required=False
    )
    if not course.summary:
        check.warn(path, data.line, _l("no summary: the catalogue will show only the title"))
    course.competencies = _competencies(check, data, course)
    authors = data.get("authors") or []
    if not isinstance(authors, list) or not all(isinstance(a, str) and "@" in a for a in authors):
        check.error(path, data.line_of("authors"), _l("authors must be a list of e-mail addresses"))
        authors = []
    course.authors = [a.strip().lower() for a in authors]
    return course


def _competencies(check: Checker, data: LineDict, course: CourseDoc) -> list[dict]:
    items = data.get("competencies") or []
    if not isinstance(items, list):
        check.error("course.yml", data.line_of("competencies"), _l("competencies must be a list"))
        return []
    out, seen = [], set()
    for index, item in enumerate(items):
        line = items.line_of(index) if hasattr(items, "line_of") else None
        if not isinstance(item, dict) or not item.get("code"):
            check.error("course.yml", line, _l("each competency needs a code and a title"))
            continue
        code = str(item["code"])
        if code in seen:
            check.error("course.yml", line, _l("duplicate competency code '%(code)s'", code=code))
        seen.add(code)
        title = check.translatable(
            "course.yml", item, "title", course.source_language, course.languages
        )
        out.append({"code": code, "title": title})
    return out


def _modules(check: Checker, course: CourseDoc) -> None:
    folders: dict[str, list[str]] = {}
    for path in check.pkg.files:
        top, _, rest = path.partition("/")
        if not rest:
            if path not in ("course.yml", "bank.yml"):
                check.warn(path, None, _l("file not part of the course format (ignored)"))
            continue
        if top == "media":
            continue
        folders.setdefault(top, []).append(rest)
    seen: dict[str, str] = {}
    for folder in sorted(folders):
        match = MODULE_DIR.match(folder)
        if not match:
            check.error(folder, None, _l("module folders are named NN-slug, e.g. 01-fundamentals"))
            continue
        number, slug = match.groups()
        if not SLUG.match(slug):
            check.error(folder, None, _l("bad module slug '%(slug)s'", slug=slug))
        elif slug in seen:
            check.error(
                folder,
                None,
                _l("module slug '%(slug)s' is also used by %(slug2)s", slug=slug, slug2=seen[slug]),
            )
        seen.setdefault(slug, folder)
        # a module with a bad name is still read through: its other problems are reported
        # now, not one upload later (the package is refused all the same)
        module = ModuleDoc(slug=slug, position=_position(check, folder, number), folder=folder)
        _module(check, course, module, folders[folder])
        course.modules.append(module)
    if not course.modules:
        check.error("course.yml", None, _l("the course has no module folder"))
    course.modules.sort(key=lambda m: (m.position, m.slug))
    check_lessons(check, course)


def _position(check: Checker, path: str, number: str) -> int:
    """The order a folder or file number gives, 0 to MAX_POSITION (an error beyond)."""
    digits = number.lstrip("0") or "0"  # never int() on thousands of digits
    if len(digits) > len(str(MAX_POSITION)) or int(digits) > MAX_POSITION:
        check.error(
            path,
            None,
            _l(
                "the number before the name must be %(low)s to %(high)s",
                low=0,
                high=MAX_POSITION,
            ),
        )
        return MAX_POSITION
    return int(digits)


def _module(check: Checker, course: CourseDoc, module: ModuleDoc, files: list[str]) -> None:
    base = module.folder
    meta = check.yaml(f"{base}/module.yml") if "module.yml" in files else None
    if "module.yml" not in files:
        check.error(f"{base}/module.yml", None, _l("missing module.yml (with the module title)"))
    elif isinstance(meta, dict):
        module.title = check.translatable(
            f"{base}/module.yml", meta, "title", course.source_language, course.languages
        )
        module.summary = check.translatable(
            f"{base}/module.yml",
            meta,
            "summary",
            course.source_language,
            course.languages,
            required=False,
        )
        for key in meta:
            if key not in {"title", "summary"}:
                check.warn(
                    f"{base}/module.yml",
                    meta.line_of(key),
                    _l("unknown key '%(key)s' (ignored)", key=key),
                )
    elif meta is not None:
        check.error(f"{base}/module.yml", 1, _l("module.yml must be a mapping"))
    if "quiz.yml" in files:
        data = check.yaml(f"{base}/quiz.yml")
        if data is not None:
            module.quiz = check_quiz(check, f"{base}/quiz.yml", data, course, course.bank)
    lessons: dict[str, LessonDoc] = {}
    for name in sorted(files):
        if name in {"module.yml", "quiz.yml"}:
            continue
        match = LESSON_FILE.match(name)
        if "/" in name or not match:
            check.warn(f"{base}/{name}", None, _l("not a lesson file (NN-slug.LANG.md): ignored"))
            continue
        number, slug, lang = match.groups()
        path = f"{base}/{name}"
        if not SLUG.match(slug):
            check.error(path, None, _l("bad lesson slug '%(slug)s'", slug=slug))
            continue
        position = _position(check, path, number)
        if lang not in course.languages:
            check.warn(
                path,
                None,
                _l("language '%(lang)s' is not in the course languages (ignored)", lang=lang),
            )
            continue
        lesson = lessons.get(slug)
        if lesson is None:
            lesson = lessons[slug] = LessonDoc(
                slug=slug, position=position, folder_prefix=f"{number}-"
            )
        elif lesson.folder_prefix != f"{number}-":
            check.error(
                path, None, _l("lesson '%(slug)s' has files with different numbers", slug=slug)
            )
            continue
        lesson.paths[lang] = path
    module.lessons = sorted(lessons.values(), key=lambda lesson: (lesson.position, lesson.slug))
    if not module.lessons:
        check.error(base, None, _l("the module has no lesson"))
