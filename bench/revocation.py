"""Benchmark: what checking an access token's revocation costs per request.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python -m bench.revocation [N]  # N = 2000

The revocations live on the user's row (``accounts.tokens``), which the authentication
reads anyway. This times, N times each, on the database and cache of the environment
(a test database made for the run; SQLite and local memory without the variables):

- ``authenticate``: the whole JWT cookie authentication of one request as it is now
  (signature, expiry, the user's row, the revocation check on it);
- ``+ 2 cache reads``: what the check used to add, two ``cache.get`` (Redis with
  ``REDIS_URL``): the jti's key and the user's not-before key;
- ``+ 1 indexed lookup``: what a revocation table in the database would add, one
  ``EXISTS`` on a unique jti (simplejwt's outstanding-token table stands in for it).

Prints the median and p99 of each in microseconds. It measures; it asserts nothing.
"""

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # `python bench/revocation.py` puts bench/ first
    sys.path.insert(0, str(PROJECT_DIR))

from bench.harness import setup_django  # noqa: E402


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and p99 of ``call``, in microseconds (after a warm-up of 50 calls)."""
    for _ in range(50):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    teardown = setup_django()
    try:
        from django.conf import settings
        from django.core.cache import cache
        from django.db import connection
        from django.test import RequestFactory
        from rest_framework.request import Request
        from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

        from accounts.authentication import JWTCookieAuthentication
        from tests.support.auth import jwt_cookies
        from tests.support.factories import UserFactory

        cookies = jwt_cookies(UserFactory.create())
        factory = RequestFactory()
        authentication = JWTCookieAuthentication()

        def authenticate() -> object:
            request = factory.get("/api/auth/me/")
            request.COOKIES.update(cookies)
            return authentication.authenticate(Request(request))

        def two_cache_reads() -> object:
            return cache.get("bench:revoked-access:jti"), cache.get("bench:not-before:1")

        def indexed_lookup() -> object:
            return OutstandingToken.objects.filter(jti="bench-jti").exists()

        backend = str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1]
        print(f"revocation check, {runs} calls each ({connection.vendor}, {backend}):")
        for name, call in (
            ("authenticate", authenticate),
            ("+ 2 cache reads", two_cache_reads),
            ("+ 1 indexed lookup", indexed_lookup),
        ):
            median, p99 = timed(call, runs)
            print(f"  {name:<20} median {median:7.1f} us   p99 {p99:7.1f} us")
    finally:
        teardown()


if __name__ == "__main__":
    main()
