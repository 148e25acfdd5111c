"""What changed in a course's working copy since its last publication.

A reviewer approves a difference, not a whole course: this module compares every row's
working fields with its ``published`` snapshot (``services._make_live``) and says, per
lesson and language and per quiz (the module quizzes and the course's question bank),
what was added, changed or removed — with the lesson texts' differences as Markdown (line
by line, words marked inside changed lines) and as rendered HTML (block by block).

The published Markdown is not kept on the content row, only its hash: it is found among the
lesson's revisions (``LessonRevision``, one per saved text) by that hash. Everything is read
in a fixed number of statements, whatever the course's size.
"""

from __future__ import annotations

import difflib
import html as html_lib
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import select, tuple_
from sqlalchemy.orm import selectinload

from elearn.authoring.models import Course, Lesson, LessonContent, LessonRevision, Module, Quiz
from elearn.authoring.rendering import sanitize
from elearn.i18n.languages import CONTENT_LANGUAGES

ADDED, CHANGED, REMOVED = "added", "changed", "removed"
#: Lesson fields compared with the snapshot, lesson-wide or per language (``{"fr": ...}``).
LESSON_FIELDS = ("kind", "duration_minutes", "competencies")
LESSON_TEXT_FIELDS = ("equipment", "safety")
COURSE_FIELDS = (
    "title",
    "summary",
    "level",
    "estimated_hours",
    "languages",
    "source_language",
    "competencies",
    "domain",
)
QUIZ_SETTINGS = ("title", "pass_mark", "max_attempts", "time_limit_minutes", "shuffle", "draw")
QUESTION_FIELDS = ("type", "points", "tags")
#: Lines of unchanged Markdown shown around each change.
CONTEXT = 2
#: Unchanged blocks of the rendered text shown on each side of a change; longer unchanged
#: runs fold away so a reviewer reads the changes, not the whole lesson again.
BLOCK_CONTEXT = 1


# -- values ---------------------------------------------------------------------------------


@dataclass
class FieldChange:
    """One field's published value and its value now."""

    field: str
    old: Any
    new: Any
    #: The language of a translatable value (``prompt.fr``), None for a plain one.
    lang: str | None = None


@dataclass
class DiffLine:
    """A line of the Markdown diff: ``hunk`` (a ``@@`` header), ``same``, ``del`` or ``ins``;
    ``html`` is escaped text with the changed words inside ``<del>``/``<ins>``."""

    kind: str
    html: Markup


@dataclass
class DiffBlock:
    """A top-level block of the rendered text: ``same``, ``del`` or ``ins``; ``html`` is the
    block as sanitised HTML."""

    kind: str
    html: Markup


@dataclass
class LessonChange:
    module: str
    lesson: str
    lang: str
    change: str
    old_title: str | None
    new_title: str | None
    #: What changed: ``title``, ``text``, ``position`` and the names in ``meta``.
    fields: list[str] = field(default_factory=list)
    meta: list[FieldChange] = field(default_factory=list)
    markdown_diff: list[DiffLine] = field(default_factory=list)
    rendered_diff: list[DiffBlock] = field(default_factory=list)
    #: A lesson of the same identifier left (or came from) that other module.
    moved_from: str | None = None
    moved_to: str | None = None

    @property
    def rendered_view(self) -> list:
        """The rendered diff with its long unchanged runs folded (see :func:`folded`)."""
        return folded(self.rendered_diff)

    @property
    def title(self) -> str:
        return self.new_title or self.old_title or self.lesson


@dataclass
class QuestionChange:
    key: str
    change: str
    #: The prompt per language (now, or as published for a removed question).
    prompt: dict
    fields: list[str] = field(default_factory=list)
    details: list[FieldChange] = field(default_factory=list)


@dataclass
class QuizChange:
    #: The module's slug; None for the course's question bank.
    module: str | None
    change: str
    title: dict
    settings: list[FieldChange] = field(default_factory=list)
    questions: list[QuestionChange] = field(default_factory=list)
    #: Questions that stayed were put in another order.
    reordered: bool = False

    @property
    def bank(self) -> bool:
        return self.module is None


