"""Courses as authored, and as published.

Every authored row holds its working (draft) fields and a ``published`` JSON snapshot of
them, NULL when the row is not part of the published version. Publishing copies draft into
snapshot for every row of a course in one transaction; trainees only ever read snapshots.
Rows are never deleted once they may have learners' data: removed items are archived.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.accounts.models import Network, User
from elearn.core.db import UTCDateTime, utcnow
from elearn.extensions import db


class CourseStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


LEVELS = ("beginner", "intermediate", "advanced")
LESSON_KINDS = ("theory", "practical")
#: Bounds of the numbers a course is described with, in packages and in the Studio alike.
MAX_HOURS = 1000
MAX_MINUTES = 1000
#: Module and lesson numbers ("01-"): positions are INTEGER columns.
MAX_POSITION = 999


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    domain: Mapped[str] = mapped_column(String(32))
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    estimated_hours: Mapped[float] = mapped_column()
    source_language: Mapped[str] = mapped_column(String(8))
    languages: Mapped[list] = mapped_column(JSON)
    #: Translatable ``{"fr": ..., "ar": ...}``; summary is short Markdown.
    title: Mapped[dict] = mapped_column(JSON)
    summary: Mapped[dict] = mapped_column(JSON)
    #: Titles and summaries folded (accents, Arabic variants) for search; set on save.
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: ``[{"code": "C1", "title": {"fr": ..., "ar": ...}}]``
    competencies: Mapped[list] = mapped_column(JSON, default=list)
    #: Workflow of the working copy; ``published`` says whether a version is live.
    status: Mapped[str] = mapped_column(String(16), default=CourseStatus.DRAFT, index=True)
    #: Open to self-enrolment (else only through cohorts).
    open_enrolment: Mapped[bool] = mapped_column(Boolean, default=True)
    published: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: ``services.revision`` of the working copy when it was last submitted for review:
    #: publication refuses a course whose working copy is no longer that one.
    submitted_revision: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    network: Mapped[Network] = relationship(lazy="joined")
    authors: Mapped[list[User]] = relationship(secondary="course_authors")
    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )
    #: Questions the course's quizzes draw from (``bank.yml``), None until written.
    bank: Mapped[Quiz | None] = relationship(
        foreign_keys="Quiz.bank_course_id", cascade="all, delete-orphan", uselist=False
    )

    @hybrid_property
    def is_live(self) -> bool:
        """Readers see the course: a version is published and the course is not archived.
        One rule for Python and SQL (``select(Course).where(Course.is_live)``)."""
        return self.published is not None and self.status != CourseStatus.ARCHIVED

    @is_live.inplace.expression
    @classmethod
    def _is_live_expression(cls):
        return and_(cls.published.is_not(None), cls.status != CourseStatus.ARCHIVED)


class CourseAuthor(db.Model):
    __tablename__ = "course_authors"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class CourseEvent(db.Model):
    """The review trail: submitted, returned with a comment, published, archived."""

    __tablename__ = "course_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()
    user: Mapped[User | None] = relationship(lazy="joined")


class Module(db.Model):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict] = mapped_column(JSON)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    quiz: Mapped[Quiz | None] = relationship(back_populates="module", cascade="all, delete-orphan")


class Lesson(db.Model):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("module_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="theory")
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    competencies: Mapped[list] = mapped_column(JSON, default=list)
    #: Per language: ``{"fr": ["Valise OBD"], "ar": [...]}`` and ``{"fr": "Couper...", ...}``.
    equipment: Mapped[dict] = mapped_column(JSON, default=dict)
    safety: Mapped[dict] = mapped_column(JSON, default=dict)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    module: Mapped[Module] = relationship(back_populates="lessons")
    contents: Mapped[list[LessonContent]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", lazy="selectin"
    )

    def content(self, lang: str) -> LessonContent | None:
        return next((c for c in self.contents if c.lang == lang), None)


class LessonContent(db.Model):
    """One language version of a lesson: its Markdown, rendered once, and its provenance."""

    __tablename__ = "lesson_contents"
    __table_args__ = (UniqueConstraint("lesson_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    #: The texts are loaded only when asked for: outlines need titles, not 20 KB bodies.
    markdown: Mapped[str] = mapped_column(Text, deferred=True)
    html: Mapped[str] = mapped_column(Text, deferred=True)
    #: SHA-256 of ``markdown``.
    source_hash: Mapped[str] = mapped_column(String(64))
    #: Hash of the source-language text this translation was last brought up to date with;
    #: differs from the source's current hash → the translation is stale.
    based_on_hash: Mapped[str | None] = mapped_column(String(64))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: ``{"title": ..., "hash": ...}`` of the published version; its HTML sits apart.
    published: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    published_html: Mapped[str | None] = mapped_column(Text, deferred=True)

    lesson: Mapped[Lesson] = relationship(back_populates="contents")


class LessonRevision(db.Model):
    """Every saved text of a lesson, so authors can compare and recover."""

    __tablename__ = "lesson_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    markdown: Mapped[str] = mapped_column(Text)
    source_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lesson: Mapped[Lesson] = relationship()
    created_by: Mapped[User | None] = relationship(lazy="joined")


class Quiz(db.Model):
    """A module's quiz, or a course's question bank (``bank_course_id`` set, no module):
    one table, so bank questions are published, shown, graded and counted exactly as a
    quiz's own."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), unique=True
    )
    bank_course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), unique=True
    )
    #: ``[{"tag": "brakes", "count": 2}]``: questions drawn from the bank per attempt.
    draw: Mapped[list] = mapped_column(JSON, default=list)
    title: Mapped[dict] = mapped_column(JSON)
    pass_mark: Mapped[int] = mapped_column(Integer, default=70)
    max_attempts: Mapped[int] = mapped_column(Integer, default=0)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    shuffle: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    module: Mapped[Module | None] = relationship(back_populates="quiz")
    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz",
        order_by="Question.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class Question(db.Model):
    """A quiz question; ``spec`` is its definition as in quiz.yml (answers included, never
    sent to a trainee before submission)."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("quiz_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    #: The author's id (``q1``), stable across imports.
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    points: Mapped[float] = mapped_column(default=1)
    spec: Mapped[dict] = mapped_column(JSON)
    #: Topics a quiz draws bank questions by (``spec["tags"]``, kept apart to filter on).
    tags: Mapped[list] = mapped_column(JSON, default=list)
    #: Goes up each time the question's definition changes: the key keeps the question's
    #: identity (its statistics carry over), the version tells its wordings apart.
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: Rendered prompt/choices/feedback per language, computed at save time.
    rendered: Mapped[dict] = mapped_column(JSON, default=dict)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    quiz: Mapped[Quiz] = relationship(back_populates="questions")


class CourseSignoff(db.Model):
    """A reviewer vouching, in one role, for one revision of a course's working copy: a
    change makes a new revision, and the sign-offs of the old one no longer count."""

    __tablename__ = "course_signoffs"
    __table_args__ = (UniqueConstraint("course_id", "revision", "role", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: One of accounts.models.SIGNOFF_ROLES.
    role: Mapped[str] = mapped_column(String(16))
    #: ``services.revision`` of the working copy signed off.
    revision: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class CourseComment(db.Model):
    """A review comment on a lesson (or the whole course), or a reply to one."""

    __tablename__ = "course_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: None: about the course as a whole.
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    #: The comment this one answers (threads are one level deep).
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_comments.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    #: The revision the comment was written on, so a reader sees what it was about.
    revision: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
