"""With ELEARN_REDIS_URL, every worker counts sign-in failures in the same place."""

from __future__ import annotations

import secrets

import pytest

from elearn import create_app
from tests.conftest import Client, base_config

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def two_workers(database_url):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"elearn-test-{secrets.token_hex(4)}"
    config = {
        **base_config(database_url),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_LIMIT_PER_ACCOUNT": "4 per minute",
    }
    apps = [create_app(config), create_app(config)]
    yield apps
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


def test_failures_on_one_worker_count_on_the_other(two_workers):
    first, second = two_workers
    from tests.conftest import Factory

    user = Factory(first).user("trainee")
    first.test_client_class = second.test_client_class = Client
    a, b = first.test_client(), second.test_client()
    assert [a.login(user.email, "wrong-pass-1").status_code for _ in range(2)] == [200, 200]
    assert [b.login(user.email, "wrong-pass-2").status_code for _ in range(2)] == [200, 200]
    assert a.login(user.email, "wrong-pass-3").status_code == 429
    assert b.login(user.email).status_code == 429  # even the right password waits
    # the counters really live in Redis, where separate gunicorn processes would see them
    import redis

    keys = [k.decode() for k in redis.Redis.from_url(REDIS_URL).scan_iter("*")]
    prefix = first.config["RATELIMIT_KEY_PREFIX"]
    assert any(prefix in k and user.email in k for k in keys), keys
