"""What trainees are told about the courses they follow: lessons added to a course they
are enrolled on, and a reminder after a week without activity on a course they started."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from elearn.authoring.models import Course
from elearn.core import clock
from elearn.core.urls import path_for
from elearn.extensions import db
from elearn.jobs.registry import JobInvalid, handler, periodic
from elearn.learning.models import Enrolment
from elearn.notifications.services import notify, without_reminders

#: Quiet this long on a started course, and the trainee gets one reminder.
QUIET = timedelta(days=7)
#: Past this, a course is left alone: a reminder a season later helps nobody.
GIVE_UP = timedelta(days=60)


@handler("notify_new_lessons", max_attempts=5)
def notify_new_lessons(ctx) -> dict:
    """After a publication that added lessons: tell everyone enrolled (once per version)."""
    course = db.session.get(Course, ctx.args["course_id"])
    if course is None or not course.is_live:
        raise JobInvalid("the course is no longer published")
    enrolled = list(
        db.session.scalars(select(Enrolment.user_id).where(Enrolment.course_id == course.id))
    )
    told = notify(
        db.session,
        None,
        "lessons_added",
        enrolled,
        params={"course": course.title, "count": ctx.args["count"]},
        url=path_for("learning.course", slug=course.slug),
        key=f"lessons:{course.id}:{ctx.args.get('version')}",
        now=clock.now(),
    )
    return {"told": told}


def remind_inactive(session, *, now: datetime) -> int:
    """One reminder per quiet spell: the key names the last activity, so a trainee who
    comes back and goes quiet again is reminded again, but never twice for one spell."""
    quiet = session.execute(
        select(Enrolment.id, Enrolment.user_id, Enrolment.last_activity_at, Course)
        .join(Course, Course.id == Enrolment.course_id)
        .where(
            Enrolment.completed_at.is_(None),
            Enrolment.last_activity_at.is_not(None),
            Enrolment.last_activity_at < now - QUIET,
            Enrolment.last_activity_at > now - GIVE_UP,
            Course.is_live,
        )
    ).all()
    muted = without_reminders(session, sorted({row.user_id for row in quiet}))
    told = 0
    for row in quiet:
        if row.user_id in muted:
            continue
        told += notify(
            session,
            None,
            "inactive_reminder",
            [row.user_id],
            params={"course": row.Course.title, "days": (now - row.last_activity_at).days},
            url=path_for("learning.course", slug=row.Course.slug),
            key=f"quiet:{row.id}:{row.last_activity_at.timestamp():.6f}",
            now=now,
        )
    return told


@periodic("remind_inactive_trainees", minute="30", hour="8")
def remind_inactive_trainees() -> None:
    remind_inactive(db.session, now=clock.now())
