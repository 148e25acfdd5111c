"""Who uses the platform and where they belong."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from elearn.core.db import UTCDateTime, utcnow
from elearn.core.text import normalize_email
from elearn.extensions import db
from elearn.i18n.languages import pick_language


class Role(enum.StrEnum):
    ADMIN = "admin"
    EXPERT = "expert"
    TRAINER = "trainer"
    TRAINEE = "trainee"


#: The programme's fields of expertise; a network covers one or more.
DOMAINS = ("automotive", "aeronautics", "health", "ai", "elearning")
#: The programme's networks, as migration 0002 seeds them: what ``elearn courses validate``
#: checks a package against on an expert's laptop where no database was ever migrated.
PROGRAMME_NETWORKS = ("DMK", "AEROMAC", "C3M", "AMCN", "ACOMS")
#: Who vouches for a course before it is published: its subject, its teaching, its
#: translation. Each network says which of them its publications need.
SIGNOFF_ROLES = ("domain", "pedagogy", "translation")


class Network(db.Model):
    """A network of Moroccan experts abroad (DMK, AEROMAC, ...) that authors courses."""

    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: Translatable: ``{"fr": ..., "ar": ...}``.
    name: Mapped[dict] = mapped_column(JSON)
    #: ISO 3166-1 alpha-2 code of the country the network works from, if it has one.
    country: Mapped[str | None] = mapped_column(String(2))
    #: Subset of DOMAINS.
    domains: Mapped[list] = mapped_column(JSON, default=list)
    #: Subset of SIGNOFF_ROLES a publication of the network's courses needs, given on the
    #: revision being published; empty: the administrator's review is enough.
    required_signoffs: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

    #: Loaded only when asked for (``authoring.policy.may_review``, the admin page).
    reviewers: Mapped[list[NetworkReviewer]] = relationship(
        cascade="all, delete-orphan", order_by="NetworkReviewer.id"
    )


class NetworkReviewer(db.Model):
    """Someone who may sign off a role for a network's courses: any account (an expert of
    another network, a trainer, an administrator); one person may hold several roles."""

    __tablename__ = "network_reviewers"
    __table_args__ = (UniqueConstraint("network_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: One of SIGNOFF_ROLES.
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship(lazy="joined")


class Centre(db.Model):
    """A vocational training centre (OFPPT) where trainers run cohorts."""

    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: The name in French, as OFPPT writes it.
    name: Mapped[str] = mapped_column(String(200))
    #: The name in Arabic; empty until an admin gives it (pages then show the French one).
    name_ar: Mapped[str] = mapped_column(String(200), default="", server_default="")
    city: Mapped[str] = mapped_column(String(100))

    @property
    def names(self) -> dict[str, str]:
        """The name per language, shaped like a network's, for ``translated()``."""
        return {"fr": self.name, "ar": self.name_ar or ""}

    def name_in(self, lang: str) -> str:
        """The name in ``lang``, else in French (what exports and e-mails print)."""
        names = self.names
        return names[pick_language([k for k, v in names.items() if v], lang, "fr") or "fr"]


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lowercased, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Argon2id; None until the person sets a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id"), index=True)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"), index=True)
    #: Bumped on logout and password change: every cookie issued before stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    #: Kept by ``notifications.services`` in the transaction that changes it, so the bell
    #: on every page costs no query (the user row is read anyway); the list corrects it.
    unread_notifications: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    network: Mapped[Network | None] = relationship(lazy="joined")
    centre: Mapped[Centre | None] = relationship(lazy="joined")

    @validates("email")
    def _normalize_email(self, _key, value: str) -> str:
        return normalize_email(value)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    def get_id(self) -> str:
        """The session remembers the id *and* the version, so bumping it ends old sessions."""
        return f"{self.id}:{self.session_version}"


class AccessToken(db.Model):
    """A personal access token for the API: shown once, stored as a SHA-256 digest."""

    __tablename__ = "access_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64))
    #: First characters of the token, so its owner can tell tokens apart in a list.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class SetupLink(db.Model):
    """A one-time, expiring link to choose a password (accounts created for a cohort).

    Only a SHA-256 digest is stored: the link itself exists in the e-mail alone.
    """

    __tablename__ = "setup_links"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class EmailChange(db.Model):
    """A new e-mail address asked for, waiting for its owner to confirm it from that
    address. The account keeps its old address until the link is followed.

    Only a SHA-256 digest of the link is stored, written when the e-mail is sent (the
    job makes the link, as for password links): the link exists in the e-mail alone.
    """

    __tablename__ = "email_changes"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Normalised like ``User.email``, so "is it still free?" compares like the accounts do.
    new_email: Mapped[str] = mapped_column(String(254))
    #: None until the confirmation e-mail is written; each sending draws a new one.
    token_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the link stopped working: confirmed, replaced by a newer request, cancelled,
    #: or ended by a password change.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    @validates("new_email")
    def _normalize_email(self, _key, value: str) -> str:
        return normalize_email(value)


class SignInFailures(db.Model):
    """Failed sign-ins of one account in its current window, page and API together.

    In the database, because it is the one place every worker and every instance sees:
    counted in each process's memory, two gunicorn workers let an attacker try twice the
    budget. A row stands for the e-mail typed, whether an account has it or not.
    """

    __tablename__ = "sign_in_failures"

    #: SHA-256 of the normalised e-mail tried: fixed width, and the table keeps no list of
    #: the addresses guessers typed.
    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Tries taken in this window. A try is taken before the password is checked (so
    #: parallel guesses cannot overrun the budget) and given back when it was right.
    failures: Mapped[int] = mapped_column(Integer)
    #: When the window ends and the budget is whole again; rows past it are deleted.
    resets_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
