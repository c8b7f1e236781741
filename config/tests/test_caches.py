"""The Redis cache keeps answering from local memory while Redis cannot be reached, and
goes back to Redis once it answers. "Unreachable" here is a port nothing listens on
(refused at once), so the suite needs no Redis; with ``REDIS_URL`` set, the project's
own cache is this class on the run's Redis (``test_the_configured_cache_*``)."""

from unittest.mock import patch

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from config import caches
from config.caches import FallbackRedisCache
from tests.support.factories import DEFAULT_PASSWORD, UserFactory
from tests.support.outage import PROJECT_REDIS_CACHE, unreachable_cache, unreachable_redis_url


@pytest.fixture
def unreachable() -> FallbackRedisCache:
    return FallbackRedisCache(
        unreachable_redis_url(),
        {"KEY_PREFIX": "test", "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}},
    )


def use_every_call(cache: BaseCache) -> None:
    """What the app asks of its cache (throttles, presence), each call answered."""
    cache.set("kept", {"a": 1}, timeout=60)
    assert cache.get("kept") == {"a": 1}
    assert cache.get_many(["kept", "missing"]) == {"kept": {"a": 1}}
    assert cache.add("counted", 1, timeout=60)
    assert not cache.add("counted", 5, timeout=60)
    assert cache.incr("counted") == 2
    assert cache.has_key("counted")
    assert cache.touch("counted", timeout=60)
    assert cache.delete("counted")
    cache.set_many({"kept": 2}, timeout=60)
    assert cache.get("kept") == 2
    cache.delete_many(["kept"])
    assert cache.get("kept", "gone") == "gone"


def test_an_unreachable_redis_is_stood_in_for_by_local_memory(
    unreachable: FallbackRedisCache, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", "config.caches"):
        use_every_call(unreachable)

    # Said once, not once per call.
    (said,) = caplog.records
    assert said.getMessage().startswith("Redis cache unreachable (")


def test_the_async_calls_fall_back_too(unreachable: FallbackRedisCache) -> None:
    async def use() -> None:
        await unreachable.aset("kept", 1, timeout=60)
        assert await unreachable.aget("kept") == 1
        assert await unreachable.aadd("other", 1, timeout=60)

    async_to_sync(use)()


def test_redis_is_tried_again_after_the_retry_delay_not_on_every_call(
    unreachable: FallbackRedisCache,
) -> None:
    with patch.object(caches, "RETRY_SECONDS", 0.0):
        unreachable.get("kept")
        with patch("django.core.cache.backends.redis.RedisCache.get") as on_redis:
            on_redis.return_value = "from redis"
            assert unreachable.get("kept") == "from redis"
    unreachable.get("kept")  # fails: the next calls wait RETRY_SECONDS
    with patch("django.core.cache.backends.redis.RedisCache.get") as on_redis:
        assert unreachable.get("kept") is None
    on_redis.assert_not_called()


def test_the_configured_cache_answers_every_call(caplog: pytest.LogCaptureFixture) -> None:
    """The project's cache (with REDIS_URL: this class on the run's Redis, which is
    reachable, so it is used and nothing is logged)."""
    try:
        with caplog.at_level("WARNING", "config.caches"):
            use_every_call(cache)
    finally:
        cache.delete_many(["counted", "kept"])

    assert caplog.records == []


@pytest.mark.django_db
def test_the_throttled_endpoints_answer_and_still_count_while_redis_is_down() -> None:
    """Login, sign-up and refresh count their throttles in the cache: with the project's
    cache on a Redis that is down they answer as usual (no 500), and the limit holds,
    counted in this process's memory."""
    user = UserFactory.create()
    client = APIClient()
    with override_settings(
        CACHES=unreachable_cache(PROJECT_REDIS_CACHE),
        AUTH_THROTTLE_RATES={**settings.AUTH_THROTTLE_RATES, "login.address": "3/min"},
    ):
        signed_up = client.post(
            reverse("accounts:signup"), {"username": "newcomer", "password": DEFAULT_PASSWORD}
        )
        refreshed = client.post(reverse("accounts:refresh"))
        logins = [
            client.post(
                reverse("accounts:login"),
                {"username": user.username, "password": DEFAULT_PASSWORD},
            ).status_code
            for _ in range(4)
        ]

    assert (signed_up.status_code, refreshed.status_code) == (201, 204)
    assert logins == [200, 200, 200, 429]
