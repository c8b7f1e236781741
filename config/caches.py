"""Django's Redis cache, which keeps answering while Redis cannot be reached.

What the cache holds here is worth less than the request that asks for it: the login,
sign-up and refresh throttles' counts (DRF), who is online in a chat and the typing and
presence limits (``chat.presence``). None of it is a source of truth (token revocation
lives in the database, ``accounts.tokens``), so an unreachable Redis must not turn a
request into a 500. While Redis fails to connect or to answer, each call is served by a
local-memory cache of this process instead (logged once when it starts and once when
Redis answers again), and Redis is not tried again for ``RETRY_SECONDS``: an outage
costs a request one failed attempt at most, not one per call.

What that means while it lasts: counts and presence are per worker process, starting
from what this process wrote to its local cache (a throttle allows up to its limit per
worker; a member online on another worker may be missing from ``online_members``).
When Redis is back, its own values count again; the local ones are forgotten as they
expire.
"""

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Failures that mean Redis is not there (a refused or dropped connection, no answer in
# time); any other error (a bug, a wrong type) is raised as usual.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
# After a failure, calls go to the local cache this long before Redis is tried again.
RETRY_SECONDS = 1.0


class FallbackRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with a local-memory cache to fall
    back on. Set socket timeouts in ``OPTIONS`` (``socket_connect_timeout``,
    ``socket_timeout``): redis-py waits forever by default."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        # The same key prefix, version and default timeout as the Redis side.
        local_params = {key: value for key, value in params.items() if key != "OPTIONS"}
        self.local = LocMemCache(f"fallback-for-{server}", local_params)
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """``name`` on Redis; on the local cache while Redis is unreachable."""
        if time.monotonic() >= self._retry_at:
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as exc:
                with self._lock:
                    first = self._retry_at == 0.0
                    self._retry_at = time.monotonic() + RETRY_SECONDS
                if first:
                    logger.warning("Redis cache unreachable (%r): using local memory", exc)
            else:
                if self._retry_at:
                    with self._lock:
                        self._retry_at = 0.0
                    logger.warning("Redis cache reachable again")
                return result
        return getattr(self.local, name)(*args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._call("add", *args, **kwargs))

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> None:
        self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._call("touch", *args, **kwargs))

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._call("delete", *args, **kwargs))

    def get_many(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        found: dict[str, Any] = self._call("get_many", *args, **kwargs)
        return found

    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._call("has_key", *args, **kwargs))

    def incr(self, *args: Any, **kwargs: Any) -> int:
        return int(self._call("incr", *args, **kwargs))

    def set_many(self, *args: Any, **kwargs: Any) -> list[str]:
        failed: list[str] = self._call("set_many", *args, **kwargs) or []
        return failed

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        self._call("delete_many", *args, **kwargs)

    def clear(self) -> None:
        self.local.clear()
        self._call("clear")
