"""Cohorts: a centre's group of trainees following courses together, with their trainers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.accounts.models import Centre
from elearn.core.db import UTCDateTime, utcnow
from elearn.extensions import db


class Cohort(db.Model):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: Archived cohorts keep their history but leave the trainers' lists.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    centre: Mapped[Centre] = relationship(lazy="joined")
    trainer_rows: Mapped[list[CohortTrainer]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    course_rows: Mapped[list[CohortCourse]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def trainer_ids(self) -> set[int]:
        return {row.user_id for row in self.trainer_rows}

    @property
    def course_ids(self) -> list[int]:
        return [row.course_id for row in self.course_rows]


class CohortTrainer(db.Model):
    """A trainer listed on a cohort: they manage it even if it belongs to another centre."""

    __tablename__ = "cohort_trainers"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CohortMember(db.Model):
    __tablename__ = "cohort_members"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CohortCourse(db.Model):
    """A course assigned to the cohort: its members are enrolled in it."""

    __tablename__ = "cohort_courses"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ActionKind:
    """What a trainer did for one trainee (``TrainerAction.kind``)."""

    EXTRA_ATTEMPT = "extra_attempt"
    REOPEN = "reopen"
    MESSAGE = "message"
    ADD = "add"
    REMOVE = "remove"


class TrainerAction(db.Model):
    """One thing a trainer did for a trainee of a cohort: who, when, why. The trainee's
    timeline on the cohort shows them among the lessons and attempts; they outlive the
    membership (a trainee removed and added again keeps the whole story)."""

    __tablename__ = "trainer_actions"
    __table_args__ = (
        Index("ix_trainer_actions_cohort_user", "cohort_id", "user_id", "at"),
        # a form sent twice (a double click) or an API call retried with the same
        # Idempotency-Key is done once: the second finds the first's row
        UniqueConstraint("actor_id", "token", name="uq_trainer_actions_actor_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    #: The trainee the action was for.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Who did it (None once their account is deleted: the record stays).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Why, in the trainer's words (required for attempts, reopening and removal).
    reason: Mapped[str | None] = mapped_column(String(200))
    #: The module whose quiz it concerns (extra attempt, reopening).
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="SET NULL"))
    #: The message sent to the trainee, as plain text.
    message: Mapped[str | None] = mapped_column(Text)
    #: The sending form's one-time token or the API's Idempotency-Key.
    token: Mapped[str | None] = mapped_column(String(64))