@dataclass
class ModuleChange:
    module: str
    change: str
    #: Translatable titles, as published and now (None: added / removed).
    old_title: dict | None
    new_title: dict | None
    #: What changed: ``title``, ``summary``, ``position``.
    fields: list[str] = field(default_factory=list)


@dataclass
class Changes:
    course: str
    #: Whether a version was ever published (else everything is ``added``).
    published: bool
    #: The course's own settings (title, summary, level, languages…), old → new.
    settings: list[FieldChange] = field(default_factory=list)
    modules: list[ModuleChange] = field(default_factory=list)
    lessons: list[LessonChange] = field(default_factory=list)
    quizzes: list[QuizChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.settings or self.modules or self.lessons or self.quizzes)

    @property
    def lessons_touched(self) -> int:
        """How many lessons (not language versions) have a change."""
        return len({(c.module, c.lesson) for c in self.lessons})


# -- reading ---------------------------------------------------------------------------------


def course_changes(session, course: Course) -> Changes:
    """Everything that differs between the working copy and the published version, in seven
    statements whatever the course's size (modules, lessons, contents, the texts that
    differ, their published revisions, quizzes and their questions)."""
    session.flush()
    modules = {
        m.id: m for m in session.scalars(select(Module).where(Module.course_id == course.id))
    }
    lessons = (
        list(
            session.scalars(
                select(Lesson)
                .where(Lesson.module_id.in_(modules))
                .options(selectinload(Lesson.contents))
            )
        )
        if modules
        else []
    )
    result = Changes(course=course.slug, published=course.published is not None)
    result.settings = _course_settings(course)
    result.modules = _module_changes(modules)
    pending = _lesson_changes(modules, lessons, result)
    _fill_texts(session, pending)
    _pair_moves(result.lessons)
    result.quizzes = _quiz_changes(session, course, modules)
    return result


def _live_module(module: Module) -> bool:
    return module.archived_at is None


def _course_settings(course: Course) -> list[FieldChange]:
    """The course's fields that publication copies, where they differ (none before the
    first publication: the course itself is new)."""
    if course.published is None:
        return []
    return [
        FieldChange(name, course.published.get(name), getattr(course, name))
        for name in COURSE_FIELDS
        if course.published.get(name) != getattr(course, name)
    ]


def _module_changes(modules: dict) -> list[ModuleChange]:
    everything = sorted(modules.values(), key=lambda m: m.position)
    old_rank, new_rank = _ranks(
        [m for m in everything if m.published is not None],
        lambda m: m.published["position"],
        [m for m in everything if _live_module(m)],
        lambda m: m.position,
    )
    out = []
    for module in everything:
        live, was = _live_module(module), module.published
        if live and was is None:
            out.append(ModuleChange(module.slug, ADDED, None, module.title))
        elif not live and was is not None:
            out.append(ModuleChange(module.slug, REMOVED, was["title"], None))
        elif live:
            what = [name for name in ("title", "summary") if was.get(name) != getattr(module, name)]
            if old_rank[module.id] != new_rank[module.id]:
                what.append("position")
            if what:
                out.append(ModuleChange(module.slug, CHANGED, was["title"], module.title, what))
    return out


