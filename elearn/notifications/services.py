"""Notify people, list what they were told, mark it read, and e-mail it as they chose.

``notify`` is the one way in: the domains call it in the transaction of the event (a course
submitted, sent back, published) or from a periodic job (reminders, the trainers' weekly
digest). It writes one row per person, keeps each person's unread count on their account
row (the bell reads it for free), and hands an e-mail job the rows of those who want to
hear at once; the daily digest takes the others. A ``key`` makes a notification unique
for its reader, so a job that runs twice tells nobody twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update

from elearn.accounts.models import User
from elearn.core import mail
from elearn.core.errors import DomainError
from elearn.core.pagination import Page, paginate
from elearn.core.urls import absolute, path_for
from elearn.jobs.mail import message, send_later
from elearn.jobs.queue import Queue, get_queue
from elearn.notifications import kinds
from elearn.notifications.models import EmailChoice, Notification, NotificationSettings

#: Rows per statement when a notification goes to a whole course's trainees.
CHUNK = 500
#: How far back the daily digest looks for what was not e-mailed yet.
DIGEST_WINDOW = timedelta(days=2)


class NotificationError(DomainError):
    pass


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def settings_of(session, user_id: int) -> NotificationSettings:
    """The person's choices, or the defaults (not added to the session)."""
    found = session.get(NotificationSettings, user_id)
    return found or NotificationSettings(user_id=user_id, email=EmailChoice.INSTANT, reminders=True)


def save_settings(session, user: User, *, email: str, reminders: bool) -> NotificationSettings:
    if email not in set(EmailChoice):
        raise NotificationError(
            _("Choose how to be told by e-mail: at once, in a daily digest, or never."),
            field="email",
        )
    found = session.get(NotificationSettings, user.id)
    if found is None:
        found = NotificationSettings(user_id=user.id)
        session.add(found)
    found.email = email
    found.reminders = bool(reminders)
    session.flush()
    return found


def _choices(session, user_ids: list[int]) -> dict[int, NotificationSettings]:
    found: dict[int, NotificationSettings] = {}
    for chunk in _chunks(user_ids):
        for row in session.scalars(
            select(NotificationSettings).where(NotificationSettings.user_id.in_(chunk))
        ):
            found[row.user_id] = row
    return found


def without_reminders(session, user_ids: list[int]) -> set[int]:
    """Those among ``user_ids`` who turned the reminders off."""
    return {uid for uid, row in _choices(session, user_ids).items() if not row.reminders}


def notify(
    session,
    queue: Queue | None,
    kind: str,
    user_ids: Iterable[int],
    *,
    params: dict,
    url: str,
    now: datetime,
    key: str | None = None,
) -> int:
    """Tell ``user_ids`` (active accounts only) that ``kind`` happened; returns how many
    were told. With ``key``, anyone who already has that key is skipped. ``queue`` None:
    the application's (a domain rule notifying from inside its own service)."""
    if kind not in kinds.KINDS:
        raise ValueError(f"unknown notification {kind!r}")
    wanted = sorted(set(user_ids))
    if not wanted:
        return 0
    told: list[int] = []
    for chunk in _chunks(wanted):
        active = select(User.id).where(User.id.in_(chunk), User.active.is_(True))
        if key is not None:
            already = select(Notification.user_id).where(
                Notification.key == key, Notification.user_id.in_(chunk)
            )
            active = active.where(User.id.not_in(already))
        told.extend(session.scalars(active))
    if not told:
        return 0
    choices = _choices(session, told)
    # no settings row: the default, at once
    instant = {uid for uid in told if uid not in choices or choices[uid].email == "instant"}
    mails: list[dict] = []
    for chunk in _chunks(told):
        rows = [
            {
                "user_id": uid,
                "kind": kind,
                "params": params,
                "url": url,
                "key": key,
                "created_at": now,
                "emailed_at": now if uid in instant else None,
            }
            for uid in chunk
        ]
        ids = session.scalars(
            insert(Notification).returning(Notification.id, sort_by_parameter_order=True), rows
        ).all()
        mails.extend(
            {"notification_id": nid} for nid, uid in zip(ids, chunk, strict=True) if uid in instant
        )
        session.execute(
            update(User)
            .where(User.id.in_(chunk))
            .values(unread_notifications=User.unread_notifications + 1)
            .execution_options(synchronize_session=False)
        )
    send_later(session, queue or get_queue(), "notification", mails, now=now)
    return len(told)


