"""Who hears about a course's review and publication, and what they are told.

Called by the review services in their own transaction, so a notification exists exactly
when the change it tells about does. Nobody is told about their own action.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from elearn.accounts.models import NetworkReviewer, Role, User, UserRole
from elearn.authoring.models import Course, CourseComment, CourseEvent
from elearn.core.urls import path_for
from elearn.jobs import services as jobs
from elearn.jobs.queue import get_queue
from elearn.notifications.services import notify


def reviewers_of(session, course: Course) -> list[int]:
    """Who reviews ``course``: the administrators (they publish) and the reviewers of its
    network (they sign off)."""
    admins = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN, User.active.is_(True))
    )
    network = select(NetworkReviewer.user_id).where(NetworkReviewer.network_id == course.network_id)
    return sorted(set(session.scalars(admins)) | set(session.scalars(network)))


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


def commented(
    session,
    course: Course,
    by: User,
    now: datetime,
    comment: CourseComment,
    parent: CourseComment | None,
) -> None:
    """The authors hear of a review comment, and so does whoever wrote the comment it
    answers; a link opens the review page at the comment."""
    told = set(authors_of(session, course))
    if parent is not None and parent.author_id is not None:
        told.add(parent.author_id)
    notify(
        session,
        None,
        "review_comment",
        _others(sorted(told), by),
        params={"course": course.title, "by": by.name, "excerpt": comment.body[:200]},
        url=path_for("studio_review.review", slug=course.slug) + f"#comment-{comment.id}",
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
