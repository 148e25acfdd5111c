"""A notification: what happened, for whom, and whether they have seen it.

A row stores a *kind* and its *parameters*, never a sentence: it is written in the reader's
language when it is read (a page in Arabic, an e-mail in the recipient's language), so a
person who switches language reads their past notifications in the new one.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from elearn.core.db import UTCDateTime, utcnow
from elearn.extensions import db


class EmailChoice(enum.StrEnum):
    """How a person wants to hear by e-mail about what the platform tells them."""

    INSTANT = "instant"
    DAILY = "daily"
    NEVER = "never"


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # the bell's list: newest first, per person
        Index("ix_notifications_user_created", "user_id", "created_at"),
        # a job that runs twice (at least once) tells nobody twice
        UniqueConstraint("user_id", "key", name="uq_notifications_user_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: Which sentence to write (``notifications.kinds``).
    kind: Mapped[str] = mapped_column(String(40))
    #: What the sentence needs (titles in each language, names, counts, a comment).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Where it leads, a path on this platform.
    url: Mapped[str] = mapped_column(String(500), default="/")
    #: What makes it unique for its reader (``review:12:submitted:3``), or None.
    key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When it was handed to an e-mail (at once or in a digest); None: not (yet) e-mailed.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationSettings(db.Model):
    """A person's choices; no row means the defaults (e-mail at once, reminders on)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(10), default=EmailChoice.INSTANT)
    #: The "you have not been back for a week" reminders.
    reminders: Mapped[bool] = mapped_column(Boolean, default=True)
