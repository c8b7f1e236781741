"""Fan-out in one busy chat: every stored message reaches every member live.

Why: the channel layer drops group messages silently when a worker's channel is
full (channels-redis "over capacity"), and the page only catches up on reconnect,
so nobody notices. 30 readers and 5 senders at 3 msg/s for 5 s on one worker
started as the container starts it, on PostgreSQL and Redis, with the configured
default layer; the test fails if a single stored message misses a single member.
Correctness only: it prints the figures (``-s``) and asserts no timing.
``bench/fanout.py`` runs the full-size ladder.
"""

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fanout import connect_members, create_fanout_chat, run_fanout
from tests.support.live import (
    StartWorker,
    contents_in_db,
    fresh_environment,
    started_workers,
)

pytestmark = pytest.mark.live

FANOUT_DB = "live_fanout"
# A Redis database no other live test uses; flushed before and after.
FANOUT_REDIS_URL = os.environ.get("LIVE_FANOUT_REDIS_URL", "redis://127.0.0.1:6379/4")
READERS = 30
SENDERS = 5
RATE = 3.0  # messages per second per sender
SECONDS = 5.0


@pytest.fixture(scope="module")
def fanout_env() -> Iterator[dict[str, str]]:
    with fresh_environment(FANOUT_DB, FANOUT_REDIS_URL) as env:
        yield env


@pytest.fixture
def start_worker(fanout_env: dict[str, str], tmp_path: Path) -> Iterator[StartWorker]:
    with started_workers(fanout_env, tmp_path) as start:
        yield start


def test_every_stored_message_reaches_every_member_live(
    fanout_env: dict[str, str], start_worker: StartWorker
) -> None:
    worker = start_worker("fanout")
    worker.wait_ready()  # bin/entrypoint has migrated the database by now
    chat_pk, cookies = create_fanout_chat(fanout_env, READERS + SENDERS, "fanout")

    async def scenario() -> None:
        sockets = await connect_members(worker, chat_pk, cookies)
        try:
            result = await run_fanout(
                sockets, SENDERS, RATE, SECONDS, "live", lambda: contents_in_db(FANOUT_DB, chat_pk)
            )
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        print(
            f"\nfan-out {READERS}+{SENDERS} at {RATE:g} msg/s for {SECONDS:g} s: "
            f"{result.stored} of {result.sent} stored, live {result.ratio:.2%} "
            f"({result.delivered} of {result.expected}), p50 {result.quantile_ms(50):.0f} ms, "
            f"p99 {result.quantile_ms(99):.0f} ms, errors {result.errors[:3]}"
        )
        assert not result.errors, result.errors[:5]
        assert result.stored == result.sent, "a sent message was not stored"
        assert result.missed_messages == 0, (
            f"{result.missed_messages} of {result.stored} stored messages missed a member "
            f"(delivered {result.delivered} of {result.expected})"
        )
        assert result.delivered == result.expected
        assert result.duplicates == 0

    asyncio.run(scenario())
    log = worker.watch.log_path.read_text() if worker.watch.log_path else ""
    assert "over capacity" not in log
