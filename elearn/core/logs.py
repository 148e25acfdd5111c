"""Log lines an operator can read and search: JSON lines in production, text on a laptop.

Every line carries the request, the signed-in user and the job it was written for, so one
id finds everything a request or a job wrote, in the app and behind nginx (which passes
its ``$request_id`` as ``X-Request-ID``). The ids live in context variables: the request
hooks set and clear the request id, :func:`bind` sets the job id around a job, and the
user id is read from what Flask-Login has already loaded — logging never queries the
database. Lines go to standard error through one handler on the root logger, installed
once per process (tests build many apps; pytest's ``caplog`` keeps working, since records
still propagate to the root).

With ``ELEARN_SENTRY_DSN`` set, errors also reach Sentry (``sentry-sdk``, the optional
``elearn[sentry]`` extra), tagged with the same request id.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from flask import Flask, g, has_app_context, request
from flask.logging import default_handler
from sqlalchemy import inspect
from sqlalchemy.exc import NoInspectionAvailable

FORMATS = ("json", "text")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: The ids every line carries (null when absent), in this order.
FIELDS = ("request_id", "user_id", "job_id")
#: An ``X-Request-ID`` we keep: short, and nothing that could break a line or a header.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
HEADER = "X-Request-ID"

access_log = logging.getLogger("elearn.access")

_context: dict[str, ContextVar[Any]] = {
    name: ContextVar(f"elearn_log_{name}", default=None) for name in FIELDS
}
#: What a LogRecord holds by itself; anything else on a record came from ``extra=``.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


@contextmanager
def bind(**fields: Any) -> Iterator[None]:
    """Put ``job_id`` (or ``user_id``, ``request_id``) on every line written in the block:
    ``with bind(job_id=job.id): run(job)``. The previous values come back after it."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"bind() takes {', '.join(FIELDS)}, not {', '.join(sorted(unknown))}")
    tokens = [(_context[name], _context[name].set(value)) for name, value in fields.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current() -> dict[str, Any]:
    """The ids a line written here would carry."""
    found = {name: var.get() for name, var in _context.items()}
    if found["user_id"] is None:
        found["user_id"] = _signed_in_user_id()
    return found


def _signed_in_user_id() -> Any:
    """The id of the user Flask-Login has already loaded for this request, else None.
    Reads the identity SQLAlchemy keeps, never a column: after a rollback the user's
    columns are expired and reading ``user.id`` would query (maybe a database that is
    down)."""
    if not has_app_context():
        return None
    user = g.get("_login_user")
    if user is None or getattr(user, "is_anonymous", True):
        return None
    try:
        identity = inspect(user).identity
    except NoInspectionAvailable:
        return getattr(user, "id", None)
    return identity[0] if identity else None


class ContextFilter(logging.Filter):
    """Copy the request, user and job ids onto each record (``record.request_id``…)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in current().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


def _ids(record: logging.LogRecord) -> dict[str, Any]:
    if all(hasattr(record, name) for name in FIELDS):
        return {name: getattr(record, name) for name in FIELDS}
    return current()  # a handler without the filter


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the three ids, the
    fields given as ``extra=``, and ``exc_info`` (the traceback as text) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_ids(record),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``12:03:04 INFO elearn.access [request=… user=3]: GET /courses 200 12ms``: the ids
    only when there are some."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(_log_ids)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - stdlib's name
        ids = " ".join(
            f"{name.removesuffix('_id')}={value}"
            for name, value in _ids(record).items()
            if value is not None
        )
        record._log_ids = f" [{ids}]" if ids else ""
        return super().formatMessage(record)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (pytest and click swap it)."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def formatter(fmt: str) -> logging.Formatter:
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return JSONFormatter() if fmt == "json" else TextFormatter()


def handler(stream=None, fmt: str = "json") -> logging.Handler:
    """A handler writing our lines (to ``stream``, else to standard error)."""
    out = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    out.setFormatter(formatter(fmt))
    out.addFilter(ContextFilter())
    return out


def _ours() -> logging.Handler | None:
    return next((h for h in logging.getLogger().handlers if getattr(h, "_elearn", False)), None)


def configured() -> bool:
    """Whether :func:`configure` has set logging up in this process."""
    return _ours() is not None


def configure(fmt: str = "text", level: str = "INFO") -> logging.Handler:
    """Send every logger's lines through our handler on the root logger, in ``fmt`` from
    ``level`` up. Once per process: a second call changes the format and level of the same
    handler instead of adding another."""
    root = logging.getLogger()
    ours = _ours()
    if ours is None:
        ours = handler(fmt=fmt)
        ours._elearn = True  # type: ignore[attr-defined]
        root.addHandler(ours)
    else:
        ours.setFormatter(formatter(fmt))
    root.setLevel(level)
    # Flask gives the app's logger ("elearn") its own handler when none is configured:
    # ours is, so drop Flask's, or every line of the app's logger would be written twice.
    logging.getLogger("elearn").removeHandler(default_handler)
    return ours


def init_app(app: Flask) -> None:
    """Configure the lines from the app's settings, give each request its id, write one
    access line per request, and start Sentry when ``SENTRY_DSN`` is set."""
    configure(app.config.get("LOG_FORMAT", "text"), app.config.get("LOG_LEVEL", "INFO"))
    sentry = _init_sentry(app)

    def _start_request():
        wanted = request.headers.get(HEADER, "")
        request_id = wanted if REQUEST_ID.fullmatch(wanted) else uuid.uuid4().hex
        g._log_request = (_context["request_id"].set(request_id), time.perf_counter())
        if sentry is not None:
            sentry.set_tag("request_id", request_id)

    def _access_line(response):
        started = g.get("_log_request")
        if started is None:
            return response
        response.headers[HEADER] = _context["request_id"].get()
        if request.endpoint != "static" and not request.path.startswith("/static/"):
            ms = round((time.perf_counter() - started[1]) * 1000, 1)
            access_log.info(
                "%s %s %s %sms",
                request.method,
                request.path,
                response.status_code,
                ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": ms,
                },
            )
        return response

    @app.teardown_request
    def _end_request(_exc=None):
        started = g.pop("_log_request", None)
        if started is None:
            return
        try:
            _context["request_id"].reset(started[0])
        except ValueError:  # a streamed answer ends in another context
            _context["request_id"].set(None)

    # First of the request's hooks, whatever registers before: a 400 from the CSRF check or
    # a 429 from the limiter carries its id too. After-request hooks run last-registered
    # first, so the access line, first in the list, is written last and times them all.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request_funcs.setdefault(None, []).insert(0, _access_line)


def _init_sentry(app: Flask):
    """``sentry_sdk`` when ``SENTRY_DSN`` is set (and started), else None."""
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return None
    try:
        import sentry_sdk  # the optional extra: elearn[sentry]
        from sentry_sdk.integrations.flask import FlaskIntegration
    except ImportError:
        raise RuntimeError(
            "ELEARN_SENTRY_DSN is set but sentry-sdk is not installed: pip install 'elearn[sentry]'"
        ) from None
    # No personal data (cookies, addresses, user details): send_default_pii keeps its
    # default, False. Recent 2.x releases deprecate passing it (for ``data_collection``,
    # whose defaults collect more), so it is not passed; tests/test_logs.py checks that no
    # cookie leaves.
    sentry_sdk.init(
        dsn=dsn,
        integrations=[FlaskIntegration()],
        environment=app.config.get("ENV_NAME", "development"),
        release=release(),
    )
    return sentry_sdk


def release() -> str | None:
    """``elearn@<version>``, as Sentry groups errors by release."""
    try:
        return f"elearn@{metadata.version('elearn')}"
    except metadata.PackageNotFoundError:
        return None
