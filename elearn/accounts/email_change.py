"""Changing one's e-mail address, confirmed from the new address.

Nothing changes when the person asks: a one-time link, valid 24 hours, is e-mailed to the
new address, and a notice to the old one (the owner hears of a change asked from a
session someone else took). Following the link shows a button; pressing it (a POST: mail
scanners follow links with GET and must not spend them) moves the account to the new
address, if no other account took it meanwhile. A newer request replaces the pending one;
a password change ends it (``services.set_password``). Sessions and tokens stay: they do
not depend on the address.

Plain functions over an explicit session; they flush and never commit. The link is made
when its e-mail is written, by the mail job, like password links (``welcome._with_link``).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from elearn.accounts import passwords
from elearn.accounts.models import EmailChange, User
from elearn.accounts.services import AccountError, check_email
from elearn.core import mail
from elearn.core.db import again_if_raced
from elearn.core.urls import public_url
from elearn.jobs.mail import message, send_later
from elearn.jobs.queue import Queue

LIFETIME = timedelta(hours=24)
#: Requests per account per hour: each one mails an address its asker typed.
CHANGES_PER_HOUR = 3
WINDOW = timedelta(hours=1)


class TooManyChangesError(AccountError):
    """This account asked for ``CHANGES_PER_HOUR`` changes within the hour."""

    status = 429

    def __init__(self, seconds: int):
        minutes = max(1, math.ceil(seconds / 60))
        super().__init__(
            ngettext(
                "You asked for several e-mail changes within the hour: try again in "
                "%(num)s minute.",
                "You asked for several e-mail changes within the hour: try again in "
                "%(num)s minutes.",
                minutes,
            ),
            field="email",
        )
        self.headers = {"Retry-After": str(max(1, seconds))}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _taken(session, email: str, user: User) -> bool:
    """Another account signs in with this address (compared as accounts store them)."""
    return (
        session.scalar(select(User.id).where(User.email == email, User.id != user.id)) is not None
    )


def _end_pending(session, user: User, now: datetime) -> int:
    """Stop every link of this account still waiting; how many there were."""
    return session.execute(
        update(EmailChange)
        .where(EmailChange.user_id == user.id, EmailChange.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def request_change(
    session, queue: Queue, user: User, new_email: str, password: str, *, now: datetime
) -> EmailChange:
    """Ask to move ``user`` to ``new_email``: checked, then mailed (after the commit) to
    the new address for confirmation and to the old one as a notice. Replaces a pending
    request. Raises AccountError on ``email`` or ``password``; TooManyChangesError (429)."""
    email = check_email(new_email or "")
    if email == user.email:
        raise AccountError(_l("This is already your e-mail address."), field="email")
    if not passwords.verify_password(user.password_hash, password or ""):
        raise AccountError(_l("Your current password is not correct."), field="password")
    if _taken(session, email, user):
        # Said to a signed-in person who gave their password, a few times an hour: the
        # same thing admins and trainers already see in their lists (docs: decisions).
        raise AccountError(_l("Another account already uses this e-mail address."), field="email")
    recent = session.scalars(
        select(EmailChange.created_at)
        .where(EmailChange.user_id == user.id, EmailChange.created_at > now - WINDOW)
        .order_by(EmailChange.created_at)
    ).all()
    if len(recent) >= CHANGES_PER_HOUR:
        wait = recent[len(recent) - CHANGES_PER_HOUR] + WINDOW - now
        raise TooManyChangesError(math.ceil(wait.total_seconds()))
    _end_pending(session, user, now)
    change = EmailChange(
        user_id=user.id, new_email=email, created_at=now, expires_at=now + LIFETIME
    )
    session.add(change)
    session.flush()
    item = {"user_id": user.id, "change_id": change.id}
    send_later(session, queue, "email_change_confirm", [item], now=now)
    send_later(session, queue, "email_change_notice", [{**item, "old_email": user.email}], now=now)
    return change


def pending_change(session, user: User, *, now: datetime) -> EmailChange | None:
    """The change waiting for confirmation, if any (the newest: asking again replaces)."""
    return session.scalar(
        select(EmailChange)
        .where(
            EmailChange.user_id == user.id,
            EmailChange.used_at.is_(None),
            EmailChange.expires_at > now,
        )
        .order_by(EmailChange.created_at.desc(), EmailChange.id.desc())
        .limit(1)
    )


def cancel_change(session, user: User, *, now: datetime) -> bool:
    """Stop the pending change; False when there was none."""
    return _end_pending(session, user, now) > 0


def valid_change(session, plain: str, *, now: datetime) -> EmailChange | None:
    """The pending change this link confirms, or None (unknown, used, replaced, expired,
    or the account is deactivated)."""
    if not plain or len(plain) > 128:
        return None
    change = session.scalar(select(EmailChange).where(EmailChange.token_hash == _digest(plain)))
    if change is None or change.used_at is not None or change.expires_at <= now:
        return None
    if not change.user.active:
        return None
    return change


def confirm_change(session, change: EmailChange, *, now: datetime) -> User:
    """Move the account to its new address and spend the link. Refused (409) when another
    account took the address since it was asked for; the link then stays unspent."""
    user = change.user

    def move() -> User:
        if _taken(session, change.new_email, user):
            raise AccountError(
                _l(
                    "Another account uses %(email)s now, so your address was not changed. "
                    "Ask for a change to another address on your account page.",
                    email=change.new_email,
                ),
                field="email",
                status=409,
            )
        user.email = change.new_email
        change.used_at = now
        return user

    moved = again_if_raced(session, move)  # two accounts confirming one address at once
    _end_pending(session, user, now)
    return moved


# -- the e-mails --------------------------------------------------------------------------


@message("email_change_confirm")
def confirm_message(session, item: dict) -> mail.Mail | None:
    """To the new address: the link, made now (a retry makes a new one; only the last
    e-mail's link works)."""
    change = session.get(EmailChange, item["change_id"])
    user = change.user if change is not None else None
    if user is None or not user.active or change.used_at is not None:
        return None  # cancelled, replaced or confirmed meanwhile: a link would only confuse
    plain = secrets.token_urlsafe(32)
    change.token_hash = _digest(plain)
    session.flush()
    url = public_url("accounts.confirm_email", token=plain)
    with force_locale(user.locale):
        body = _(
            "Hello %(name)s,\n\nTo sign in to MRE Academy with this address from now on, "
            "confirm it here (the link works once, for 24 hours):\n\n%(url)s\n\n"
            "Until you confirm, your account keeps the address %(old_email)s. If you did "
            "not ask for this, ignore this e-mail.\n",
            name=user.name,
            url=url,
            old_email=user.email,
        )
        return mail.Mail(
            to=change.new_email, subject=_("Confirm your new MRE Academy e-mail"), body=body
        )


@message("email_change_notice")
def notice_message(session, item: dict) -> mail.Mail | None:
    """To the old address: what was asked, and what to do if it was not its owner."""
    user = session.get(User, item["user_id"])
    change = session.get(EmailChange, item["change_id"])
    if user is None or change is None:
        return None
    with force_locale(user.locale):
        body = _(
            "Hello %(name)s,\n\nSomeone asked to change the e-mail address of your MRE "
            "Academy account to %(new_email)s. Nothing changes until the new address "
            "confirms it.\n\nIf it was not you, change your password now: this also "
            "cancels the change.\n\n%(url)s\n",
            name=user.name,
            new_email=change.new_email,
            url=public_url("accounts.change_password"),
        )
        return mail.Mail(
            to=item["old_email"], subject=_("A change of your MRE Academy e-mail"), body=body
        )
