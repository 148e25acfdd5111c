"""One-time links to choose a password, for accounts a trainer created with a cohort.

The trainee never had a password, so the link is the only way in: 256 random bits, stored
as a digest, usable once, expiring, and replaced (the old one stops working) whenever a
new one is sent.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from elearn.accounts.models import SetupLink, User
from elearn.accounts.services import set_password


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(
    session, user: User, *, now: datetime, days: int = 0, lifetime: timedelta | None = None
) -> str:
    """A fresh link for ``user``, valid ``days`` (or ``lifetime``); earlier unused links stop
    working. Returns the token."""
    session.execute(
        update(SetupLink)
        .where(SetupLink.user_id == user.id, SetupLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    plain = secrets.token_urlsafe(32)
    session.add(
        SetupLink(
            user_id=user.id,
            token_hash=_digest(plain),
            created_at=now,
            expires_at=now + (lifetime if lifetime is not None else timedelta(days=max(1, days))),
        )
    )
    session.flush()
    return plain


def valid_link(session, plain: str, *, now: datetime) -> SetupLink | None:
    if not plain or len(plain) > 128:
        return None
    link = session.scalar(select(SetupLink).where(SetupLink.token_hash == _digest(plain)))
    if link is None or link.used_at is not None or link.expires_at < now:
        return None
    if not link.user.active:
        return None
    return link


def use_link(session, link: SetupLink, password: str, *, now: datetime) -> User:
    """Set the password (the usual rules apply) and spend the link."""
    set_password(session, link.user, password, now=now)
    link.used_at = now
    session.flush()
    return link.user


def recent_links(session, user: User, *, since: datetime) -> int:
    """How many links were made for ``user`` since then (a budget for reset e-mails, kept in
    the database so that every worker counts the same)."""
    return session.scalar(
        select(func.count())
        .select_from(SetupLink)
        .where(SetupLink.user_id == user.id, SetupLink.created_at >= since)
    )
