"""Tests of the channel layer's own behaviour on a real Redis (marker ``redis``) run where
the suite runs against Redis (``REDIS_URL`` set, as CI's second run does); on the
embedded default, which needs no Redis, they are deselected, not skipped."""

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("REDIS_URL"):
        return
    needs_redis = [item for item in items if item.get_closest_marker("redis")]
    if needs_redis:
        config.hook.pytest_deselected(items=needs_redis)
        items[:] = [item for item in items if not item.get_closest_marker("redis")]
