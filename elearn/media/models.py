"""Which stored object a course's ``media/...`` path points to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from elearn.core.db import UTCDateTime, utcnow
from elearn.extensions import db


class MediaAsset(db.Model):
    """A course's file, drafted and published like every authored row: authors get the
    working ``key``; readers get the ``published`` snapshot's, so a new or replaced file
    reaches them with the next publication only."""

    __tablename__ = "media_assets"
    __table_args__ = (UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: As written in lessons: ``media/obd-connector.jpg``.
    path: Mapped[str] = mapped_column(String(255))
    #: Storage key, chosen by the server (content-addressed under the course's prefix).
    key: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when a later import or edit dropped it; the object stays until `media gc`.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: ``{"key": ..., "content_type": ...}`` of the published version (NULL: not in it).
    #: Objects are never overwritten (keys are content-addressed or per upload), so the
    #: published key keeps its bytes; `media gc` spares it.
    published: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    def working(self) -> dict | None:
        """What authors get, and what a publication copies into ``published``."""
        if self.removed_at is not None:
            return None
        return {"key": self.key, "content_type": self.content_type}


class MediaUpload(db.Model):
    """A ticket for one direct upload: the server picked the key; ``complete`` checks what
    really arrived before a MediaAsset points to it."""

    __tablename__ = "media_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: Where lessons will refer to it: ``media/<safe-name>.<ext>``.
    path: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Large files go in parts (a dropped connection costs one part): the storage's id.
    multipart_id: Mapped[str | None] = mapped_column(String(255))
