"""Settings: safe local defaults, loud refusal of unsafe production ones, SQLite tuning."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from elearn import create_app
from elearn.config import PROJECT_ROOT, ConfigError, engine_options, load_config
from elearn.extensions import db


def test_local_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_config({}, tmp_path)["SECRET_KEY"]
    again = load_config({}, tmp_path)["SECRET_KEY"]
    assert len(first) >= 43 and first == again
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by its owner only


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    config = load_config({}, tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'elearn.sqlite3'}"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["SESSION_COOKIE_SECURE"] is False and config["MAX_CONTENT_LENGTH"] > 0


@pytest.mark.parametrize("key", [None, "", "changeme", "short-key", "dev"])
def test_production_refuses_a_missing_or_weak_secret(tmp_path, key):
    env = {"ELEARN_ENV": "production"}
    if key is not None:
        env["ELEARN_SECRET_KEY"] = key
    with pytest.raises(ConfigError, match="ELEARN_SECRET_KEY"):
        load_config(env, tmp_path)
    assert not (tmp_path / "secret_key").exists()


def test_production_forces_secure_cookies_and_hsts(tmp_path):
    config = load_config(
        {
            "ELEARN_ENV": "production",
            "ELEARN_SECRET_KEY": "k" * 48,
            "ELEARN_DATABASE_URL": "postgres://u@db/elearn",
            "ELEARN_REDIS_URL": "redis://r:6379/0",
            "ELEARN_BASE_URL": "https://academy.example.org/",
        },
        tmp_path,
    )
    assert config["SESSION_COOKIE_SECURE"] is True and config["HSTS"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/elearn"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://r:6379/0"
    assert engine_options(config["SQLALCHEMY_DATABASE_URI"])["pool_pre_ping"] is True
    assert config["BASE_URL"] == "https://academy.example.org"


PRODUCTION = {"ELEARN_ENV": "production", "ELEARN_SECRET_KEY": "k" * 48}


def test_production_requires_a_public_base_url(tmp_path):
    """Links in e-mails start from it; without it they would start from the request's Host."""
    for unset in ({}, {"ELEARN_BASE_URL": "  "}):
        with pytest.raises(ConfigError, match="ELEARN_BASE_URL must be set in production"):
            load_config({**PRODUCTION, **unset}, tmp_path)
    assert load_config({}, tmp_path)["BASE_URL"] == "http://127.0.0.1:5000"  # `elearn run`'s
    prefixed = load_config({"ELEARN_BASE_URL": "http://centre.lan:8080/academy/"}, tmp_path)
    assert prefixed["BASE_URL"] == "http://centre.lan:8080/academy"


@pytest.mark.parametrize(
    "value",
    [
        "academy.example.org",
        "//academy.example.org",
        "ftp://academy.example.org",
        "javascript:alert(1)",
        "https://",
        "https://user:pass@academy.example.org",
        "https://academy.example.org/?next=x",
        "https://academy.example.org/#top",
        "https://academy.example.org:port",
    ],
)
def test_a_base_url_that_is_not_an_absolute_http_address_is_refused(tmp_path, value):
    for env in ({}, PRODUCTION):
        with pytest.raises(ConfigError, match="ELEARN_BASE_URL"):
            load_config({**env, "ELEARN_BASE_URL": value}, tmp_path)


def test_bad_values_are_named(tmp_path):
    with pytest.raises(ConfigError, match="ELEARN_DEFAULT_LOCALE"):
        load_config({"ELEARN_DEFAULT_LOCALE": "en"}, tmp_path)
    with pytest.raises(ConfigError, match="ELEARN_MAX_REQUEST_MB"):
        load_config({"ELEARN_MAX_REQUEST_MB": "lots"}, tmp_path)
    with pytest.raises(ConfigError, match="ELEARN_STORAGE"):
        load_config({"ELEARN_STORAGE": "ftp"}, tmp_path)


