"""The e-mail that brings a trainee created by a trainer onto the platform: their one-time
link to choose a password, written in the trainee's language, sent by a job."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from elearn.accounts import links
from elearn.accounts.models import User
from elearn.accounts.services import find_user
from elearn.core import clock, mail
from elearn.core.urls import public_url
from elearn.jobs.mail import message, send_later
from elearn.jobs.queue import Queue


def send_links(
    session, queue: Queue, users: list[User], *, now, owner_id=None, by_admin: bool = False
) -> None:
    """After the commit, e-mail each account a fresh link (made when the e-mail is sent,
    so no link waits in the queue; each new one stops the previous ones). ``by_admin``:
    the account was opened by an administrator, not a trainer enrolling a trainee, and
    the e-mail says so."""
    items = [{"user_id": u.id, **({"by_admin": True} if by_admin else {})} for u in users]
    send_later(session, queue, "welcome", items, owner_id=owner_id, now=now)


def _with_link(session, user: User, lifetime: timedelta, write) -> mail.Mail:
    """A message carrying a fresh one-time link for ``user`` (earlier ones stop working),
    written by ``write(url) -> (subject, body)`` in the account's language."""
    token = links.create_link(session, user, now=clock.now(), lifetime=lifetime)
    url = public_url("accounts.setup_password", token=token)
    with force_locale(user.locale):
        subject, body = write(url)
        return mail.Mail(to=user.email, subject=subject, body=body)


@message("welcome")
def welcome(session, item: dict) -> mail.Mail | None:
    user = session.get(User, item["user_id"])
    if user is None or not user.active or user.password_hash:
        return None  # gone, or already in: a link would only confuse
    days = max(1, current_app.config["SETUP_LINK_DAYS"])

    def write(url: str) -> tuple[str, str]:
        validity = ngettext(
            "the link works once, for %(num)s day",
            "the link works once, for %(num)s days",
            days,
        )
        if item.get("by_admin"):
            body = _(
                "Hello %(name)s,\n\nAn account was opened for you on MRE Academy. "
                "Choose your password here (%(validity)s):"
                "\n\n%(url)s\n\nYour e-mail to sign in: %(email)s\n",
                name=user.name,
                validity=validity,
                url=url,
                email=user.email,
            )
        else:
            body = _(
                "Hello %(name)s,\n\nYour trainer has enrolled you on MRE Academy. "
                "Choose your password here (%(validity)s):"
                "\n\n%(url)s\n\nYour e-mail to sign in: %(email)s\n",
                name=user.name,
                validity=validity,
                url=url,
                email=user.email,
            )
        return _("Your MRE Academy account"), body

    return _with_link(session, user, timedelta(days=days), write)


#: Reset e-mails per account per hour: enough for a lost e-mail, too few to flood a box.
RESETS_PER_HOUR = 3
RESET_LIFETIME = timedelta(hours=1)


def request_reset(session, queue: Queue, email: str, *, now: datetime) -> None:
    """ "Forgot password": e-mail a one-time link when an active account has this address,
    within its hourly budget; otherwise do nothing. The caller answers the same either way,
    so the form tells nobody which addresses have an account."""
    user = find_user(session, email or "")
    if user is None or not user.active:
        return
    if links.recent_links(session, user, since=now - timedelta(hours=1)) >= RESETS_PER_HOUR:
        return
    send_later(session, queue, "password_reset", [{"user_id": user.id}], now=now)


@message("password_reset")
def password_reset(session, item: dict) -> mail.Mail | None:
    user = session.get(User, item["user_id"])
    if user is None or not user.active:
        return None

    def write(url: str) -> tuple[str, str]:
        body = _(
            "Hello %(name)s,\n\nSomeone (you, we hope) asked to choose a new password "
            "for %(email)s. Choose it here (the link works once, for one hour):\n\n"
            "%(url)s\n\nIf you did not ask, ignore this e-mail: your password stays "
            "as it is.\n",
            name=user.name,
            email=user.email,
            url=url,
        )
        return _("Choose a new MRE Academy password"), body

    return _with_link(session, user, RESET_LIFETIME, write)
