"""Database base class and engine tuning.

SQLite is the embedded default and must survive several gunicorn workers: WAL lets readers
run beside one writer, the busy timeout makes writers queue instead of failing, and write
transactions start with ``BEGIN IMMEDIATE`` so a reader never has to upgrade to a writer
mid-transaction (the one case a busy timeout cannot save: "database is locked").
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from elearn.core.errors import is_unique_violation, refuse_unfit

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: False while serving a safe (GET/HEAD/OPTIONS) request: its transactions may stay deferred.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)


def set_write_intent(value: bool) -> None:
    _write_intent.set(value)


@contextmanager
def reading_only(session):
    """A long read-only stretch of a writing request, without SQLite's write lock.

    A POST takes SQLite's database-wide write lock with its first statement (``BEGIN
    IMMEDIATE``); a package import then held it while reading, checking and rendering
    hundreds of texts — seconds in which no trainee's completion could be written. The
    transaction so far is committed, the block runs in a deferred (shared) transaction, and
    the next statement after it starts a writing one again. PostgreSQL locks rows, not the
    database: there this only ends a transaction early.
    """
    session.commit()
    token = _write_intent.set(False)
    try:
        yield
    finally:
        session.rollback()
        _write_intent.reset(token)


def refuse_unstorable_values(session, _flush_context, _instances) -> None:
    """The last guard before the database: a new or changed column (JSON documents too) may
    not hold text no page or database can hold, nor a number that is not finite.

    Request bodies and forms are checked as they are read (core/jsonio.py,
    core/security.py), packages as they are validated; whatever way a value comes in — a
    command, a file, an endpoint yet to be written — it stops here, with a 422 naming the
    attribute, before anything is written. Only what the flush would write is looked at:
    changed attributes of loaded objects, never a deferred column that was not loaded.
    """
    for obj in (*session.new, *session.dirty):
        state = sa_inspect(obj)
        columns = state.mapper.column_attrs
        changed = state.dict.keys() if state.key is None else state.committed_state.keys()
        for key in changed:
            value = state.dict.get(key)
            if key in columns and not (value is None or isinstance(value, bool | int | datetime)):
                refuse_unfit(value, key)


def again_if_raced(session, work: Callable[[], T]) -> T:
    """Run ``work`` — a service's check followed by its insert — and, if it lost a race,
    once more.

    Two requests check "does this e-mail (code, slug, member) exist?", both see no, both
    insert: the unique constraint lets one through and refuses the other. On PostgreSQL the
    loser used to answer 500. Here the loser's work is rolled back to a savepoint and run
    again; its check now sees the winner's committed row, so the loser answers exactly as a
    request made a moment later would (an "already exists" message, or the existing row).
    SQLite never gets here — writers queue behind ``BEGIN IMMEDIATE`` — but runs the same
    code. A third racer still losing reaches the edge's 409 (core/errors.py).

    Inside another ``again_if_raced`` the work simply runs: the outermost unit is the one
    run again (adding members re-plans the whole list, not only the account it creates).
    """
    if session.info.get(_RACE_GUARD):
        return work()
    session.info[_RACE_GUARD] = True
    try:
        try:
            with session.begin_nested():
                result = work()
                session.flush()
            return result
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
        result = work()
        session.flush()
        return result
    finally:
        session.info.pop(_RACE_GUARD, None)


_RACE_GUARD = "elearn.again_if_raced"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Store UTC, always hand back aware datetimes (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: The largest id a row can have: ids are INTEGER, 32 bits on PostgreSQL (a bigger number
#: is an error there, and past 64 bits on SQLite too, instead of "not found").
MAX_ROW_ID = 2**31 - 1


class RowId(IntegerConverter):
    """``<int:…>`` in routes: a number no row id can reach is not found, whatever the
    method: ``/attempts/<30 digits>`` is a 404, not a database error."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ROW_ID:
            raise NotFound()
        return number


def configure_engine(engine: Engine) -> None:
    """Install the SQLite pragmas and transaction mode; PostgreSQL needs nothing here."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control away from pysqlite so we can say BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's lower() only knows ASCII: "Élodie" would never match "élodie".
        dbapi_connection.create_function(
            "lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True
        )

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def close_sessions_safely(app, db) -> None:
    """End each request's session even when the database died under it.

    Flask-SQLAlchemy closes the session after the response is built; closing rolls back,
    and on a connection the server dropped (a restart, a failover) that rollback raises,
    which turned an already-built answer — sometimes for work that was committed — into a
    500. Registered after ``db.init_app`` so it runs first: the session is closed here,
    a dead connection is simply forgotten (SQLAlchemy invalidates it, the pool reconnects),
    and Flask-SQLAlchemy's own teardown finds nothing left to do.
    """
    import logging

    from sqlalchemy.exc import DBAPIError

    @app.teardown_appcontext
    def _close_session(_exc):
        try:
            db.session.remove()
        except DBAPIError as exc:
            logging.getLogger("elearn.db").warning("Session closed on a lost connection: %s", exc)
            db.session.registry.clear()
