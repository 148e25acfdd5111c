"""The e-mail that brings a trainee created by a trainer onto the platform: their one-time
link to choose a password, written in the trainee's language."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from elearn.accounts.models import User
from elearn.core import mail
from elearn.core.urls import public_url


def send_links(pairs: list[tuple[User, str]]) -> int:
    """After the commit: e-mail each new account its link. Returns how many failed."""
    mails = []
    for user, token in pairs:
        url = public_url("accounts.setup_password", token=token)
        with force_locale(user.locale):
            mails.append(
                mail.Mail(
                    to=user.email,
                    subject=_("Your MRE Academy account"),
                    body=_(
                        "Hello %(name)s,\n\nYour trainer has enrolled you on MRE Academy. "
                        "Choose your password here (the link works once, for %(days)s days):"
                        "\n\n%(url)s\n\nYour e-mail to sign in: %(email)s\n",
                        name=user.name,
                        days=current_app.config["SETUP_LINK_DAYS"],
                        url=url,
                        email=user.email,
                    ),
                )
            )
    return mail.send(mails)
