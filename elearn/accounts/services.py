"""Account rules: who may exist, with which roles, and how they prove who they are.

Plain functions over an explicit session; they flush and never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from elearn.accounts import passwords
from elearn.accounts.models import (
    DOMAINS,
    SIGNOFF_ROLES,
    AccessToken,
    Centre,
    EmailChange,
    Network,
    NetworkReviewer,
    Role,
    User,
    UserRole,
)
from elearn.core.db import again_if_raced
from elearn.core.errors import DomainError
from elearn.core.text import clean_text, normalize_email
from elearn.i18n.languages import INTERFACE_LANGUAGES

TOKEN_PREFIX = "elearn_"  # noqa: S105 - a public prefix, not a secret
#: last_used_at is a hint for the owner, not an audit log: write it at most this often.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


class AccountError(DomainError):
    """An account change that breaks a rule; ``field`` names the input to fix."""


# -- validation ---------------------------------------------------------------------------


def check_email(value: str) -> str:
    email = normalize_email(value)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise AccountError(_l("Enter a valid e-mail address."), field="email") from None
    return email


def check_name(value: str) -> str:
    name = clean_text(value)
    if not name or len(name) > 120:
        raise AccountError(_l("Enter a name of 1 to 120 characters."), field="name")
    return name


def check_password(password: str, *, email: str = "") -> str:
    """The one rule for every password someone chooses (account creation by the API, the
    CLI or an admin, an own change, an admin's reset, a set-up link): long enough, not
    among the passwords guessers try first, and not made of the e-mail's name, which
    whoever knows the address tries next."""
    if len(password) < passwords.MIN_LENGTH or len(password) > passwords.MAX_LENGTH:
        raise AccountError(
            _l(
                "Choose a password of %(min)d to %(max)d characters.",
                min=passwords.MIN_LENGTH,
                max=passwords.MAX_LENGTH,
            ),
            field="password",
        )
    name = passwords.email_name_in(password, email) if email else None
    if name is not None:
        raise AccountError(
            _l(
                "The password must not contain “%(name)s”, taken from the e-mail address.",
                name=name,
            ),
            field="password",
        )
    if passwords.is_common(password):
        raise AccountError(
            _l("This password is one of the most common: choose one that is harder to guess."),
            field="password",
        )
    return password


def check_locale(value: str) -> str:
    if value not in INTERFACE_LANGUAGES:
        raise AccountError(_l("Choose French (fr) or Arabic (ar)."), field="locale")
    return value


def check_roles(roles: Iterable[str]) -> set[str]:
    chosen = {str(r) for r in roles}
    if not chosen or not chosen <= {r.value for r in Role}:
        raise AccountError(
            _l("Choose one or more roles among admin, expert, trainer and trainee."),
            field="roles",
        )
    return chosen


def _placement(roles: set[str], network: Network | None, centre: Centre | None) -> None:
    if Role.EXPERT in roles and network is None:
        raise AccountError(_l("An expert must belong to a network."), field="network")
    if roles & {Role.TRAINER, Role.TRAINEE} and centre is None:
        raise AccountError(_l("Trainers and trainees must belong to a centre."), field="centre")


def network_by_code(session, code: str | None) -> Network | None:
    if not code:
        return None
    network = session.scalar(select(Network).where(Network.code == code.strip().upper()))
    if network is None:
        raise AccountError(_l("Unknown network %(code)s.", code=code), field="network")
    return network


def centre_by_code_or_none(session, code: str) -> Centre | None:
    return session.scalar(select(Centre).where(Centre.code == code.strip().upper()))


def centre_by_code(session, code: str | None) -> Centre | None:
    if not code:
        return None
    centre = centre_by_code_or_none(session, code)
    if centre is None:
        raise AccountError(_l("Unknown centre %(code)s.", code=code), field="centre")
    return centre


# -- users --------------------------------------------------------------------------------


def find_user(session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(
    session,
    *,
    email: str,
    name: str,
    roles: Iterable[str],
    network: Network | None = None,
    centre: Centre | None = None,
    locale: str = "fr",
    password: str | None = None,
) -> User:
    email = check_email(email)
    chosen = check_roles(roles)
    _placement(chosen, network, centre)
    name, locale = check_name(name), check_locale(locale)
    password_hash = (
        passwords.hash_password(check_password(password, email=email)) if password else None
    )

    def insert() -> User:
        if find_user(session, email) is not None:
            raise AccountError(_l("An account with this e-mail already exists."), field="email")
        user = User(
            email=email,
            name=name,
            locale=locale,
            network=network if Role.EXPERT in chosen else None,
            centre=centre if chosen & {Role.TRAINER, Role.TRAINEE} else None,
            active=True,
            session_version=1,
            role_rows=[UserRole(role=r) for r in sorted(chosen)],
            password_hash=password_hash,
        )
        session.add(user)
        return user

    return again_if_raced(session, insert)


def update_user(
    session,
    user: User,
    *,
    actor: User,
    name: str | None = None,
    roles: Iterable[str] | None = None,
    network: Network | None = None,
    centre: Centre | None = None,
    locale: str | None = None,
    active: bool | None = None,
) -> User:
    """Change an account as an administrator; an admin cannot lock themself out."""
    chosen = check_roles(roles) if roles is not None else set(user.roles)
    if user.id == actor.id and (Role.ADMIN not in chosen or active is False):
        raise AccountError(
            _l("You cannot remove your own administrator role or deactivate yourself."),
            field="roles",
        )
    _placement(chosen, network, centre)
    if name is not None:
        user.name = check_name(name)
    if locale is not None:
        user.locale = check_locale(locale)
    if roles is not None and chosen != user.roles:
        user.role_rows = [UserRole(role=r) for r in sorted(chosen)]
    user.network = network if Role.EXPERT in chosen else None
    user.centre = centre if chosen & {Role.TRAINER, Role.TRAINEE} else None
    if active is not None and active != user.active:
        user.active = active
        if not active:
            end_sessions(session, user)
    session.flush()
    return user


def authenticate(session, email: str, password: str, *, now: datetime) -> User | None:
    """Return the user for a good e-mail and password; equal work when the account is unknown."""
    user = find_user(session, email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = now
    session.flush()
    return user


def end_sessions(session, user: User) -> None:
    """Make every session cookie issued to this user stop working."""
    user.session_version = (user.session_version or 0) + 1
    session.flush()


def set_password(
    session, user: User, password: str, *, now: datetime, keep_token: AccessToken | None = None
) -> None:
    """Change the password, end every session, revoke every token but the one in use, and
    stop a pending change of e-mail (whoever asked it may have used a stolen password)."""
    user.password_hash = passwords.hash_password(check_password(password, email=user.email))
    end_sessions(session, user)
    session.execute(
        update(EmailChange)
        .where(EmailChange.user_id == user.id, EmailChange.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    stmt = update(AccessToken).where(
        AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None)
    )
    if keep_token is not None:
        stmt = stmt.where(AccessToken.id != keep_token.id)
    session.execute(stmt.values(revoked_at=now).execution_options(synchronize_session=False))
    session.flush()


def change_own_password(
    session, user: User, current: str, new: str, *, now: datetime, keep_token=None
) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise AccountError(_l("Your current password is not correct."), field="current_password")
    set_password(session, user, new, now=now, keep_token=keep_token)


# -- tokens -------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session, user: User, name: str, *, now: datetime, lifetime_days: int
) -> tuple[AccessToken, str]:
    """Mint a token (256 random bits); the plain text is returned once and never stored."""
    label = clean_text(name)[:100] or "API"
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(
        user=user,
        name=label,
        token_hash=_digest(plain),
        prefix=plain[: len(TOKEN_PREFIX) + 4],
        created_at=now,
        expires_at=now + timedelta(days=lifetime_days) if lifetime_days > 0 else None,
    )
    session.add(token)
    session.flush()
    return token, plain


def token_for(session, plain: str, *, now: datetime) -> AccessToken | None:
    """The live token with this text, or None (unknown, revoked, expired, inactive user)."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    # the user and their roles in the same round trip: every API request asks for both
    token = (
        session.execute(
            select(AccessToken)
            .where(AccessToken.token_hash == _digest(plain))
            .options(joinedload(AccessToken.user).joinedload(User.role_rows))
        )
        .unique()
        .scalar_one_or_none()
    )
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    return token


def token_needs_touch(token: AccessToken, now: datetime) -> bool:
    return token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL


def revoke_token(session, token: AccessToken, *, now: datetime) -> None:
    if token.revoked_at is None:
        token.revoked_at = now
        session.flush()


def live_tokens(session, user: User, *, now: datetime) -> list[AccessToken]:
    return list(
        session.scalars(
            select(AccessToken)
            .where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
            .where((AccessToken.expires_at.is_(None)) | (AccessToken.expires_at > now))
            .order_by(AccessToken.created_at.desc())
        )
    )


# -- centres and networks -----------------------------------------------------------------


def _check_code(value: str) -> str:
    code = clean_text(value).upper()
    if (
        not code
        or len(code) > 32
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code)
    ):
        raise AccountError(
            _l("Use 1 to 32 letters, digits, '-' or '_' for the code."), field="code"
        )
    return code


