"""Authoring rules: who may write a course, saving lesson texts, translations, review.

Plain functions over an explicit session; they flush and never commit.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import undefer

from elearn.accounts.models import User
from elearn.authoring import notices, published, signoffs
from elearn.authoring.models import (
    Course,
    CourseEvent,
    CourseStatus,
    Lesson,
    LessonContent,
    LessonRevision,
    Module,
    Question,
    Quiz,
)
from elearn.authoring.rendering import (
    Links,
    complexity_message,
    render_inline,
    render_markdown,
    too_complex,
)
from elearn.authoring.urls import lesson_url
from elearn.core.db import again_if_raced
from elearn.core.errors import DomainError
from elearn.core.text import clean_text, fold
from elearn.media.models import MediaAsset
from elearn.media.urls import media_url


class AuthoringError(DomainError):
    """A change to a course that breaks a rule."""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def search_text(course: Course) -> str:
    parts = [*course.title.values(), *course.summary.values(), course.slug]
    return fold(" ".join(parts))


def load_texts(session, course: Course, *columns) -> list[LessonContent]:
    """Load the (deferred) texts of every lesson of a course in one query, before a bulk
    operation reads or rewrites them. Keep the returned list while working: the session
    only holds its objects weakly."""
    return list(
        session.scalars(
            select(LessonContent)
            .join(Lesson)
            .join(Module)
            .where(Module.course_id == course.id)
            .options(*[undefer(c) for c in columns])
        )
    )


def course_by_slug(session, slug: str) -> Course | None:
    return session.scalar(select(Course).where(Course.slug == slug))


# -- rendering with the course's own links ------------------------------------------------


def links_for(
    course_slug: str, module_slug: str, known_lessons: set[tuple[str, str]], media_paths: set[str]
) -> Links:
    return Links(
        media_url=lambda p: media_url(course_slug, p) if p in media_paths else None,
        lesson_url=lambda m, s, lang: (
            lesson_url(course_slug, m, s, lang) if (m, s) in known_lessons else None
        ),
        module_slug=module_slug,
    )


def render_question(spec: dict, languages: list[str]) -> dict:
    """Prompt, choices and feedback rendered per language, once, at save time."""
    out: dict = {}
    for lang in languages:
        entry: dict = {
            "prompt": render_inline(spec["prompt"].get(lang, ""))
            if lang in spec["prompt"]
            else None
        }
        if spec.get("choices"):
            entry["choices"] = {
                c["id"]: render_inline(c["text"][lang])
                for c in spec["choices"]
                if lang in c["text"]
            }
            entry["choice_feedback"] = {
                c["id"]: render_inline(c["feedback"][lang])
                for c in spec["choices"]
                if lang in c.get("feedback", {})
            }
        if spec.get("pairs"):
            entry["left"] = {
                p["id"]: render_inline(p["left"][lang]) for p in spec["pairs"] if lang in p["left"]
            }
            entry["right"] = {
                p["id"]: render_inline(p["right"][lang])
                for p in spec["pairs"]
                if lang in p["right"]
            }
        if spec.get("items"):
            entry["items"] = {
                i["id"]: render_inline(i["text"][lang]) for i in spec["items"] if lang in i["text"]
            }
        if lang in spec.get("feedback", {}):
            entry["feedback"] = render_inline(spec["feedback"][lang])
        out[lang] = entry
    return out


# -- saving lesson text -------------------------------------------------------------------


def save_content(
    session,
    lesson: Lesson,
    lang: str,
    *,
    title: str,
    markdown: str,
    html: str,
    user: User | None,
    now: datetime,
    source_language: str,
    draft: bool = False,
) -> tuple[LessonContent, bool]:
    """Store one language version (and a revision when it changed). Returns (row, changed).

    :param draft: an autosave: it updates the author's own revision of the last
        ``AUTOSAVE_WINDOW`` instead of adding one, so the history stays readable."""
    # browsers send a textarea's lines as CRLF: the same text saved from a page must not
    # count as changed (it would show as a change to review, and ask for a new translation)
    markdown = markdown.replace("\r\n", "\n").replace("\r", "\n")
    new_hash = digest(markdown)
    content = lesson.content(lang)
    changed = content is None or content.source_hash != new_hash or content.title != title
    if content is None:
        content = LessonContent(lang=lang)
        lesson.contents.append(content)
    if changed:
        content.title, content.markdown, content.html = title, markdown, html
        content.source_hash = new_hash
        content.updated_by_id = user.id if user else None
        content.updated_at = now
        last = _recent_own_revision(session, lesson, lang, user, now) if draft else None
        if last is not None:
            last.title, last.markdown, last.source_hash = title, markdown, new_hash
            last.created_at = now
        else:
            session.add(
                LessonRevision(
                    lesson=lesson,
                    lang=lang,
                    title=title,
                    markdown=markdown,
                    source_hash=new_hash,
                    created_by_id=content.updated_by_id,
                    created_at=now,
                )
            )
    else:
        content.html = html  # links may point elsewhere now; the text itself is the same
    source = lesson.content(source_language)
    if lang == source_language:
        content.based_on_hash = new_hash
    elif changed or content.based_on_hash is None:
        # a translator saving their text brings it up to date with the source they saw
        content.based_on_hash = source.source_hash if source else None
    return content, changed


#: Autosaves by one author within this span make one revision, not one every 20 seconds.
AUTOSAVE_WINDOW = timedelta(minutes=10)


def _recent_own_revision(session, lesson: Lesson, lang: str, user, now: datetime):
    """The latest revision of this text if ``user`` wrote it within ``AUTOSAVE_WINDOW``."""
    if user is None or lesson.id is None:
        return None
    last = session.scalars(
        select(LessonRevision)
        .where(LessonRevision.lesson_id == lesson.id, LessonRevision.lang == lang)
        .order_by(LessonRevision.created_at.desc(), LessonRevision.id.desc())
        .limit(1)
    ).first()
    if last is None or last.created_by_id != user.id or now - last.created_at > AUTOSAVE_WINDOW:
        return None
    return last


def text_hash(content: LessonContent | None) -> str:
    """What an editor started from, for the conflict check: one language version's title
    and text ("" while the version does not exist, so two first translations clash too).
    Built from ``source_hash``, so reading it never loads the text."""
    if content is None:
        return ""
    return digest(content.title + "\n" + content.source_hash)


class EditConflictError(AuthoringError):
    """Someone saved this language version after the editor opened it: saving now would
    overwrite their work without either author knowing."""

    status = 409

    def __init__(self, lang: str, current: LessonContent | None):
        super().__init__(
            _l(
                "Someone else saved this text while you were editing it: compare, merge "
                "into your text and save again."
            ),
            field=f"markdown_{lang}",
        )
        self.lang = lang
        #: The version saved meanwhile (None: it was deleted, which the Studio never does).
        self.current = current


def check_base(lesson: Lesson, lang: str, base: str | None, title: str, markdown: str) -> None:
    """Refuse a save started from another version than the one stored (``base`` None:
    the caller chose last-writer-wins). Sending again exactly what is stored is no conflict
    (an autosave whose answer was lost on a bad connection). The course row is held
    (``lock``) by then, so no other save slips in between this check and the write."""
    if base is None:
        return
    content = lesson.content(lang)
    if base == text_hash(content):
        return
    if content is not None and (content.title, content.source_hash) == (title, digest(markdown)):
        return
    raise EditConflictError(lang, content)


def render_for(session, course: Course, module_slug: str, markdown: str):
    """Render a lesson text with this course's media and lessons; (html, missing refs).

    A text too costly to render is refused here, saying what to change, for the editor's
    preview as for saving."""
    reason = too_complex(markdown)
    if reason:
        raise AuthoringError(complexity_message(reason), field="markdown")

    media_paths = set(
        session.scalars(
            select(MediaAsset.path).where(
                MediaAsset.course_id == course.id, MediaAsset.removed_at.is_(None)
            )
        )
    )
    known = {
        (m.slug, lesson.slug)
        for m in course.modules
        for lesson in m.lessons
        if lesson.archived_at is None
    }
    links = links_for(course.slug, module_slug, known, media_paths)
    return render_markdown(markdown, links), links.missing


def edit_lesson(
    session,
    course: Course,
    item,
    lang: str,
    *,
    title: str,
    markdown: str,
    user: User,
    now: datetime,
    base: str | None = None,
    draft: bool = False,
) -> LessonContent:
    """Save a lesson text typed in the Studio or sent through the API, rendered once here.

    :param base: ``text_hash`` of the version the author started from; a different stored
        version raises :class:`EditConflictError` (None: last writer wins).
    :param draft: an autosave (see ``save_content``)."""
    title = clean_text(title)
    check_base(item.lesson, lang, base, title, markdown)
    if not title or len(title) > 300:
        raise AuthoringError(_l("Give the lesson a title (at most 300 characters)."), field="title")
    html, missing = render_for(session, course, item.module.slug, markdown)
    outside = [target for kind, target in missing if kind == "outside"]
    if outside:
        raise AuthoringError(
            _l(
                "This text links to %(target)s, outside the course: link to its lessons and "
                "media, or to a web address.",
                target=outside[0][:80],
            ),
            field="markdown",
        )
    if missing:
        raise AuthoringError(
            _l(
                "This text refers to %(target)s, which does not exist in the course.",
                target=missing[0][1],
            ),
            field="markdown",
        )
    # two authors saving a lesson's first translation at once: the second updates it
    content, changed = again_if_raced(
        session,
        lambda: save_content(
            session,
            item.lesson,
            lang,
            title=title,
            markdown=markdown,
            html=html,
            user=user,
            now=now,
            source_language=course.source_language,
            draft=draft,
        ),
    )
    if changed:
        touched(course, now)
    session.flush()
    return content


def translation_state(lesson: Lesson, lang: str, source_language: str) -> str:
    content = lesson.content(lang)
    if content is None or not content.markdown.strip():
        return "missing"
    if lang == source_language:
        return "current"
    source = lesson.content(source_language)
    if source is None or content.based_on_hash == source.source_hash:
        return "current"
    return "stale"


def mark_current(lesson: Lesson, lang: str, source_language: str) -> None:
    """A translator says the translation needs no change after the source's edit."""
    content, source = lesson.content(lang), lesson.content(source_language)
    if content is None or source is None:
        raise AuthoringError(_l("There is no translation to mark as current."))
    content.based_on_hash = source.source_hash


