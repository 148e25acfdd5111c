"""Who may see and create which accounts: each rule as a predicate and its query twin.

Admins see and create anyone; a trainer sees, and creates, the trainees of their own
centre. ``tests/test_policy.py`` checks the predicate and the query agree.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort
from sqlalchemy import ColumnElement, and_, false, select, true

from elearn.accounts.models import Centre, Role, User, UserRole


def may_see_user(viewer: User | None, user: User) -> bool:
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.is_admin:
        return True
    return (
        Role.TRAINER in viewer.roles
        and Role.TRAINEE in user.roles
        and user.centre_id is not None
        and user.centre_id == viewer.centre_id
    )


def visible_users(viewer: User | None) -> ColumnElement[bool]:
    """``may_see_user`` as a condition on ``User``."""
    if viewer is None or not viewer.is_authenticated:
        return false()
    if viewer.is_admin:
        return true()
    if Role.TRAINER not in viewer.roles or viewer.centre_id is None:
        return false()
    trainees = select(UserRole.user_id).where(UserRole.role == Role.TRAINEE)
    return and_(User.centre_id == viewer.centre_id, User.id.in_(trainees))


def may_create_user(actor: User, roles: Iterable[str], centre: Centre | None) -> bool:
    """Admins create anyone; a trainer only trainees of their own centre."""
    if actor.is_admin:
        return True
    return (
        Role.TRAINER in actor.roles
        and set(roles) == {Role.TRAINEE.value}
        and centre is not None
        and centre.id == actor.centre_id
    )


def user_or_404(session, viewer: User | None, user_id: int) -> User:
    """The account if ``viewer`` may see it; 404 otherwise (never confirms it exists)."""
    user = session.scalar(select(User).where(User.id == user_id, visible_users(viewer)))
    return user if user is not None else abort(404)