def listing(
    session,
    user: User,
    *,
    unread_only: bool = False,
    page: int = 1,
    per_page: int = 20,
    clamp: bool = False,
) -> tuple[Page, int]:
    """A page of ``user``'s notifications (newest first) and how many are unread: three
    queries whatever the page."""
    mine = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        mine = mine.where(Notification.read_at.is_(None))
    found = paginate(
        session,
        mine.order_by(Notification.created_at.desc(), Notification.id.desc()),
        page,
        per_page,
        clamp=clamp,
    )
    return found, _unread(session, user)


def _unread(session, user: User) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def mark_read(
    session, user: User, *, ids: list[int] | None = None, everything: bool = False, now: datetime
) -> int:
    """Mark some (only the reader's own: others' ids are ignored) or all notifications
    read; returns how many remain unread, and sets the bell's count to that."""
    change = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if not everything:
        if not ids:
            return user.unread_notifications
        change = change.where(Notification.id.in_(ids))
    session.execute(change.values(read_at=now).execution_options(synchronize_session=False))
    unread = _unread(session, user)
    user.unread_notifications = unread
    session.flush()
    return unread


def open_one(session, user: User, notification_id: int, *, now: datetime) -> Notification | None:
    """The reader's notification (None for anyone else's), marked read on the way."""
    found = session.get(Notification, notification_id)
    if found is None or found.user_id != user.id:
        return None
    if found.read_at is None:
        mark_read(session, user, ids=[found.id], now=now)
    return found


# -- e-mail --------------------------------------------------------------------------


def _footer() -> str:
    return _(
        "You receive this e-mail because of your notification settings: %(url)s",
        url=absolute(path_for("notifications.settings")),
    )


@message("notification")
def notification_mail(session, item: dict) -> mail.Mail | None:
    found = session.get(Notification, item["notification_id"])
    if found is None or found.read_at is not None:
        return None  # seen in the platform meanwhile: no need to say it again
    user = session.get(User, found.user_id)
    if user is None or not user.active:
        return None
    with force_locale(user.locale):
        title, body = kinds.write(found.kind, found.params)
        text = f"{body}\n\n{absolute(found.url)}\n\n-- \n{_footer()}\n"
        return mail.Mail(to=user.email, subject=title, body=text)


@message("notification_digest")
def digest_mail(session, item: dict) -> mail.Mail | None:
    user = session.get(User, item["user_id"])
    if user is None or not user.active:
        return None
    found = session.scalars(
        select(Notification)
        .where(Notification.id.in_(item["ids"]), Notification.read_at.is_(None))
        .order_by(Notification.created_at)
    ).all()
    if not found:
        return None
    with force_locale(user.locale):
        parts = []
        for n in found:
            title, body = kinds.write(n.kind, n.params)
            body = body.replace("\n", "\n  ")
            parts.append(f"* {title}\n  {body}\n  {absolute(n.url)}")
        subject = (
            _("Your daily MRE Academy digest")
            if len(found) > 1
            else kinds.write(found[0].kind, found[0].params)[0]
        )
        text = "\n\n".join(parts) + f"\n\n-- \n{_footer()}\n"
        return mail.Mail(to=user.email, subject=subject, body=text)


def send_digests(session, queue: Queue, *, now: datetime) -> int:
    """Each person who chose the daily digest gets one e-mail with what they have not read
    and was not e-mailed yet; returns how many e-mails were asked for."""
    rows = session.execute(
        select(Notification.user_id, Notification.id)
        .join(NotificationSettings, NotificationSettings.user_id == Notification.user_id)
        .where(
            NotificationSettings.email == EmailChoice.DAILY,
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),
            Notification.created_at > now - DIGEST_WINDOW,
        )
        .order_by(Notification.user_id, Notification.id)
    ).all()
    per_user: dict[int, list[int]] = {}
    for user_id, notification_id in rows:
        per_user.setdefault(user_id, []).append(notification_id)
    for ids in _chunks([nid for _uid, nid in rows]):
        session.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            .values(emailed_at=now)
            .execution_options(synchronize_session=False)
        )
    send_later(
        session,
        queue,
        "notification_digest",
        [{"user_id": uid, "ids": ids} for uid, ids in per_user.items()],
        now=now,
    )
    return len(per_user)
