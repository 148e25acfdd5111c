"""With ELEARN_REDIS_URL, every worker counts Flask-Limiter's limits (the per-address sign-in
ceiling among them) in the same place. Failed sign-ins per account are counted in the
database with or without Redis: tests/adversarial/test_signin_budget.py."""

from __future__ import annotations

import secrets

import pytest

from elearn import create_app
from tests.harness import Client, base_config, redis_url

REDIS_URL = redis_url(0)


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return client


def test_the_address_ceiling_of_one_worker_counts_on_the_other(database_url, redis_client):
    config = {
        **base_config(database_url),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "LOGIN_LIMIT_PER_IP": "4 per minute",
    }
    first, second = create_app(config), create_app(config)
    first.test_client_class = second.test_client_class = Client
    a, b = first.test_client(), second.test_client()
    # one centre's address, of this test alone (others may share the Redis database)
    address = "10." + ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))
    a.environ_base["REMOTE_ADDR"] = b.environ_base["REMOTE_ADDR"] = address
    # four different accounts from one address: only the address's ceiling applies
    assert [a.login(f"v{n}@ofppt.example", "wrong-pass").status_code for n in range(2)] == [
        200,
        200,
    ]
    assert [b.login(f"w{n}@ofppt.example", "wrong-pass").status_code for n in range(2)] == [
        200,
        200,
    ]
    assert a.login("x@ofppt.example", "wrong-pass").status_code == 429
    assert b.login("y@ofppt.example", "wrong-pass").status_code == 429
    # the counter lives in Redis, where separate gunicorn processes see it too
    keys = list(redis_client.scan_iter(f"*/{address}/*login-ip*"))
    assert keys, "no counter for this address in Redis"
    redis_client.delete(*keys)