# -- review and publishing ----------------------------------------------------------------


def revision(session, course: Course) -> str:
    """A digest of everything a publication would copy from the working copy: course
    fields, modules, lessons, each language's title and text hash, quizzes and questions,
    and the live media with their keys. Review is of one revision; publication refuses any
    other. Seven queries of plain columns, whatever the course's size."""
    session.flush()  # what is pending is part of the working copy too
    in_course = Module.course_id == course.id
    parts = {
        "course": [
            course.slug,
            course.network_id,
            course.domain,
            course.level,
            course.estimated_hours,
            course.source_language,
            course.languages,
            course.title,
            course.summary,
            course.competencies,
        ],
        "modules": select(
            Module.id,
            Module.slug,
            Module.position,
            Module.title,
            Module.summary,
            Module.archived_at.is_not(None),
        )
        .where(in_course)
        .order_by(Module.id),
        "lessons": select(
            Lesson.id,
            Lesson.module_id,
            Lesson.slug,
            Lesson.position,
            Lesson.kind,
            Lesson.duration_minutes,
            Lesson.competencies,
            Lesson.equipment,
            Lesson.safety,
            Lesson.archived_at.is_not(None),
        )
        .join(Module)
        .where(in_course)
        .order_by(Lesson.id),
        "contents": select(
            LessonContent.lesson_id,
            LessonContent.lang,
            LessonContent.title,
            LessonContent.source_hash,
        )
        .join(Lesson)
        .join(Module)
        .where(in_course)
        .order_by(LessonContent.lesson_id, LessonContent.lang),
        "quizzes": select(
            Quiz.id,
            Quiz.module_id,
            Quiz.title,
            Quiz.pass_mark,
            Quiz.max_attempts,
            Quiz.time_limit_minutes,
            Quiz.shuffle,
            Quiz.draw,
            Quiz.archived_at.is_not(None),
        )
        .outerjoin(Module)
        .where(in_course | (Quiz.bank_course_id == course.id))
        .order_by(Quiz.id),
        "questions": select(
            Question.quiz_id,
            Question.key,
            Question.position,
            Question.type,
            Question.points,
            Question.spec,
            Question.archived_at.is_not(None),
        )
        .join(Quiz)
        .outerjoin(Module)
        .where(in_course | (Quiz.bank_course_id == course.id))
        .order_by(Question.quiz_id, Question.key),
        "media": select(MediaAsset.path, MediaAsset.key, MediaAsset.content_type)
        .where(MediaAsset.course_id == course.id, MediaAsset.removed_at.is_(None))
        .order_by(MediaAsset.path),
    }
    document = {
        name: part if isinstance(part, list) else [list(row) for row in session.execute(part)]
        for name, part in parts.items()
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def lock(session, course: Course) -> None:
    """Hold the course's row until the transaction ends, and read it again. Publication and
    every change to a working copy take it first, so on PostgreSQL a change waits for a
    publication in progress, or the publication waits for the change and then sees it:
    nothing slips in between what publication checked and what it copied. (SQLite
    serialises writers already, and ignores FOR UPDATE.)"""
    session.flush()
    session.refresh(course, with_for_update={"of": Course})


def touched(course: Course, now: datetime) -> None:
    """The working copy changed: a published course now has a draft ahead of it. A course
    in review stays in review; its revision tells everyone it changed since submission."""
    if course.status == CourseStatus.PUBLISHED:
        course.status = CourseStatus.DRAFT
    course.updated_at = now


def _event(session, course: Course, action: str, user: User | None, now, comment: str = ""):
    session.add(
        CourseEvent(
            course=course,
            action=action,
            comment=comment,
            user_id=user.id if user else None,
            created_at=now,
        )
    )


def submit_for_review(session, course: Course, user: User, now: datetime) -> None:
    """Put this revision of the working copy up for review (again, when a course in review
    changed since it was submitted)."""
    current = revision(session, course)
    if course.status == CourseStatus.IN_REVIEW and current == course.submitted_revision:
        raise AuthoringError(_l("This version is already waiting for review."), status=409)
    if course.status == CourseStatus.ARCHIVED:
        raise AuthoringError(_l("Only a draft can be submitted for review."), status=409)
    course.status = CourseStatus.IN_REVIEW
    course.submitted_revision = current
    _event(session, course, "submitted", user, now)
    session.flush()
    notices.submitted(session, course, user, now)


def return_to_author(session, course: Course, user: User, now: datetime, comment: str) -> None:
    if course.status != CourseStatus.IN_REVIEW:
        raise AuthoringError(_l("Only a course in review can be sent back."), status=409)
    if not comment.strip():
        raise AuthoringError(_l("Say what the authors should change."), field="comment")
    course.status = CourseStatus.DRAFT
    course.submitted_revision = None
    _event(session, course, "returned", user, now, comment.strip())
    session.flush()
    notices.returned(session, course, user, now, comment.strip())


def publish(
    session, course: Course, user: User | None, now: datetime, *, revision_seen: str | None
) -> None:
    """Publish exactly what was reviewed: the course must be in review, its working copy
    still the revision that was submitted and, when the reviewer says which revision they
    looked at (``revision_seen``: the page's form, the API's ``?revision=``), that one."""
    lock(session, course)
    if course.status != CourseStatus.IN_REVIEW:
        raise AuthoringError(
            _l("Only a course in review can be published: submit it for review first."),
            status=409,
        )
    current = revision(session, course)
    if current != course.submitted_revision:
        raise AuthoringError(
            _l(
                "This course has changed since it was submitted for review: its authors "
                "must submit it again, and it must be reviewed again."
            ),
            status=409,
        )
    if revision_seen is not None and revision_seen != current:
        raise AuthoringError(
            _l("This course has changed since you opened this page: review it again."),
            field="revision",
            status=409,
        )
    signoffs.check(session, course, current)
    _make_live(session, course, user, now, current)


def publish_import(session, course: Course, user: User | None, now: datetime) -> None:
    """Publish what an import by an administrator (or an operator at the command line)
    wrote in this same transaction, without review: that call is the review."""
    if user is not None and not user.is_admin:
        raise AuthoringError(_l("Only an administrator can publish."), status=403)
    lock(session, course)
    if course.status == CourseStatus.ARCHIVED:
        raise AuthoringError(_l("An archived course cannot be published."), status=409)
    _make_live(session, course, user, now, revision(session, course))


def _index_nothing(session, course: Course) -> int:
    return 0


#: Told of every publication in its transaction, once the texts are copied: learning's
#: lesson search (``learning/search.py``), registered by the app's wiring.
_index_publication = _index_nothing


def index_publications_with(indexer) -> None:
    """Called once by the app's wiring with ``learning.search.index_course`` (a slot)."""
    global _index_publication
    _index_publication = indexer


def _make_live(session, course: Course, user: User | None, now: datetime, current: str) -> None:
    """Make the working copy the published version, every row at once (one transaction)."""
    was_live = course.published is not None
    added = 0  # lessons trainees could not read before
    course.published = {
        "title": course.title,
        "summary": course.summary,
        "level": course.level,
        "estimated_hours": course.estimated_hours,
        "languages": course.languages,
        "source_language": course.source_language,
        "competencies": course.competencies,
        "domain": course.domain,
        # readers' caches key the outline on it (authoring/published.py)
        "version": published.new_version(),
        "revision": current,
    }
    live_lessons: list[int] = []
    dead_lessons: list[int] = []
    for module in course.modules:
        live = module.archived_at is None
        module.published = (
            {"position": module.position, "title": module.title, "summary": module.summary}
            if live
            else None
        )
        for lesson in module.lessons:
            lesson_live = live and lesson.archived_at is None
            added += lesson_live and lesson.published is None
            lesson.published = _lesson_snapshot(lesson) if lesson_live else None
            for content in lesson.contents:
                content.published = (
                    {"title": content.title, "hash": content.source_hash} if lesson_live else None
                )
            (live_lessons if lesson_live else dead_lessons).append(lesson.id)
        if module.quiz is not None:
            _snapshot_quiz(module.quiz, live and module.quiz.archived_at is None)
    if course.bank is not None:
        _snapshot_quiz(course.bank, course.bank.archived_at is None)
    for asset in session.scalars(select(MediaAsset).where(MediaAsset.course_id == course.id)):
        asset.published = asset.working()
    session.flush()
    # the texts themselves are copied inside the database, without loading them
    for ids, value in ((live_lessons, LessonContent.html), (dead_lessons, None)):
        if ids:
            session.execute(
                update(LessonContent)
                .where(LessonContent.lesson_id.in_(ids))
                .values(published_html=value)
                .execution_options(synchronize_session=False)
            )
    course.status = CourseStatus.PUBLISHED
    course.submitted_revision = None
    course.published_at = now
    _event(session, course, "published", user, now)
    session.flush()
    _index_publication(session, course)
    notices.published(session, course, user, now, added=added if was_live else 0)


def _snapshot_quiz(quiz, live: bool) -> None:
    settings = ("title", "pass_mark", "max_attempts", "time_limit_minutes", "shuffle", "draw")
    quiz.published = {key: getattr(quiz, key) for key in settings} if live else None
    fields = ("position", "type", "points", "spec", "rendered", "tags", "version")
    for question in quiz.questions:
        question.published = (
            {key: getattr(question, key) for key in fields}
            if live and question.archived_at is None
            else None
        )


def _lesson_snapshot(lesson: Lesson) -> dict:
    """What trainees read of a lesson until the next publication. ``module_id`` and
    ``slug`` say where it was published: a lesson moved to another module since (and
    renamed there if the name was taken) stays where trainees saw it (``published.build``)."""
    return {
        "module_id": lesson.module_id,
        "slug": lesson.slug,
        "position": lesson.position,
        "kind": lesson.kind,
        "duration_minutes": lesson.duration_minutes,
        "competencies": lesson.competencies,
        "equipment": lesson.equipment,
        "safety": lesson.safety,
        "languages": sorted(c.lang for c in lesson.contents),
    }
