"""Review of a course before publication: sign-offs per role on one revision, and the
threaded comments reviewers and authors exchange about its lessons.

A network says which sign-offs its publications need (``Network.required_signoffs``) and
who may give them (``NetworkReviewer``); a sign-off vouches for one revision of the working
copy, so any change asks for them again. Plain functions over an explicit session; they
flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from elearn.accounts.models import SIGNOFF_ROLES, NetworkReviewer, User
from elearn.authoring import notices, policy
from elearn.authoring import signoffs as signoff_rules
from elearn.authoring.models import (
    Course,
    CourseComment,
    CourseSignoff,
    CourseStatus,
    Lesson,
    Module,
)
from elearn.authoring.services import AuthoringError, revision
from elearn.core.db import again_if_raced
from elearn.core.errors import refuse_unfit
from elearn.i18n.formatting import SIGNOFF_LABELS

#: Longest comment kept: a review note, not a document.
COMMENT_MAX = 4000


def signoffs(session, course: Course) -> list[CourseSignoff]:
    """The sign-offs given on the working copy's current revision, oldest first."""
    return signoff_rules.given_on(session, course, revision(session, course))


def missing_signoffs(session, course: Course) -> list[str]:
    """The required roles nobody has signed off on the current revision."""
    return signoff_rules.missing_on(session, course, revision(session, course))


def sign_off(session, course: Course, user: User, role: str, now: datetime) -> CourseSignoff:
    """Vouch, in ``role``, for the revision of the course now in review. Giving the same
    sign-off twice on one revision keeps the first."""
    if role not in SIGNOFF_ROLES:
        raise AuthoringError(
            _l("Choose a sign-off: domain, pedagogy or translation."), field="role"
        )
    if course.status != CourseStatus.IN_REVIEW:
        raise AuthoringError(_l("Only a course in review can be signed off."), status=409)
    if not user.is_admin:
        if policy.may_author(user, course):
            raise AuthoringError(
                _l(
                    "You may edit this course, so you cannot sign it off: a sign-off is "
                    "someone else's review (administrators excepted)."
                ),
                status=403,
            )
        if role not in policy.review_roles(user, course):
            raise AuthoringError(
                _l(
                    "You are not a reviewer of this network for %(role)s.",
                    role=SIGNOFF_LABELS[role],
                ),
                field="role",
                status=403,
            )
    current = revision(session, course)
    if current != course.submitted_revision:
        raise AuthoringError(
            _l(
                "This course has changed since it was submitted for review: its authors "
                "must submit it again before it is signed off."
            ),
            status=409,
        )

    def save() -> CourseSignoff:
        found = session.scalar(
            select(CourseSignoff).where(
                CourseSignoff.course_id == course.id,
                CourseSignoff.revision == current,
                CourseSignoff.role == role,
                CourseSignoff.user_id == user.id,
            )
        )
        if found is not None:
            return found
        row = CourseSignoff(
            course_id=course.id, user_id=user.id, role=role, revision=current, created_at=now
        )
        session.add(row)
        return row

    row = again_if_raced(session, save)
    session.flush()
    return row


def comment(
    session,
    course: Course,
    user: User,
    body: str,
    *,
    now: datetime,
    lesson: Lesson | None = None,
    parent: CourseComment | None = None,
) -> CourseComment:
    """Add a review comment (on a lesson, or the course as a whole) or a reply to one; the
    course's authors and the author of the comment answered hear of it."""
    if not (policy.may_review(user, course) or policy.may_author(user, course)):
        raise AuthoringError(_l("Only the course's authors and reviewers comment."), status=403)
    text = (body or "").replace("\r\n", "\n").strip()
    refuse_unfit(text, "body")
    if not text:
        raise AuthoringError(_l("Write a comment."), field="body")
    if len(text) > COMMENT_MAX:
        raise AuthoringError(
            _l("A comment is at most %(max)d characters.", max=COMMENT_MAX), field="body"
        )
    if lesson is not None and lesson.module.course_id != course.id:
        raise AuthoringError(_l("This lesson is not in this course."), field="lesson")
    if parent is not None:
        if parent.course_id != course.id or parent.lesson_id != (lesson.id if lesson else None):
            raise AuthoringError(
                _l("Reply to a comment of the same lesson of this course."), field="parent"
            )
        if parent.parent_id is not None:  # one level deep: answer the thread
            parent = session.get(CourseComment, parent.parent_id)
    row = CourseComment(
        course_id=course.id,
        lesson_id=lesson.id if lesson else None,
        parent_id=parent.id if parent else None,
        author_id=user.id,
        body=text,
        revision=revision(session, course),
        created_at=now,
    )
    session.add(row)
    session.flush()
    notices.commented(session, course, user, now, row, parent)
    return row