def _lesson_changes(modules: dict, lessons: list[Lesson], result: Changes) -> list:
    """Compare each language version's title, hash and metadata with its snapshot; return
    the (change, content) pairs whose texts must be read."""
    pending = []
    order = sorted(lessons, key=lambda x: (modules[x.module_id].position, x.position))
    # within its module: a module moved is said once, of the module (``_module_changes``)
    old_rank, new_rank = _ranks(
        [x for x in lessons if x.published is not None],
        lambda x: (x.module_id, x.published["position"]),
        [x for x in lessons if _lesson_live(modules, x)],
        lambda x: (x.module_id, x.position),
    )
    for lesson in order:
        module = modules[lesson.module_id]
        live, snapshot = _lesson_live(modules, lesson), lesson.published
        if not live and snapshot is None:
            continue
        meta = _lesson_meta(lesson, snapshot) if live and snapshot is not None else []
        moved = (
            live
            and snapshot is not None
            and lesson.id in old_rank
            and old_rank[lesson.id] != new_rank[lesson.id]
        )
        for content in sorted(lesson.contents, key=lambda c: _lang_order(c.lang)):
            was = content.published if snapshot is not None else None
            if live and was is None:
                change = LessonChange(
                    module.slug,
                    lesson.slug,
                    content.lang,
                    ADDED,
                    None,
                    content.title,
                    fields=["text"],
                )
            elif not live and was is not None:
                change = LessonChange(
                    module.slug,
                    lesson.slug,
                    content.lang,
                    REMOVED,
                    was["title"],
                    None,
                    fields=["text"],
                )
            elif was is not None:
                mine = [m for m in meta if m.lang in (None, content.lang)]
                change = LessonChange(
                    module.slug,
                    lesson.slug,
                    content.lang,
                    CHANGED,
                    was["title"],
                    content.title,
                    meta=mine,
                )
                if was["title"] != content.title:
                    change.fields.append("title")
                if was["hash"] != content.source_hash:
                    change.fields.append("text")
                if moved:
                    change.fields.append("position")
                change.fields += [m.field for m in mine]
                if not change.fields:
                    continue
            else:
                continue
            result.lessons.append(change)
            if "text" in change.fields:
                pending.append((change, content))
        if live and snapshot is not None:  # a language the lesson no longer has
            for lang in set(snapshot.get("languages", [])) - {c.lang for c in lesson.contents}:
                result.lessons.append(
                    LessonChange(module.slug, lesson.slug, lang, REMOVED, None, None)
                )
    return pending


def _lesson_live(modules: dict, lesson: Lesson) -> bool:
    return _live_module(modules[lesson.module_id]) and lesson.archived_at is None


def _lang_order(lang: str) -> int:
    return CONTENT_LANGUAGES.index(lang) if lang in CONTENT_LANGUAGES else len(CONTENT_LANGUAGES)


def _ranks(old_items, old_key, new_items, new_key):
    """The rank of every item present in both versions, among those items only: an item
    archived or added does not make the ones after it look moved."""
    both = {x.id for x in old_items} & {x.id for x in new_items}
    old = sorted((x for x in old_items if x.id in both), key=old_key)
    new = sorted((x for x in new_items if x.id in both), key=new_key)
    return {x.id: i for i, x in enumerate(old)}, {x.id: i for i, x in enumerate(new)}


def _lesson_meta(lesson: Lesson, snapshot: dict) -> list[FieldChange]:
    meta = [
        FieldChange(name, snapshot.get(name), getattr(lesson, name))
        for name in LESSON_FIELDS
        if snapshot.get(name) != getattr(lesson, name)
    ]
    for name in LESSON_TEXT_FIELDS:
        old, new = snapshot.get(name) or {}, getattr(lesson, name) or {}
        meta += [
            FieldChange(name, old.get(lang), new.get(lang), lang)
            for lang in sorted(set(old) | set(new), key=_lang_order)
            if old.get(lang) != new.get(lang)
        ]
    return meta


def _fill_texts(session, pending: list) -> None:
    """Read the texts of the versions that differ (two statements) and diff them."""
    if not pending:
        return
    ids = [content.id for _change, content in pending]
    texts = {
        row.id: row
        for row in session.execute(
            select(
                LessonContent.id,
                LessonContent.markdown,
                LessonContent.html,
                LessonContent.published_html,
            ).where(LessonContent.id.in_(ids))
        )
    }
    wanted = [
        (content.lesson_id, content.lang, content.published["hash"])
        for change, content in pending
        if change.change != ADDED and content.published
    ]
    old_markdown: dict = {}
    if wanted:
        rows = session.execute(
            select(
                LessonRevision.lesson_id,
                LessonRevision.lang,
                LessonRevision.source_hash,
                LessonRevision.markdown,
            ).where(
                tuple_(
                    LessonRevision.lesson_id, LessonRevision.lang, LessonRevision.source_hash
                ).in_(wanted)
            )
        )
        old_markdown = {(r.lesson_id, r.lang, r.source_hash): r.markdown for r in rows}
    for change, content in pending:
        row = texts[content.id]
        old_md = old_html = ""
        if change.change != ADDED and content.published:
            old_md = old_markdown.get((content.lesson_id, content.lang, content.published["hash"]))
            old_html = row.published_html or ""
        new_md, new_html = ("", "") if change.change == REMOVED else (row.markdown, row.html)
        change.markdown_diff = markdown_diff(old_md, new_md) if old_md is not None else []
        change.rendered_diff = rendered_diff(old_html, new_html)


