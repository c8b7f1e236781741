"""The live tests start real daphne processes against the local PostgreSQL and
Redis; they run only when selected with ``-m live`` (as .ci/run does)."""

import pytest


@pytest.fixture(autouse=True)
def _only_when_selected(request: pytest.FixtureRequest) -> None:
    markexpr = str(request.config.getoption("markexpr") or "")
    if "live" not in markexpr or "not live" in markexpr:
        pytest.skip("live test: run it with `pytest -m live chat/tests/live` (see .ci/run)")
