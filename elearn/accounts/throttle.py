"""The per-account budget of failed sign-ins (``ELEARN_LOGIN_LIMIT_PER_ACCOUNT``), kept in the
database so that the sign-in page and ``POST /api/v1/tokens``, every worker and every
instance draw on one budget.

A try is taken *before* the password is checked, by one atomic statement that succeeds
only while the budget lasts: twenty guesses sent at once cannot all pass the check and
overrun it. A right password gives its try back, so only failures count and the owner
gets in as soon as the guesser pauses; once the window ends the budget is whole again.
Plain functions over an explicit session that flush and never commit: the caller commits
the taken try before it checks the password (accounts.views.check_credentials).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import limits
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from elearn.accounts.models import SignInFailures
from elearn.core.text import normalize_email

#: Core statements on the table: they answer with row counts, not with ORM objects.
TABLE = SignInFailures.__table__

#: Expired rows deleted per new row at most: the table stays as small as the accounts tried
#: within one window, and no single sign-in pays for a backlog.
CLEANUP_BATCH = 500


@dataclass(frozen=True)
class Budget:
    tries: int
    window: timedelta


@lru_cache(maxsize=8)
def parse_budget(text: str) -> Budget:
    """``"10 per 10 minutes"`` (Flask-Limiter's notation, as the README documents it)."""
    items = limits.parse_many(text)
    if len(items) != 1:
        raise ValueError(f"one rate such as '10 per 10 minutes', not {text!r}")
    return Budget(tries=items[0].amount, window=timedelta(seconds=items[0].get_expiry()))


def _key(email: str) -> str:
    """Any text the client sent, even a lone surrogate JSON allows, has a digest."""
    return hashlib.sha256(normalize_email(email).encode("utf-8", "surrogatepass")).hexdigest()


def take(session, email: str, *, now: datetime, budget: Budget) -> int | None:
    """Take one try from this account's budget. None when taken; otherwise the seconds
    until the window ends, when trying is allowed again."""
    key = _key(email)
    row = TABLE.c
    expired = row.resets_at <= now
    for _race in range(3):  # another worker may create or reset the row between statements
        taken = session.execute(
            update(TABLE)
            .where(row.account == key, expired | (row.failures < budget.tries))
            .values(
                failures=case((expired, 1), else_=row.failures + 1),
                resets_at=case((expired, now + budget.window), else_=row.resets_at),
            )
        )
        if taken.rowcount:
            return None
        found = session.execute(
            select(row.failures, row.resets_at).where(row.account == key)
        ).first()
        if found is None:  # the first try of a window
            _forget_expired(session, now)
            created = session.execute(
                _insert_if_absent(session)
                .values(account=key, failures=1, resets_at=now + budget.window)
                .execution_options(preserve_rowcount=True)  # else -1 for an INSERT
            )
            if created.rowcount:
                return None
        elif found.failures >= budget.tries and found.resets_at > now:
            return max(1, math.ceil((found.resets_at - now).total_seconds()))
    return math.ceil(budget.window.total_seconds())  # still racing: refuse, never overrun


def give_back(session, email: str, *, now: datetime) -> None:
    """The password was right: its try does not count against the account, and a row left
    with no failure goes (a sign-in that worked leaves nothing behind). The update holds
    the row until commit, so no other try can slip in between the two statements."""
    key = _key(email)
    row = TABLE.c
    session.execute(
        update(TABLE)
        .where(row.account == key, row.failures > 0, row.resets_at > now)
        .values(failures=row.failures - 1)
    )
    session.execute(delete(TABLE).where(row.account == key, row.failures <= 0))


def _insert_if_absent(session):
    """INSERT … ON CONFLICT DO NOTHING, which both databases speak."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(TABLE).on_conflict_do_nothing(index_elements=["account"])


def _forget_expired(session, now: datetime) -> None:
    """Delete rows whose window has ended, a batch at a time. SKIP LOCKED on PostgreSQL:
    two sign-ins cleaning at once never wait on each other's rows (SQLite ignores it and
    serialises writers anyway)."""
    row = TABLE.c
    stale = (
        select(row.account)
        .where(row.resets_at <= now)
        .limit(CLEANUP_BATCH)
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(TABLE).where(row.account.in_(stale)))
