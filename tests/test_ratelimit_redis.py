"""With ELEARN_REDIS_URL, every worker counts sign-in failures in the same place."""

from __future__ import annotations

import secrets

import pytest

from elearn import create_app
from tests.conftest import Client, Factory, base_config

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return client


def test_failures_on_one_worker_count_on_the_other(database_url, redis_client):
    config = {
        **base_config(database_url),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "LOGIN_LIMIT_PER_ACCOUNT": "4 per minute",
    }
    first, second = create_app(config), create_app(config)
    email = f"redis-{secrets.token_hex(4)}@example.org"
    user = Factory(first).user("trainee", email=email)
    first.test_client_class = second.test_client_class = Client
    a, b = first.test_client(), second.test_client()
    try:
        assert [a.login(email, "wrong-pass-1").status_code for _ in range(2)] == [200, 200]
        assert [b.login(email, "wrong-pass-2").status_code for _ in range(2)] == [200, 200]
        assert a.login(email, "wrong-pass-3").status_code == 429
        assert b.login(user.email).status_code == 429  # even the right password waits
        # the counters live in Redis, where separate gunicorn processes see them too
        keys = [k.decode() for k in redis_client.scan_iter(f"*account:{email}*")]
        assert keys, "no rate-limit counter for this account in Redis"
    finally:
        for key in redis_client.scan_iter(f"*{email}*"):
            redis_client.delete(key)
