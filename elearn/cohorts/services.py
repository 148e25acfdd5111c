"""Cohort rules: creating and editing cohorts, their courses and members.

Plain functions over an explicit session; they flush and never commit. Who manages which
cohort is ``cohorts/policy.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from elearn.accounts.models import Centre, Role, User
from elearn.authoring.models import Course
from elearn.cohorts import policy
from elearn.cohorts.models import Cohort, CohortCourse, CohortMember, CohortTrainer
from elearn.core.db import again_if_raced
from elearn.core.errors import DomainError
from elearn.core.text import clean_text
from elearn.learning.models import Enrolment


class CohortError(DomainError):
    """A cohort change that is not possible, with what to do instead."""


def visible_query(user, *, archived: bool = False):
    """The cohorts ``user`` manages, newest first (nothing for trainees and experts)."""
    stmt = select(Cohort).where(policy.managed_by(user))
    stmt = stmt.where(Cohort.archived_at.is_not(None) if archived else Cohort.archived_at.is_(None))
    return stmt.order_by(Cohort.starts_on.desc(), Cohort.id.desc())


# -- creating and editing -----------------------------------------------------------------


@dataclass
class CohortFields:
    name: str
    centre: Centre | None
    starts_on: date | None
    ends_on: date | None = None
    courses: list[Course] = field(default_factory=list)
    trainers: list[User] = field(default_factory=list)
    #: e-mails given as trainers that match no account (the API's); refused like the rest
    unknown_trainers: list[str] = field(default_factory=list)


def _check(actor, fields: CohortFields, cohort: Cohort | None = None) -> None:
    name = clean_text(fields.name)
    if not name or len(name) > 120:
        raise CohortError(_l("Give the cohort a name (up to 120 characters)."), field="name")
    fields.name = name
    if fields.centre is None:
        raise CohortError(_l("Choose the cohort's centre."), field="centre")
    if not actor.is_admin and fields.centre.id != actor.centre_id:
        raise CohortError(
            _l("You can create cohorts only for your own centre."), field="centre", status=403
        )
    if fields.starts_on is None:
        raise CohortError(_l("Give the date the cohort starts."), field="starts_on")
    if fields.ends_on is not None and fields.ends_on < fields.starts_on:
        raise CohortError(_l("The cohort cannot end before it starts."), field="ends_on")
    for course in fields.courses:
        if not course.is_live:
            raise CohortError(
                _l("Only published courses can be assigned: %(slug)s is not.", slug=course.slug),
                field="courses",
            )
    listed = set(cohort.trainer_ids) if cohort is not None else set()
    if fields.unknown_trainers and not actor.is_admin:
        raise trainer_refused()
    for trainer in fields.trainers:
        if not actor.is_admin:
            # a listed trainer reads the members' attempts: sharing across centres is an
            # admin's call
            if trainer.id not in listed and not (
                Role.TRAINER in trainer.roles and trainer.centre_id == actor.centre_id
            ):
                raise trainer_refused()
        elif Role.TRAINER not in trainer.roles:
            raise CohortError(
                _l("%(email)s is not a trainer account.", email=trainer.email), field="trainers"
            )


def trainer_refused() -> CohortError:
    """What a trainer is told about anyone they may not list as a cohort's trainer: an
    unknown e-mail, someone who is no trainer, another centre's trainer. One answer, naming
    no one: the page sends ids, and "x@… is not a trainer" would tell whose id it is and
    what kind of account they hold."""
    return CohortError(
        _l(
            "You can list only the trainers of your centre: ask an administrator to add "
            "anyone else."
        ),
        field="trainers",
        status=403,
    )


def create_cohort(session, actor, fields: CohortFields, *, now: datetime) -> Cohort:
    _check(actor, fields)
    cohort = Cohort(
        name=fields.name,
        centre_id=fields.centre.id,
        starts_on=fields.starts_on,
        ends_on=fields.ends_on,
        created_at=now,
    )
    session.add(cohort)
    session.flush()
    trainers = {t.id for t in fields.trainers}
    if policy.is_trainer(actor):
        trainers.add(actor.id)  # whoever creates it follows it
    cohort.trainer_rows = [CohortTrainer(cohort_id=cohort.id, user_id=uid) for uid in trainers]
    assign_courses(session, cohort, fields.courses, now=now)
    return cohort


def update_cohort(session, actor, cohort: Cohort, fields: CohortFields, *, now: datetime) -> None:
    """Courses taken off the cohort leave its dashboard; its members keep their progress.
    Two trainers saving the same change at once both succeed (the second adds nothing)."""
    _check(actor, fields, cohort)
    again_if_raced(session, lambda: _update(session, cohort, fields, now=now))


def _update(session, cohort: Cohort, fields: CohortFields, *, now: datetime) -> None:
    cohort.name = fields.name
    cohort.centre_id = fields.centre.id
    cohort.starts_on, cohort.ends_on = fields.starts_on, fields.ends_on
    wanted = {t.id for t in fields.trainers}
    cohort.trainer_rows = [r for r in cohort.trainer_rows if r.user_id in wanted] + [
        CohortTrainer(cohort_id=cohort.id, user_id=uid) for uid in wanted - cohort.trainer_ids
    ]
    keep = {c.id for c in fields.courses}
    cohort.course_rows = [r for r in cohort.course_rows if r.course_id in keep]
    session.flush()
    assign_courses(session, cohort, fields.courses, now=now)


def set_archived(session, cohort: Cohort, archived: bool, *, now: datetime) -> None:
    cohort.archived_at = now if archived else None
    session.flush()


def assign_courses(session, cohort: Cohort, courses: list[Course], *, now: datetime) -> None:
    have = set(cohort.course_ids)
    for course in courses:
        if course.id not in have:
            session.add(CohortCourse(cohort_id=cohort.id, course_id=course.id))
            have.add(course.id)
    session.flush()
    session.expire(cohort, ["course_rows"])
    enrol_members(session, cohort, member_ids(session, cohort), now=now)


def member_ids(session, cohort: Cohort) -> list[int]:
    return list(
        session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id))
    )


def enrol_members(session, cohort: Cohort, user_ids: list[int], *, now: datetime) -> None:
    """Enrol members in every course of the cohort, in two statements however many (and
    once more, should a trainee enrol themself in the same instant)."""
    if user_ids and cohort.course_ids:
        again_if_raced(session, lambda: _enrol(session, cohort, user_ids, now=now))


def _enrol(session, cohort: Cohort, user_ids: list[int], *, now: datetime) -> None:
    existing = set(
        session.execute(
            select(Enrolment.user_id, Enrolment.course_id).where(
                Enrolment.user_id.in_(user_ids), Enrolment.course_id.in_(cohort.course_ids)
            )
        ).all()
    )
    session.add_all(
        Enrolment(user_id=uid, course_id=cid, source="cohort", created_at=now)
        for uid in user_ids
        for cid in cohort.course_ids
        if (uid, cid) not in existing
    )
    session.flush()
