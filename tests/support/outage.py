"""Redis that is not there, for tests of what the app does during an outage: a URL on a
loopback port nothing listens on (a connection is refused at once), and Django cache
settings that point at it."""

from typing import Any

from tests.support.processes import free_port

# Django's own Redis cache and the project's (config.caches), which falls back.
DJANGO_REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
PROJECT_REDIS_CACHE = "config.caches.FallbackRedisCache"


def unreachable_redis_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


def unreachable_cache(backend: str) -> dict[str, Any]:
    """``CACHES`` whose default cache is ``backend`` on a Redis that is down."""
    return {
        "default": {
            "BACKEND": backend,
            "LOCATION": unreachable_redis_url(),
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