def _pair_moves(lessons: list[LessonChange]) -> None:
    """A lesson identifier removed from one module and added to another: say so on both."""
    added = {(c.lesson, c.lang): c for c in lessons if c.change == ADDED}
    for gone in (c for c in lessons if c.change == REMOVED):
        came = added.get((gone.lesson, gone.lang))
        if came is not None and came.module != gone.module:
            gone.moved_to, came.moved_from = came.module, gone.module


# -- quizzes -----------------------------------------------------------------------------------


def _quiz_changes(session, course: Course, modules: dict) -> list[QuizChange]:
    quizzes = list(
        session.scalars(
            select(Quiz).where(Quiz.module_id.in_(modules) | (Quiz.bank_course_id == course.id))
        )
    )
    quizzes.sort(
        key=lambda q: (q.module_id is None, modules[q.module_id].position if q.module_id else 0)
    )
    out = []
    for quiz in quizzes:
        module = modules.get(quiz.module_id)
        live = quiz.archived_at is None and (module is None or _live_module(module))
        change = _quiz_change(quiz, module, live)
        if change is not None:
            out.append(change)
    return out


def _quiz_change(quiz: Quiz, module: Module | None, live: bool) -> QuizChange | None:
    slug = module.slug if module is not None else None
    snapshot = quiz.published
    questions = quiz.questions
    if live and snapshot is None:
        change = QuizChange(slug, ADDED, quiz.title)
        change.questions = [
            QuestionChange(q.key, ADDED, q.spec.get("prompt", {}))
            for q in questions
            if q.archived_at is None
        ]
        return change
    if not live:
        if snapshot is None:
            return None
        change = QuizChange(slug, REMOVED, snapshot.get("title") or quiz.title)
        change.questions = [
            QuestionChange(q.key, REMOVED, q.published["spec"].get("prompt", {}))
            for q in questions
            if q.published is not None
        ]
        return change
    change = QuizChange(slug, CHANGED, quiz.title)
    change.settings = [
        FieldChange(name, snapshot.get(name), getattr(quiz, name))
        for name in QUIZ_SETTINGS
        if snapshot.get(name) != getattr(quiz, name)
    ]
    for q in questions:
        alive, was = q.archived_at is None, q.published
        if alive and was is None:
            change.questions.append(QuestionChange(q.key, ADDED, q.spec.get("prompt", {})))
        elif not alive and was is not None:
            change.questions.append(QuestionChange(q.key, REMOVED, was["spec"].get("prompt", {})))
        elif alive:
            details = _question_details(was, q)
            if details:
                change.questions.append(
                    QuestionChange(
                        q.key,
                        CHANGED,
                        q.spec.get("prompt", {}),
                        fields=list(dict.fromkeys(d.field for d in details)),
                        details=details,
                    )
                )
    old_rank, new_rank = _ranks(
        [q for q in questions if q.published is not None],
        lambda q: q.published["position"],
        [q for q in questions if q.archived_at is None],
        lambda q: q.position,
    )
    change.reordered = any(old_rank[k] != new_rank[k] for k in old_rank)
    if not change.settings and not change.questions and not change.reordered:
        return None
    return change


