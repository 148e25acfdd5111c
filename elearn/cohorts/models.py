"""Cohorts: a centre's group of trainees following courses together, with their trainers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
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
