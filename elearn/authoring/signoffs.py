"""Sign-offs on a revision: what a network requires and what is given, read by publication
(``services.publish``) and by the review (``review``). Queries only; no rule here writes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from elearn.accounts.models import SIGNOFF_ROLES
from elearn.authoring.models import Course, CourseSignoff
from elearn.core.errors import DomainError
from elearn.i18n.formatting import SIGNOFF_LABELS


class MissingSignoffsError(DomainError):
    """Publication refused: the network's required sign-offs are not all given on this
    revision. ``missing`` lists the roles, which the API answers too."""

    status = 409

    def __init__(self, missing: list[str]):
        names = ", ".join(str(SIGNOFF_LABELS[role]) for role in missing)
        super().__init__(
            _l("Missing sign-offs: %(roles)s. Publish once they are given.", roles=names)
        )
        self.missing = missing
        self.extra = {"missing": missing}


def required_roles(course: Course) -> list[str]:
    """The roles the course's network asks for, in their usual order."""
    wanted = set(course.network.required_signoffs or [])
    return [role for role in SIGNOFF_ROLES if role in wanted]


def given_on(session, course: Course, revision: str) -> list[CourseSignoff]:
    """The sign-offs given on ``revision`` of the course, oldest first."""
    return list(
        session.scalars(
            select(CourseSignoff)
            .where(CourseSignoff.course_id == course.id, CourseSignoff.revision == revision)
            .order_by(CourseSignoff.created_at, CourseSignoff.id)
        )
    )


def missing_on(session, course: Course, revision: str) -> list[str]:
    """The required roles nobody has signed off on ``revision``."""
    if not course.network.required_signoffs:
        return []
    given = {s.role for s in given_on(session, course, revision)}
    return [role for role in required_roles(course) if role not in given]


def check(session, course: Course, revision: str) -> None:
    """Refuse publication (409 naming the roles) while a required sign-off is missing."""
    missing = missing_on(session, course, revision)
    if missing:
        raise MissingSignoffsError(missing)
