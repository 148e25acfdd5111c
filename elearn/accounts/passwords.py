"""Argon2id password hashing, with equal work for unknown accounts (no enumeration by timing),
and what makes a password too easy to guess (the list of common ones, the e-mail's name)."""

from __future__ import annotations

import functools
import gzip
import re
import unicodedata
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
MAX_LENGTH = 256
#: A part of the e-mail's name this long or longer may not appear in the password.
NAME_PART_LENGTH = 4
DATA = Path(__file__).resolve().parent / "data"
_INDIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
_NAME_SEPARATORS = re.compile(r"[^\w]+|[\d_]+")


def normalized(password: str) -> str:
    """The form passwords are compared in: "Maroc٢٠٢٦ " and "maroc2026" are one guess."""
    return unicodedata.normalize("NFKC", password).translate(_INDIC_DIGITS).strip().lower()


@functools.cache
def common_passwords() -> frozenset[str]:
    """Django's 20,000 most common passwords and ours (data/local-passwords.txt).

    Read on first use, not at import: every ``elearn`` command imports this module, and
    only choosing a password needs the list (~20,000 entries, a few milliseconds)."""
    with gzip.open(DATA / "common-passwords.txt.gz", "rt", encoding="utf-8") as fh:
        listed = set(fh)
    local = (DATA / "local-passwords.txt").read_text(encoding="utf-8").splitlines()
    listed.update(line for line in local if not line.startswith("#"))
    return frozenset(filter(None, map(normalized, listed)))


def is_common(password: str) -> bool:
    return normalized(password) in common_passwords()


def email_name_in(password: str, email: str) -> str | None:
    """The part of the e-mail's name the password contains, if any: the whole address,
    the name before the @, and each of its parts of NAME_PART_LENGTH characters or more
    ("fatima.zahra2@…": "fatima.zahra2", "fatima", "zahra")."""
    guess, email = normalized(password), normalized(email)
    local = email.split("@", 1)[0]
    if not local:
        return None
    if guess == local:
        return local
    parts = [email, local, *_NAME_SEPARATORS.split(local)]
    return next(
        (p for p in parts if len(p) >= NAME_PART_LENGTH and p in guess),
        None,
    )


_hasher = PasswordHasher()
#: What an unknown account's password is checked against; made by configure() (create_app),
#: not at import: a full-cost hash at import cost every ``elearn`` command ~0.3 s for one
#: that configure() then replaced anyway.
_dummy_hash: str | None = None


def configure(*, time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Set the cost once at start-up; tests lower it, production keeps OWASP's defaults."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _dummy_hash = _hasher.hash("elearn-dummy-password")


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:  # used without create_app
        _dummy_hash = _hasher.hash("elearn-dummy-password")
    return _dummy_hash


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, spend the same time and say no."""
    try:
        return _hasher.verify(password_hash or _dummy(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