def test_production_app_sends_hsts_and_secure_cookie(monkeypatch, tmp_path, database_url):
    monkeypatch.setenv("ELEARN_ENV", "production")
    monkeypatch.setenv("ELEARN_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("ELEARN_DATABASE_URL", database_url)
    monkeypatch.setenv("ELEARN_BASE_URL", "https://localhost")
    app = create_app({"PASSWORD_HASH_COST": {"time_cost": 1, "memory_cost": 8, "parallelism": 1}})
    client = app.test_client()
    response = client.get("/login", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def sqlite_app(tmp_path, template):
    import shutil

    path = tmp_path / "own.sqlite3"
    shutil.copy(template, path)
    return create_app(
        {"TESTING": True, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
    )


def test_sqlite_runs_in_wal_with_a_busy_timeout(tmp_path, sqlite_template):
    app = sqlite_app(tmp_path, sqlite_template)
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_concurrent_sqlite_writers_queue_instead_of_failing(tmp_path, sqlite_template):
    """Eight threads writing at once on one SQLite file: no 'database is locked'."""
    app = sqlite_app(tmp_path, sqlite_template)
    from elearn.accounts import services

    errors: list[Exception] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with app.app_context():
                    # read first, then write: the pattern that deadlocks deferred transactions
                    services.centre_by_code_or_none(db.session, "SALE")
                    services.save_centre(db.session, None, code=f"C{n}-{i}", name="x", city="y")
                    db.session.commit()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM centres")).scalar() == 80


def test_wsgi_module_exposes_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("ELEARN_INSTANCE_DIR", str(tmp_path))
    import importlib
    import sys

    sys.modules.pop("wsgi", None)
    wsgi = importlib.import_module("wsgi")
    assert wsgi.app.name == "elearn"
    assert Path(wsgi.app.instance_path) == tmp_path.resolve()


def test_a_web_worker_does_not_load_what_only_commands_and_exports_need(tmp_path):
    """Alembic (migrations) and openpyxl (XLSX exports) are ~16 MB in every worker that
    would never use them: a fresh interpreter importing wsgi must not load them."""
    probe = (
        "import sys, wsgi; "
        "print(sorted(m for m in ('alembic', 'flask_migrate', 'openpyxl') if m in sys.modules))"
    )
    env = {
        **os.environ,
        "ELEARN_INSTANCE_DIR": str(tmp_path),
        "ELEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_media_limits_come_from_the_environment(tmp_path):
    limits = load_config({"ELEARN_MAX_IMAGE_MB": "5", "ELEARN_MAX_VIDEO_MB": "500"}, tmp_path)[
        "MEDIA_LIMITS"
    ]
    assert limits["image"] == 5 * 1024 * 1024 and limits["video"] == 500 * 1024 * 1024
    assert limits["document"] == 100 * 1024 * 1024


def test_production_without_redis_warns(tmp_path, caplog, monkeypatch):
    """Flask-Limiter's limits (the per-address sign-in ceiling) then count per worker."""
    import logging

    # Alembic's logging set-up (a migration earlier in this process) disables the logger
    monkeypatch.setattr(logging.getLogger("elearn.config"), "disabled", False)
    production = {**PRODUCTION, "ELEARN_BASE_URL": "https://academy.example.org"}
    with caplog.at_level("WARNING", logger="elearn.config"):
        load_config(production, tmp_path)
    said = [r.getMessage() for r in caplog.records]
    assert any("ELEARN_REDIS_URL" in m and "each worker" in m for m in said), said
    caplog.clear()
    with caplog.at_level("WARNING", logger="elearn.config"):
        load_config({**production, "ELEARN_REDIS_URL": "redis://r:6379/0"}, tmp_path)
    assert not any("ELEARN_REDIS_URL" in r.getMessage() for r in caplog.records)


def test_sign_in_limits_are_checked_at_start(tmp_path):
    with pytest.raises(ConfigError, match="ELEARN_RATELIMIT_ENABLED"):
        load_config(
            {
                **PRODUCTION,
                "ELEARN_BASE_URL": "https://academy.example.org",
                "ELEARN_RATELIMIT_ENABLED": "false",
            },
            tmp_path,
        )
    for name in ("ELEARN_LOGIN_LIMIT_PER_ACCOUNT", "ELEARN_LOGIN_LIMIT_PER_IP"):
        for value in ("lots", "10 per fortnight", "10/minute;100/hour"):
            with pytest.raises(ConfigError, match=name):
                load_config({name: value}, tmp_path)
    config = load_config({"ELEARN_LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes"}, tmp_path)
    assert config["LOGIN_LIMIT_PER_ACCOUNT"] == "5 per 15 minutes"
