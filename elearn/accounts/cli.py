"""``elearn users ...`` and ``elearn tokens ...`` for operators and centre scripts."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from elearn.accounts import services
from elearn.accounts.models import Role
from elearn.core.cli import fail, read_password
from elearn.core.db import utcnow
from elearn.core.edge import unit_of_work
from elearn.core.errors import DomainError
from elearn.extensions import db
from elearn.i18n.languages import INTERFACE_LANGUAGES

users_cli = AppGroup("users", help="Manage accounts.")
tokens_cli = AppGroup("tokens", help="Manage personal access tokens.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name as shown to others.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--network", help="Network code (experts).")
@click.option("--centre", help="Centre code (trainers, trainees).")
@click.option("--locale", type=click.Choice(INTERFACE_LANGUAGES), default="fr", show_default=True)
def create_user(email, name, roles, network, centre, locale):
    """Create an account; the password is read from standard input."""
    password = read_password()
    with unit_of_work():
        try:
            user = services.create_user(
                db.session,
                email=email,
                name=name,
                roles=roles,
                network=services.network_by_code(db.session, network),
                centre=services.centre_by_code(db.session, centre),
                locale=locale,
                password=password,
            )
        except DomainError as exc:
            fail(str(exc.message))
    click.echo(
        _("Created %(email)s (%(roles)s).", email=user.email, roles=", ".join(sorted(user.roles)))
    )


@users_cli.command("set-password")
@click.argument("email")
def set_password(email):
    """Set an account's password (read from standard input); ends its sessions and tokens."""
    user = services.find_user(db.session, email)
    if user is None:
        fail(_("No account with the e-mail %(email)s.", email=email))
    password = read_password()
    with unit_of_work():
        try:
            services.set_password(db.session, user, password, now=utcnow())
        except DomainError as exc:
            fail(str(exc.message))
    click.echo(_("Password set for %(email)s.", email=user.email))


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="CLI", show_default=True, help="What the token is for.")
def create_token(email, name):
    """Print a new personal access token for an account, alone on the last line."""
    user = services.find_user(db.session, email)
    if user is None or not user.active:
        fail(_("No active account with the e-mail %(email)s.", email=email))
    with unit_of_work():
        token, plain = services.create_token(
            db.session,
            user,
            name,
            now=utcnow(),
            lifetime_days=current_app.config["TOKEN_LIFETIME_DAYS"],
        )
    expiry = token.expires_at.date().isoformat() if token.expires_at else "—"
    click.echo(
        _(
            "Token %(id)s for %(email)s (expires: %(date)s):",
            id=token.id,
            email=user.email,
            date=expiry,
        ),
        err=True,
    )
    click.echo(plain)