def _question_details(was: dict, question) -> list[FieldChange]:
    """Each part of a question that differs, down to one language of one choice's text."""
    details = [
        FieldChange(name, was.get(name), getattr(question, name))
        for name in QUESTION_FIELDS
        if was.get(name) != getattr(question, name)
    ]
    old, new = _flatten(was.get("spec") or {}), _flatten(question.spec or {})
    for path in dict.fromkeys([*old, *new]):
        if path[0] in ("tags", "id", "type", "points"):
            continue  # compared above, or the identity itself
        if old.get(path) != new.get(path):
            lang = path[-1] if path[-1] in CONTENT_LANGUAGES and len(path) > 1 else None
            name = ".".join(p for p in (path[:-1] if lang else path))
            details.append(FieldChange(name, old.get(path), new.get(path), lang))
    return details


def _flatten(value, path: tuple = ()) -> dict:
    """A question's spec as ``{("choices", "a", "text", "fr"): "…"}``: lists of items with
    an ``id`` are keyed by it, so a reordered list of choices compares item by item."""
    if isinstance(value, dict) and value:
        out: dict = {}
        for key, inner in value.items():
            out |= _flatten(inner, (*path, str(key)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) and "id" in v for v in value):
        out = {}
        for item in value:
            out |= _flatten({k: v for k, v in item.items() if k != "id"}, (*path, str(item["id"])))
        out[(*path, "order")] = [str(item["id"]) for item in value]
        return out
    if isinstance(value, (list, dict)):
        return {path: json.dumps(value, ensure_ascii=False, sort_keys=True)}
    return {path: value}


# -- differences of texts -------------------------------------------------------------------------

_WORDS = re.compile(r"(\s+)")


def markdown_diff(old: str, new: str) -> list[DiffLine]:
    """A unified diff of two Markdown texts (``CONTEXT`` lines around each change), the
    words that differ inside a changed line marked with ``<del>`` / ``<ins>``; everything
    else escaped."""
    a, b = old.splitlines(), new.splitlines()
    out: list[DiffLine] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(CONTEXT):
        first, last = group[0], group[-1]
        header = f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},{last[4] - first[3]} @@"
        out.append(DiffLine("hunk", escape(header)))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [DiffLine("same", escape(line)) for line in a[i1:i2]]
                continue
            olds, news = a[i1:i2], b[j1:j2]
            paired = min(len(olds), len(news)) if tag == "replace" else 0
            dels = [_words(o, n)[0] for o, n in zip(olds[:paired], news[:paired], strict=True)]
            ins = [_words(o, n)[1] for o, n in zip(olds[:paired], news[:paired], strict=True)]
            dels += [
                Markup("<del>%s</del>") % line if line else escape(line) for line in olds[paired:]
            ]
            ins += [
                Markup("<ins>%s</ins>") % line if line else escape(line) for line in news[paired:]
            ]
            out += [DiffLine("del", line) for line in dels]
            out += [DiffLine("ins", line) for line in ins]
    return out


def _words(old: str, new: str) -> tuple[Markup, Markup]:
    """Two versions of a line, each with the words the other lacks marked."""
    a, b = _WORDS.split(old), _WORDS.split(new)
    left, right = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        gone, came = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            left.append(escape(gone))
            right.append(escape(came))
            continue
        if gone:
            left.append(Markup("<del>%s</del>") % gone)
        if came:
            right.append(Markup("<ins>%s</ins>") % came)
    return Markup("").join(left), Markup("").join(right)


_VOID = {"br", "hr", "img", "source", "col", "wbr", "input"}