def _check_label(value: str, field: str, limit: int) -> str:
    text = clean_text(value)
    if not text or len(text) > limit:
        raise AccountError(
            _l("This field is required (at most %(n)d characters).", n=limit), field=field
        )
    return text


def save_centre(
    session, centre: Centre | None, *, code: str, name: str, city: str, name_ar: str | None = None
) -> Centre:
    """Create or change a centre; ``name_ar`` left None keeps the Arabic name as it is."""
    code = _check_code(code)
    name, city = _check_label(name, "name", 200), _check_label(city, "city", 100)
    arabic = clean_text(name_ar or "")
    if len(arabic) > 200:
        raise AccountError(
            _l("This field is required (at most %(n)d characters).", n=200), field="name_ar"
        )

    def save() -> Centre:
        clash = session.scalar(select(Centre).where(Centre.code == code))
        if clash is not None and clash is not centre:
            raise AccountError(_l("A centre with this code already exists."), field="code")
        row = centre or Centre()
        row.code, row.name, row.city = code, name, city
        if name_ar is not None or centre is None:
            row.name_ar = arabic
        session.add(row)
        return row

    return again_if_raced(session, save)


def save_network(
    session,
    network: Network | None,
    *,
    code: str,
    name: dict[str, str],
    country: str | None,
    domains: Iterable[str],
) -> Network:
    code = _check_code(code)
    names = {
        lang: _check_label(name.get(lang, ""), f"name_{lang}", 200) for lang in INTERFACE_LANGUAGES
    }
    country = (country or "").strip().upper() or None
    if country is not None and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise AccountError(
            _l("Give the country as a two-letter ISO code, e.g. DE."), field="country"
        )
    chosen = list(dict.fromkeys(domains))
    if not chosen or not set(chosen) <= set(DOMAINS):
        raise AccountError(_l("Choose at least one domain."), field="domains")

    def save() -> Network:
        clash = session.scalar(select(Network).where(Network.code == code))
        if clash is not None and clash is not network:
            raise AccountError(_l("A network with this code already exists."), field="code")
        row = network or Network()
        row.code, row.name, row.country, row.domains = code, names, country, chosen
        session.add(row)
        return row

    return again_if_raced(session, save)


