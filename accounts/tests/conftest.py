from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Throttle counts and token revocations start from nothing and leave nothing: user
    ids repeat between tests (rolled back). On Redis this empties the test run's own
    database (REDIS_URL), nothing else."""
    cache.clear()
    yield
    cache.clear()
