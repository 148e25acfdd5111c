"""Apply a validated package to the database by identity, all or nothing.

Identity is course slug / module slug / lesson slug (and question id), so a re-import
updates in place and learners keep their progress; what disappeared is archived. Media go
to storage first under content-addressed keys; if anything fails afterwards the
transaction is rolled back and ``StagedMedia.discard()`` removes exactly the objects this
import added (``staged_import``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select

from elearn.accounts.models import Network, User
from elearn.authoring import policy, services
from elearn.authoring.models import (
    Course,
    CourseStatus,
    Lesson,
    LessonContent,
    Module,
    Question,
    Quiz,
)
from elearn.authoring.package.model import (
    BankDoc,
    CourseDoc,
    LessonDoc,
    ModuleDoc,
    QuizDoc,
    Report,
)
from elearn.authoring.rendering import render_markdown
from elearn.core import edge
from elearn.core.db import again_if_raced
from elearn.media.models import MediaAsset
from elearn.media.storage import Storage
from elearn.media.types import TYPES, extension

log = logging.getLogger(__name__)


class StagedMedia:
    """Objects put in storage by one import, to remove if the import does not commit."""

    def __init__(self, storage: Storage):
        self.storage = storage
        self.added: list[str] = []

    def put_file(self, key: str, path, content_type: str) -> None:
        """Store a file from disk (streamed, never read whole) unless the key exists."""
        if not self.storage.exists(key):
            # recorded first: a put that fails after the bytes landed (a timeout on the
            # answer) still leaves an object to take back; deleting a missing one is harmless
            self.added.append(key)
            self.storage.put_file(key, path, content_type)

    def discard(self) -> None:
        for key in self.added:
            try:
                self.storage.delete(key)
            except Exception:  # noqa: BLE001 - best effort; `elearn media gc` finishes the job
                log.warning("Could not remove %s after a failed import", key, exc_info=True)
        self.added.clear()


@contextmanager
def staged_import(storage: Storage) -> Iterator[StagedMedia]:
    """The import transaction's storage half, shared by the Studio, the API and the CLI:
    what the import puts in storage is taken back if the request's or the command's
    transaction does not commit (``core.edge``), or at once if the block raises."""
    staged = StagedMedia(storage)
    edge.on_rollback(staged.discard)
    try:
        yield staged
    except BaseException:
        staged.discard()
        raise


def check_package(session, pkg, *, render: bool = True, progress=None) -> Report:
    """Validate a package and, when it is valid, render its lessons — outside the write
    lock: both are most of an import's time and need nothing but the network codes.
    ``progress(fraction)`` is told how far the rendering got (a job's progress bar)."""
    from elearn.authoring.package.validate import validate_package
    from elearn.core.db import reading_only

    with reading_only(session):
        report = validate_package(pkg, networks=set(session.scalars(select(Network.code))))
        if render and report.valid:
            report.rendered = render_lessons(report.course, progress)
    return report


def render_lessons(doc: CourseDoc, progress=None) -> dict[tuple[str, str, str], str]:
    """Every lesson text's HTML with the links it will have once imported."""
    known = {(m.slug, lesson.slug) for m in doc.modules for lesson in m.lessons}
    media = set(doc.media)
    out = {}
    done, total = 0, max(1, len(known))
    for mdoc in doc.modules:
        links = services.links_for(doc.slug, mdoc.slug, known, media)
        for ldoc in mdoc.lessons:
            done += 1
            if progress is not None:
                progress(done / total)
            for lang, body in ldoc.bodies.items():
                out[mdoc.slug, ldoc.slug, lang] = render_markdown(body, links)
    return out


def import_course(
    session,
    report: Report,
    *,
    actor: User | None,
    staged: StagedMedia,
    now: datetime,
    publish: bool = False,
    progress=None,
) -> Course:
    """Apply the package. Two first imports of one course at once (no row to lock yet): the
    second is run again once the first has created it, and updates it like a re-import.
    ``progress(fraction)`` is told after each module."""
    if not report.valid or report.course is None:
        raise services.AuthoringError(_l("The package has errors; nothing was imported."))
    rendered = report.rendered if report.rendered is not None else render_lessons(report.course)
    return again_if_raced(
        session,
        lambda: _import(session, report.course, rendered, actor, staged, now, publish, progress),
    )


def check_may_import(session, doc: CourseDoc, actor: User | None, publish: bool) -> Course | None:
    """Raise unless ``actor`` may import this package (and publish it, when asked); return
    the course it updates, if it exists. Asked again by the import job: a right can be lost
    while the job waits."""
    course = services.course_by_slug(session, doc.slug)
    if not policy.may_create_in(actor, doc.network) and (
        course is None or not policy.may_author(actor, course)
    ):
        raise services.AuthoringError(
            _l(
                "Only experts of the %(network)s network may import this course.",
                network=doc.network,
            ),
            status=403,
        )
    if course is not None and actor is not None and not policy.may_author(actor, course):
        raise services.AuthoringError(_l("You are not an author of this course."), status=403)
    if publish and actor is not None and not actor.is_admin:
        raise services.AuthoringError(_l("Only an administrator can publish."), status=403)
    return course


def _import(
    session, doc: CourseDoc, rendered, actor, staged: StagedMedia, now, publish, progress=None
) -> Course:
    course = check_may_import(session, doc, actor, publish)
    if course is not None:
        services.lock(session, course)  # no publication in between (services.publish)
    network = session.scalar(select(Network).where(Network.code == doc.network))
    if course is None:
        course = Course(slug=doc.slug, created_at=now, status=CourseStatus.DRAFT)
        session.add(course)
    elif course.network_id != network.id and not (actor is None or actor.is_admin):
        raise services.AuthoringError(
            _l("Only an administrator can move a course to another network."), status=403
        )
    # compare new renderings with the stored ones without a query per lesson
    texts = services.load_texts(session, course, LessonContent.html) if course.id else []
    with ChangeTracker(session) as tracker:
        _course_fields(session, course, doc, network, now)
        _media(session, course, doc, staged, now)
        apply_bank(session, course, doc.bank, now)
        _modules(session, course, doc, actor, now, rendered, progress)
        session.flush()
    changed = tracker.changed
    del texts
    if changed:
        services.touched(course, now)  # a published version stays live until republished
    session.flush()
    if publish and (changed or course.status != CourseStatus.PUBLISHED):
        services.publish_import(session, course, actor, now)
    return course


class ChangeTracker:
    """Whether applying the package changed anything, across every (auto)flush on the way:
    re-importing the same package must be a no-op that leaves a published course as is."""

    def __init__(self, session):
        # a scoped session hands out the real Session object when called
        self.session = session() if hasattr(session, "registry") else session
        self.changed = False

    def _before_flush(self, session, _context, _instances) -> None:
        if session.new or session.deleted or any(session.is_modified(obj) for obj in session.dirty):
            self.changed = True

    def __enter__(self):
        event.listen(self.session, "before_flush", self._before_flush)
        return self

    def __exit__(self, *exc):
        event.remove(self.session, "before_flush", self._before_flush)


def _course_fields(session, course: Course, doc: CourseDoc, network: Network, now) -> None:
    course.domain, course.network = doc.domain, network
    course.level, course.estimated_hours = doc.level, doc.estimated_hours
    course.source_language, course.languages = doc.source_language, doc.languages
    course.title, course.summary = doc.title, doc.summary
    course.competencies = doc.competencies
    course.search_text = services.search_text(course)
    if doc.authors:
        course.authors = list(session.scalars(select(User).where(User.email.in_(doc.authors))))


def _media(session, course: Course, doc: CourseDoc, staged: StagedMedia, now) -> None:
    session.flush()  # the course needs its id for the assets
    existing = {
        a.path: a
        for a in session.scalars(select(MediaAsset).where(MediaAsset.course_id == course.id))
    }
    for path, media in doc.media.items():
        ext = extension(path)
        content_type = TYPES[ext].content_type
        key = f"courses/{course.slug}/{media.sha256}.{ext}"
        staged.put_file(key, media.path, content_type)
        asset = existing.get(path) or MediaAsset(course_id=course.id, path=path, created_at=now)
        asset.key, asset.content_type = key, content_type
        asset.size, asset.sha256 = media.size, media.sha256
        asset.removed_at = None
        session.add(asset)
    for path, asset in existing.items():
        if path not in doc.media and asset.removed_at is None:
            asset.removed_at = now


def _modules(session, course, doc: CourseDoc, actor, now, rendered, progress=None) -> None:
    by_slug = {m.slug: m for m in course.modules}
    for done, mdoc in enumerate(doc.modules, start=1):
        module = by_slug.get(mdoc.slug)
        if module is None:
            module = Module(slug=mdoc.slug, lessons=[])
            course.modules.append(module)
        module.position, module.title, module.summary = mdoc.position, mdoc.title, mdoc.summary
        module.archived_at = None
        _lessons(session, course, module, mdoc, actor, now, rendered)
        _quiz(session, course, module, mdoc.quiz, now)
        if progress is not None:
            progress(done / len(doc.modules))
    wanted = {m.slug for m in doc.modules}
    for module in course.modules:
        if module.slug not in wanted and module.archived_at is None:
            module.archived_at = now


def _lessons(session, course, module: Module, mdoc: ModuleDoc, actor, now, rendered):
    by_slug = {lesson.slug: lesson for lesson in module.lessons}
    for ldoc in mdoc.lessons:
        lesson = by_slug.get(ldoc.slug)
        if lesson is None:
            lesson = Lesson(slug=ldoc.slug, contents=[])
            module.lessons.append(lesson)
        _lesson(session, course, module, lesson, ldoc, actor, now, rendered)
    wanted = {lesson.slug for lesson in mdoc.lessons}
    for lesson in module.lessons:
        if lesson.slug not in wanted and lesson.archived_at is None:
            lesson.archived_at = now


def _lesson(session, course, module, lesson: Lesson, ldoc: LessonDoc, actor, now, rendered):
    lesson.position, lesson.kind = ldoc.position, ldoc.kind
    lesson.duration_minutes, lesson.competencies = ldoc.duration_minutes, ldoc.competencies
    lesson.equipment, lesson.safety = ldoc.equipment, ldoc.safety
    lesson.archived_at = None
    source = course.source_language
    order = [source, *sorted(lang for lang in ldoc.bodies if lang != source)]
    for lang in order:
        if lang not in ldoc.bodies:
            continue
        html = rendered[module.slug, lesson.slug, lang]
        services.save_content(
            session,
            lesson,
            lang,
            title=ldoc.titles.get(lang, ""),
            markdown=ldoc.bodies[lang],
            html=html,
            user=actor,
            now=now,
            source_language=source,
        )
    for content in list(lesson.contents):
        if content.lang not in ldoc.bodies:
            lesson.contents.remove(content)  # its texts stay in the revision history


def apply_quiz(session, course, module: Module, qdoc: QuizDoc | None, now) -> None:
    """Replace a module's quiz definition (Studio quiz editor); questions keep identity."""
    _quiz(session, course, module, qdoc, now)


def apply_bank(session, course, bdoc: BankDoc | None, now) -> None:
    """Replace the course's question bank; questions keep identity (and statistics)."""
    bank = course.bank
    if bdoc is None:
        if bank is not None and bank.archived_at is None:
            bank.archived_at = now
        return
    if bank is None:
        bank = Quiz(title={}, questions=[], draw=[])
        course.bank = bank
    bank.archived_at = None
    _questions(course, bank, bdoc.questions, now)


def _quiz(session, course, module: Module, qdoc: QuizDoc | None, now) -> None:
    quiz = module.quiz
    if qdoc is None:
        if quiz is not None and quiz.archived_at is None:
            quiz.archived_at = now
        return
    if quiz is None:
        quiz = Quiz(questions=[])
        module.quiz = quiz
    quiz.title, quiz.pass_mark, quiz.max_attempts = qdoc.title, qdoc.pass_mark, qdoc.max_attempts
    quiz.time_limit_minutes, quiz.shuffle = qdoc.time_limit_minutes, qdoc.shuffle
    quiz.draw = qdoc.draw
    quiz.archived_at = None
    _questions(course, quiz, qdoc.questions, now)


def _questions(course, quiz: Quiz, specs: list[dict], now) -> None:
    """Questions matched by key: a changed definition is a new version of the same
    question, never a new question (its history and statistics stay with it)."""
    by_key = {q.key: q for q in quiz.questions}
    for position, spec in enumerate(specs, start=1):
        question = by_key.get(spec["id"])
        if question is None:
            question = Question(key=spec["id"], version=1)
            quiz.questions.append(question)
        elif question.spec != spec:
            question.version = (question.version or 1) + 1
        question.position, question.type, question.points = position, spec["type"], spec["points"]
        question.spec = spec
        question.tags = list(spec.get("tags", []))
        question.rendered = services.render_question(spec, course.languages)
        question.archived_at = None
    wanted = {spec["id"] for spec in specs}
    for question in quiz.questions:
        if question.key not in wanted and question.archived_at is None:
            question.archived_at = now
