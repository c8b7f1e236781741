"""Fixtures of the live tests. A module whose workers share one environment defines
``live_env`` (module scope: the container's environment on the module's own database
and Redis database, as ``fresh_environment`` makes it); ``start_worker`` starts
workers on it."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live import StartWorker, started_workers


@pytest.fixture
def start_worker(live_env: dict[str, str], tmp_path: Path) -> Iterator[StartWorker]:
    """Start ``bin/entrypoint`` as the container's CMD would; always stopped after."""
    with started_workers(live_env, tmp_path) as start:
        yield start