class _Blocks(HTMLParser):
    """Cut HTML into its top-level elements, as written."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=False)
        self.text, self.blocks, self.depth, self.start = text, [], 0, None
        self._lines = [0]  # where each line starts: the parser counts "\n" only
        for line in text.split("\n"):
            self._lines.append(self._lines[-1] + len(line) + 1)

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._lines[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            self.handle_startendtag(tag, attrs)
            return
        if self.depth == 0:
            self.start = self._offset()
        self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if self.depth == 0:  # a lone <hr>, <img …>: the tag itself, whatever its attributes
            start = self._offset()
            self.blocks.append(self.text[start : start + len(self.get_starttag_text())])

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        self.depth = max(self.depth - 1, 0)
        if self.depth == 0 and self.start is not None:
            self._close()

    def handle_data(self, data):
        if self.depth == 0 and data.strip():
            self.blocks.append(html_lib.escape(html_lib.unescape(data.strip()), quote=False))

    def _close(self):
        end = self.text.find(">", self._offset()) + 1  # an end tag has no attributes
        self.blocks.append(self.text[self.start : end])
        self.start = None


def blocks(html: str) -> list[str]:
    """The top-level blocks of a rendered text (paragraphs, headings, lists, tables…)."""
    parser = _Blocks(html or "")
    parser.feed(html or "")
    parser.close()
    if parser.start is not None:  # an element never closed: keep the rest as one block
        parser.blocks.append(parser.text[parser.start :])
    return parser.blocks


def rendered_diff(old: str, new: str) -> list[DiffBlock]:
    """The rendered texts compared block by block: every block of both versions in reading
    order, the removed and added ones marked. Each block is sanitised again before it is
    shown, so nothing but the renderer's own markup reaches the page."""
    a, b = blocks(old), blocks(new)
    out: list[DiffBlock] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out += [DiffBlock("same", _safe(x)) for x in b[j1:j2]]
            continue
        out += [DiffBlock("del", _safe(x)) for x in a[i1:i2]]
        out += [DiffBlock("ins", _safe(x)) for x in b[j1:j2]]
    return out


@dataclass
class FoldedBlocks:
    """A run of unchanged blocks folded away (``kind`` is ``fold``); the page shows them on
    demand."""

    blocks: list[DiffBlock]
    kind: str = "fold"


def folded(diff: list[DiffBlock], context: int = BLOCK_CONTEXT) -> list:
    """The rendered diff as a reviewer reads it: each change with ``context`` unchanged
    blocks around it, the longer unchanged runs between as one :class:`FoldedBlocks` (a
    run is folded only when that hides at least two blocks)."""
    out: list = []
    i = 0
    while i < len(diff):
        if diff[i].kind != "same":
            out.append(diff[i])
            i += 1
            continue
        j = i
        while j < len(diff) and diff[j].kind == "same":
            j += 1
        run = diff[i:j]
        head = context if i > 0 else 0
        tail = context if j < len(diff) else 0
        if len(run) - head - tail >= 2:
            out += run[:head]
            out.append(FoldedBlocks(run[head : len(run) - tail]))
            out += run[len(run) - tail :]
        else:
            out += run
        i = j
    return out


def _safe(block: str) -> Markup:
    return Markup(sanitize(block))  # noqa: S704 - sanitised right here


# -- the API's shape ------------------------------------------------------------------------------


def as_api(changes: Changes) -> dict:
    """The contract's JSON (``{lessons: [{module, lesson, lang, change}], quizzes: [{module,
    change}]}``) with what else a client may show: the course's settings and the modules
    that changed, titles, which fields changed, settings old → new, the questions added,
    removed or changed; the question bank is a quiz whose ``module`` is null (``bank``
    true)."""
    return {
        "settings": [{"field": s.field, "old": s.old, "new": s.new} for s in changes.settings],
        "modules": [
            {"module": m.module, "change": m.change, "title": m.new_title, "fields": m.fields}
            for m in changes.modules
        ],
        "lessons": [
            {
                "module": c.module,
                "lesson": c.lesson,
                "lang": c.lang,
                "change": c.change,
                "title": c.new_title,
                "old_title": c.old_title,
                "fields": c.fields,
                "moved_from": c.moved_from,
                "moved_to": c.moved_to,
            }
            for c in changes.lessons
        ],
        "quizzes": [
            {
                "module": q.module,
                "change": q.change,
                "bank": q.bank,
                "settings": [{"field": s.field, "old": s.old, "new": s.new} for s in q.settings],
                "reordered": q.reordered,
                "questions": [
                    {"key": x.key, "change": x.change, "fields": x.fields} for x in q.questions
                ],
            }
            for q in changes.quizzes
        ],
    }