# -- the sign-offs a network requires, and who gives them ----------------------------------


def require_signoffs(network: Network, roles: Iterable[str]) -> None:
    """Say which sign-offs a publication of the network's courses needs from now on."""
    chosen = list(dict.fromkeys(roles))
    unknown = [r for r in chosen if r not in SIGNOFF_ROLES]
    if unknown:
        raise AccountError(
            _l(
                "Unknown sign-off %(role)s: choose domain, pedagogy or translation.",
                role=unknown[0],
            ),
            field="required_signoffs",
        )
    network.required_signoffs = [r for r in SIGNOFF_ROLES if r in chosen]


def add_reviewer(session, network: Network, email: str, role: str) -> NetworkReviewer:
    """Let the account with ``email`` sign off ``role`` for the network's courses (any
    account: an expert of another network, a trainer, an administrator). Adding it again
    keeps the one there."""
    if role not in SIGNOFF_ROLES:
        raise AccountError(_l("Choose a sign-off: domain, pedagogy or translation."), field="role")
    user = find_user(session, email or "")
    if user is None:
        raise AccountError(_l("No account has this e-mail address."), field="email")

    def save() -> NetworkReviewer:
        found = session.scalar(
            select(NetworkReviewer).where(
                NetworkReviewer.network_id == network.id,
                NetworkReviewer.user_id == user.id,
                NetworkReviewer.role == role,
            )
        )
        if found is not None:
            return found
        row = NetworkReviewer(network_id=network.id, user_id=user.id, role=role)
        session.add(row)
        return row

    return again_if_raced(session, save)


def remove_reviewer(session, network: Network, reviewer_id: int) -> None:
    """Take one sign-off role away from one reviewer; sign-offs already given stand."""
    row = session.scalar(
        select(NetworkReviewer).where(
            NetworkReviewer.id == reviewer_id, NetworkReviewer.network_id == network.id
        )
    )
    if row is None:
        raise AccountError(_l("This reviewer is no longer listed."), status=404)
    session.delete(row)
    session.flush()
