"""Who hears about a course's review and publication, and what they are told.

Called by the review services in their own transaction, so a notification exists exactly
when the change it tells about does. Nobody is told about their own action.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from elearn.accounts.models import Role, User, UserRole
from elearn.authoring.models import Course, CourseEvent
from elearn.core.urls import path_for
from elearn.jobs import services as jobs
from elearn.jobs.queue import get_queue
from elearn.notifications.services import notify


def reviewers_of(session, course: Course) -> list[int]:
    """Who reviews ``course``: today the administrators (the review queue is theirs).
    The network's own reviewers join them with the sign-offs of the Studio issue."""
    return list(
        session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.ADMIN, User.active.is_(True))
        )
    )


def authors_of(session, course: Course) -> list[int]:
    """The course's listed authors and whoever last submitted it for review."""
    ids = {a.id for a in course.authors}
    submitter = session.scalar(
        select(CourseEvent.user_id)
        .where(CourseEvent.course_id == course.id, CourseEvent.action == "submitted")
        .order_by(CourseEvent.created_at.desc(), CourseEvent.id.desc())
        .limit(1)
    )
    if submitter is not None:
        ids.add(submitter)
    return sorted(ids)


def _others(ids: list[int], actor: User | None) -> list[int]:
    return [i for i in ids if actor is None or i != actor.id]


def submitted(session, course: Course, by: User, now: datetime) -> None:
    notify(
        session,
        None,
        "review_submitted",
        _others(reviewers_of(session, course), by),
        params={"course": course.title, "by": by.name},
        url=path_for("studio.review_queue"),
        now=now,
    )


def returned(session, course: Course, by: User, now: datetime, comment: str) -> None:
    notify(
        session,
        None,
        "review_returned",
        _others(authors_of(session, course), by),
        params={"course": course.title, "by": by.name, "comment": comment},
        url=path_for("studio.course", slug=course.slug),
        now=now,
    )


def published(session, course: Course, by: User | None, now: datetime, *, added: int) -> None:
    """The authors hear it is live; when lessons were added to a course already published,
    a job tells its enrolled trainees (there may be thousands)."""
    notify(
        session,
        None,
        "course_published",
        _others(authors_of(session, course), by),
        params={"course": course.title},
        url=path_for("learning.course", slug=course.slug),
        now=now,
    )
    if added:
        jobs.submit(
            session,
            get_queue(),
            "notify_new_lessons",
            owner_id=None,
            args={
                "course_id": course.id,
                "count": added,
                "version": (course.published or {}).get("version"),
            },
            now=now,
        )
