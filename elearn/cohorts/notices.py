"""The trainers' weekly digest: in each of their cohorts, how many trainees need attention
(quiet for a week, failed their last attempt, or out of attempts), the grid's own rule."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select

from elearn.authoring.models import Course
from elearn.cohorts import dashboard
from elearn.cohorts.models import Cohort
from elearn.core import clock
from elearn.core.urls import path_for
from elearn.extensions import db
from elearn.i18n.formatting import local_zone
from elearn.jobs.registry import periodic
from elearn.notifications.services import notify


def _running(session, now: datetime) -> list[Cohort]:
    today = now.astimezone(local_zone()).date()
    return list(
        session.scalars(
            select(Cohort).where(
                Cohort.archived_at.is_(None),
                Cohort.starts_on <= today,
                or_(Cohort.ends_on.is_(None), Cohort.ends_on >= today - timedelta(days=7)),
            )
        )
    )


def needing_attention(session, cohort: Cohort, *, now: datetime) -> int:
    """How many of the cohort's trainees have a flag on at least one of its courses."""
    flagged: set[int] = set()
    courses = session.scalars(
        select(Course).where(Course.id.in_(cohort.course_ids), Course.is_live)
    )
    for course in courses:
        _modules, rows = dashboard.grid(session, cohort, course, now=now)
        flagged.update(row.user_id for row in rows if row.flags)
    return len(flagged)


def send_trainer_digests(session, *, now: datetime) -> int:
    """One notification per trainer per week, naming each of their cohorts with someone to
    look at; a trainer with nobody to look at is not disturbed. Returns how many were told."""
    per_trainer: dict[int, list[dict]] = {}
    for cohort in _running(session, now):
        if not cohort.trainer_ids:
            continue
        count = needing_attention(session, cohort, now=now)
        if not count:
            continue
        entry = {"id": cohort.id, "name": cohort.name, "count": count}
        for trainer_id in cohort.trainer_ids:
            per_trainer.setdefault(trainer_id, []).append(entry)
    year, week, _day = now.astimezone(local_zone()).isocalendar()
    told = 0
    for trainer_id, cohorts in per_trainer.items():
        first = cohorts[0]["id"]
        told += notify(
            session,
            None,
            "trainer_digest",
            [trainer_id],
            params={"cohorts": cohorts, "total": sum(c["count"] for c in cohorts)},
            url=path_for("cohorts.show", cohort_id=first, show="attention")
            if len(cohorts) == 1
            else path_for("cohorts.index"),
            key=f"digest:{year}-W{week:02d}",
            now=now,
        )
    return told


@periodic("trainer_digest", minute="0", hour="7", day_of_week="1")
def trainer_digest() -> None:
    """Monday morning, before the week's sessions."""
    send_trainer_digests(db.session, now=clock.now())
