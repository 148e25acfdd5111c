"""The e-mail that brings a trainee created by a trainer onto the platform: their one-time
link to choose a password, written in the trainee's language, sent by a job."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from elearn.accounts import links
from elearn.accounts.models import User
from elearn.core import clock, mail
from elearn.core.urls import public_url
from elearn.jobs.mail import message, send_later
from elearn.jobs.queue import Queue


def send_links(session, queue: Queue, users: list[User], *, now, owner_id=None) -> None:
    """After the commit, e-mail each account a fresh link (made when the e-mail is sent,
    so no link waits in the queue; each new one stops the previous ones)."""
    send_later(
        session, queue, "welcome", [{"user_id": u.id} for u in users], owner_id=owner_id, now=now
    )


@message("welcome")
def welcome(session, item: dict) -> mail.Mail | None:
    user = session.get(User, item["user_id"])
    if user is None or not user.active or user.password_hash:
        return None  # gone, or already in: a link would only confuse
    days = current_app.config["SETUP_LINK_DAYS"]
    token = links.create_link(session, user, now=clock.now(), days=days)
    url = public_url("accounts.setup_password", token=token)
    with force_locale(user.locale):
        return mail.Mail(
            to=user.email,
            subject=_("Your MRE Academy account"),
            body=_(
                "Hello %(name)s,\n\nYour trainer has enrolled you on MRE Academy. "
                "Choose your password here (the link works once, for %(days)s days):"
                "\n\n%(url)s\n\nYour e-mail to sign in: %(email)s\n",
                name=user.name,
                days=days,
                url=url,
                email=user.email,
            ),
        )
