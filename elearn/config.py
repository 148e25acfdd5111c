"""Settings from ``ELEARN_*`` environment variables.

Local defaults are safe enough to type ``make run`` and go; production
(``ELEARN_ENV=production``) refuses to start on a setting that would be unsafe there,
because a misconfigured learning platform leaks trainees' data quietly.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import limits  # Flask-Limiter's parser of "10 per 10 minutes"

from elearn.core.logs import FORMATS as LOG_FORMATS
from elearn.core.logs import LEVELS as LOG_LEVELS
from elearn.i18n.languages import INTERFACE_LANGUAGES

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "development", "test", "elearn"}
MIN_SECRET_LENGTH = 32
#: Where ``elearn run`` listens unless told otherwise: the links' default on a laptop.
DEV_BASE_URL = "http://127.0.0.1:5000"


class ConfigError(RuntimeError):
    """A setting that must not be used; the message says which and what to do."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, not {raw!r}") from None


def _local_secret_key(instance_path: Path) -> str:
    """Generate once and keep in ``instance/`` so sessions survive a restart."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _base_url(environ: Mapping[str, str], production: bool) -> str:
    """The public address links in e-mails start with. It comes from the operator, never
    from a request: the ``Host`` and ``X-Forwarded-Host`` headers are whatever the sender
    of the request typed, and a password link pointing at their host hands them the
    account."""
    raw = environ.get("ELEARN_BASE_URL", "").strip()
    if not raw:
        if production:
            raise ConfigError(
                "ELEARN_BASE_URL must be set in production to the address people open, "
                "e.g. https://academy.example.org: links in e-mails are built from it."
            )
        return DEV_BASE_URL
    parts = urlsplit(raw)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
    ):
        raise ConfigError(
            f"ELEARN_BASE_URL must be an absolute http(s) address such as "
            f"https://academy.example.org (no user, query or fragment), not {raw!r}"
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ConfigError(f"ELEARN_BASE_URL has an invalid port: {raw!r}") from None
    if production and parts.scheme != "https":
        log.warning("ELEARN_BASE_URL=%s in production: links in e-mails will not use https.", raw)
    return raw.rstrip("/")


def _login_limits(environ: Mapping[str, str]) -> dict[str, str]:
    """The sign-in limits, in Flask-Limiter's notation: one rate each, checked at start-up
    rather than on the first sign-in."""
    found = {}
    for setting, name, default in (
        ("LOGIN_LIMIT_PER_ACCOUNT", "ELEARN_LOGIN_LIMIT_PER_ACCOUNT", "10 per 10 minutes"),
        ("LOGIN_LIMIT_PER_IP", "ELEARN_LOGIN_LIMIT_PER_IP", "300 per minute"),
    ):
        value = environ.get(name) or default
        try:
            one = len(limits.parse_many(value)) == 1
        except ValueError:
            one = False
        if not one:
            raise ConfigError(f"{name} must be one rate such as '{default}', not {value!r}")
        found[setting] = value
    return found


def _queue_url(environ: Mapping[str, str], production: bool) -> str:
    """Where jobs wait: a SQLite file of the instance (empty), Redis, or nowhere
    (``immediate:``, jobs run in the asking process — never in production)."""
    raw = environ.get("ELEARN_QUEUE_URL", "").strip()
    if raw == "immediate:":
        if production:
            raise ConfigError(
                "ELEARN_QUEUE_URL=immediate: runs jobs inside web requests: not in production. "
                "Use redis://host:6379/1 and run `elearn worker`."
            )
        return raw
    if raw and not raw.startswith(("redis://", "rediss://", "unix://", "sqlite:///")):
        raise ConfigError(
            f"ELEARN_QUEUE_URL must be empty (a SQLite file in the instance folder), "
            f"redis://host:6379/1, sqlite:///path or immediate:, not {raw!r}"
        )
    if production and not raw.startswith(("redis", "unix")):
        log.warning(
            "ELEARN_QUEUE_URL is not Redis in production: web servers and workers must then "
            "share this machine's disk. Use redis://host:6379/1 for workers on other machines."
        )
    return raw


def _logging(environ: Mapping[str, str], production: bool) -> dict[str, str]:
    """How lines are written (core/logs.py): JSON lines in production, text elsewhere."""
    fmt = environ.get("ELEARN_LOG_FORMAT", "").strip().lower() or ("json" if production else "text")
    if fmt not in LOG_FORMATS:
        raise ConfigError(f"ELEARN_LOG_FORMAT must be json or text, not {fmt!r}")
    level = environ.get("ELEARN_LOG_LEVEL", "").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise ConfigError(f"ELEARN_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    return {"LOG_FORMAT": fmt, "LOG_LEVEL": level}


def _sentry_dsn(environ: Mapping[str, str]) -> str:
    """The optional Sentry DSN, checked now rather than at the first error."""
    dsn = environ.get("ELEARN_SENTRY_DSN", "").strip()
    if not dsn:
        return ""
    parts = urlsplit(dsn)
    if parts.scheme not in ("http", "https") or not parts.username or not parts.hostname:
        raise ConfigError(
            "ELEARN_SENTRY_DSN must be a DSN such as https://<key>@sentry.example.org/<project>"
        )
    if importlib.util.find_spec("sentry_sdk") is None:
        raise ConfigError(
            "ELEARN_SENTRY_DSN is set but sentry-sdk is not installed: pip install 'elearn[sentry]'"
        )
    return dsn


def engine_options(database_url: str) -> dict[str, Any]:
    """PostgreSQL: check connections before use, so a database restart costs no request."""
    if database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True, "pool_recycle": 1800}


def load_config(environ: Mapping[str, str], instance_path: Path) -> dict[str, Any]:
    """Turn the environment into Flask settings; raise ConfigError on unsafe production ones."""
    env = environ.get("ELEARN_ENV", "development").strip().lower()
    production = env == "production"
    database_url = environ.get("ELEARN_DATABASE_URL") or (
        f"sqlite:///{instance_path / 'elearn.sqlite3'}"
    )
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://") :]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]

    secret_key = environ.get("ELEARN_SECRET_KEY", "")
    if production:
        if secret_key.lower() in WEAK_SECRETS or len(secret_key) < MIN_SECRET_LENGTH:
            raise ConfigError(
                "ELEARN_SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters in production "
                '(python -c "import secrets; print(secrets.token_urlsafe(48))").'
            )
        if database_url.startswith("sqlite"):
            log.warning("ELEARN_ENV=production on SQLite: use PostgreSQL for several workers.")
    elif not secret_key:
        secret_key = _local_secret_key(instance_path)

    default_locale = environ.get("ELEARN_DEFAULT_LOCALE", "fr")
    if default_locale not in INTERFACE_LANGUAGES:
        raise ConfigError(f"ELEARN_DEFAULT_LOCALE must be one of {', '.join(INTERFACE_LANGUAGES)}")
    mail_backend = environ.get("ELEARN_MAIL_BACKEND", "console")
    if mail_backend not in ("console", "log", "smtp", "memory"):
        raise ConfigError("ELEARN_MAIL_BACKEND must be console, log, smtp or memory")
    if mail_backend == "smtp" and not environ.get("ELEARN_SMTP_HOST"):
        raise ConfigError("ELEARN_MAIL_BACKEND=smtp needs ELEARN_SMTP_HOST")
    if production and mail_backend == "memory":
        raise ConfigError("ELEARN_MAIL_BACKEND=memory keeps e-mails in memory: not in production")
    if production and mail_backend != "smtp":
        log.warning(
            "ELEARN_MAIL_BACKEND=%s in production: password links go to the %s, not to people.",
            mail_backend,
            "log" if mail_backend == "log" else "console",
        )
    zone = environ.get("ELEARN_TIMEZONE", "Africa/Casablanca")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"ELEARN_TIMEZONE is not a known time zone: {zone!r}") from None

    redis_url = environ.get("ELEARN_REDIS_URL", "")
    base_url = _base_url(environ, production)
    login_limits = _login_limits(environ)
    ratelimit_enabled = _bool(environ.get("ELEARN_RATELIMIT_ENABLED"), True)
    if production and not ratelimit_enabled:
        raise ConfigError(
            "ELEARN_RATELIMIT_ENABLED=false turns off the sign-in budget: not in production."
        )
    if production and not redis_url:
        log.warning(
            "ELEARN_REDIS_URL is not set in production: the per-address sign-in ceiling and "
            "the other rate limits are counted by each worker alone, so N workers allow N "
            "times as much. Set ELEARN_REDIS_URL to share them (failed sign-ins per account "
            "are counted in the database either way)."
        )
    queue_url = _queue_url(environ, production)

    log_settings = _logging(environ, production)
    sentry_dsn = _sentry_dsn(environ)
    storage = environ.get("ELEARN_STORAGE", "local")
    if storage not in {"local", "s3"}:
        raise ConfigError("ELEARN_STORAGE must be 'local' or 's3'")

    return {
        "ENV_NAME": env,
        "PRODUCTION": production,
        **log_settings,
        "SENTRY_DSN": sentry_dsn,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "MAX_CONTENT_LENGTH": _int(environ, "ELEARN_MAX_REQUEST_MB", 32) * 1024 * 1024,
        "SESSION_COOKIE_NAME": "elearn_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=_int(environ, "ELEARN_SESSION_DAYS", 14)),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "BASE_URL": base_url,
        "HSTS": production,
        "PROXY_COUNT": _int(environ, "ELEARN_PROXY_COUNT", 0),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "DEFAULT_LOCALE": default_locale,
        "BABEL_DEFAULT_LOCALE": default_locale,
        "BABEL_DEFAULT_TIMEZONE": zone,
        "BABEL_TRANSLATION_DIRECTORIES": environ.get(
            "ELEARN_TRANSLATIONS_DIR", str(PROJECT_ROOT / "translations")
        ),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_ENABLED": ratelimit_enabled,
        **login_limits,
        "TOKEN_LIFETIME_DAYS": _int(environ, "ELEARN_TOKEN_LIFETIME_DAYS", 365),
        "QUIZ_GRACE_SECONDS": _int(environ, "ELEARN_QUIZ_GRACE_SECONDS", 15),
        "SETUP_LINK_DAYS": _int(environ, "ELEARN_SETUP_LINK_DAYS", 7),
        "MAIL_BACKEND": mail_backend,
        "MAIL_FROM": environ.get("ELEARN_MAIL_FROM", "MRE Academy <no-reply@mre-academy.example>"),
        "SMTP_HOST": environ.get("ELEARN_SMTP_HOST", ""),
        "SMTP_PORT": _int(environ, "ELEARN_SMTP_PORT", 587),
        "SMTP_USER": environ.get("ELEARN_SMTP_USER", ""),
        "SMTP_PASSWORD": environ.get("ELEARN_SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool(environ.get("ELEARN_SMTP_STARTTLS"), True),
        "SMTP_SSL": _bool(environ.get("ELEARN_SMTP_SSL"), False),
        "SMTP_TIMEOUT": _int(environ, "ELEARN_SMTP_TIMEOUT", 10),
        "PASSWORD_HASH_COST": {"time_cost": 3, "memory_cost": 65536, "parallelism": 2},
        "QUEUE_URL": queue_url,
        "JOB_HEARTBEAT": _int(environ, "ELEARN_JOB_HEARTBEAT_SECONDS", 60),
        "JOB_RETRY_SECONDS": _int(environ, "ELEARN_JOB_RETRY_SECONDS", 10),
        #: Above this many trainees a cohort's sheet is written by a job, not in the request.
        "EXPORT_INLINE_LIMIT": _int(environ, "ELEARN_EXPORT_INLINE_LIMIT", 2000),
        "STORAGE": storage,
        "MEDIA_DIR": environ.get("ELEARN_MEDIA_DIR", str(instance_path / "media")),
        "S3_ENDPOINT_URL": environ.get("ELEARN_S3_ENDPOINT_URL", ""),
        "S3_BUCKET": environ.get("ELEARN_S3_BUCKET", ""),
        "S3_REGION": environ.get("ELEARN_S3_REGION", ""),
        "S3_ADDRESSING_STYLE": environ.get("ELEARN_S3_ADDRESSING_STYLE", "auto"),
        "S3_PUBLIC_BASE_URL": environ.get("ELEARN_S3_PUBLIC_BASE_URL", ""),
        "S3_URL_TTL": _int(environ, "ELEARN_S3_URL_TTL", 900),
        "S3_TIMEOUT": _int(environ, "ELEARN_S3_TIMEOUT", 10),
        "MEDIA_LIMITS": {
            kind: _int(environ, f"ELEARN_MAX_{name}_MB", default) * 1024 * 1024
            for kind, name, default in (
                ("image", "IMAGE", 20),
                ("video", "VIDEO", 2048),
                ("audio", "AUDIO", 200),
                ("document", "PDF", 100),
            )
        },
    }