@dataclass
class Thread:
    comment: CourseComment
    replies: list[CourseComment] = field(default_factory=list)


def threads(session, course: Course) -> dict[int | None, list[Thread]]:
    """The course's comments as threads, per lesson id (None: the course as a whole),
    oldest first. One query."""
    rows = session.scalars(
        select(CourseComment)
        .where(CourseComment.course_id == course.id)
        .order_by(CourseComment.created_at, CourseComment.id)
    ).all()
    by_id = {r.id: Thread(r) for r in rows if r.parent_id is None}
    out: dict[int | None, list[Thread]] = {}
    for thread in by_id.values():
        out.setdefault(thread.comment.lesson_id, []).append(thread)
    for row in rows:
        if row.parent_id is not None and row.parent_id in by_id:
            by_id[row.parent_id].replies.append(row)
    return out


def comment_target(
    session, course: Course, lesson_id: int | None, parent_id: int | None
) -> tuple[Lesson | None, CourseComment | None]:
    """The lesson and parent comment a form names, looked up within the course (a foreign
    id is refused like a missing one)."""
    lesson = None
    if lesson_id is not None:
        lesson = session.scalar(
            select(Lesson).join(Module).where(Lesson.id == lesson_id, Module.course_id == course.id)
        )
        if lesson is None:
            raise AuthoringError(_l("This lesson is not in this course."), field="lesson")
    parent = None
    if parent_id is not None:
        parent = session.scalar(
            select(CourseComment).where(
                CourseComment.id == parent_id, CourseComment.course_id == course.id
            )
        )
        if parent is None:
            raise AuthoringError(_l("There is no such comment to reply to."), field="parent")
    return lesson, parent


@dataclass
class QueueStatus:
    """A course's sign-offs in the review queue: per required role, who gave it."""

    required: list[str]
    given: dict[str, list[CourseSignoff]]

    @property
    def missing(self) -> list[str]:
        return [role for role in self.required if not self.given.get(role)]


def queue_status(session, courses: list[Course]) -> dict[int, QueueStatus]:
    """The sign-offs of each course on the revision submitted for review (sign-offs are
    only given on that one), in one query whatever the number of courses."""
    by_course: dict[int, dict[str, list[CourseSignoff]]] = {c.id: {} for c in courses}
    if courses:
        rows = session.scalars(
            select(CourseSignoff)
            .join(
                Course,
                (Course.id == CourseSignoff.course_id)
                & (Course.submitted_revision == CourseSignoff.revision),
            )
            .where(Course.id.in_(list(by_course)))
            .order_by(CourseSignoff.created_at, CourseSignoff.id)
        )
        for row in rows:
            by_course[row.course_id].setdefault(row.role, []).append(row)
    return {c.id: QueueStatus(signoff_rules.required_roles(c), by_course[c.id]) for c in courses}


def reviews_anything(session, user: User) -> bool:
    """Whether ``user`` reviews some network's courses (the queue and its menu link)."""
    return (
        session.scalar(
            select(NetworkReviewer.id).where(NetworkReviewer.user_id == user.id).limit(1)
        )
        is not None
    )
