"""One worker holds 2,000 authenticated sockets, and one message reaches every one.

Why: a worker's sockets share one event loop, one channel-layer queue and one delivery
task; a chat as large as the worker's whole load must still get each message to every
member, none closed and none skipped. One worker started as the container starts it
(``bin/entrypoint``, production settings, the default layer), on PostgreSQL and Redis;
2,000 users in one chat, each with one socket (opened ``OPENING_AT_ONCE`` at a time).
Correctness only, with generous bounds: the figures are printed (``-s``);
``bench/scale.py`` measures 10,000 (docs/benchmarks.md, "Scale").
"""

import asyncio
import json
import os
import time
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.support.delivery import print_figures
from tests.support.fanout import create_large_chat, open_sockets
from tests.support.live import (
    StartWorker,
    fresh_environment,
    say,
)
from tests.support.processes import raise_open_files_limit, rss_mib

pytestmark = pytest.mark.live

MANY_DB = os.environ.get("LIVE_MANY_DB", "live_many")
# A Redis database no other live test uses; flushed before and after.
MANY_REDIS_URL = os.environ.get("LIVE_MANY_REDIS_URL", "redis://127.0.0.1:6379/7")
SOCKETS = 2_000
# Far above what it takes (seconds, docs/benchmarks.md), far below "never".
OPEN_SECONDS = 240.0
DELIVERY_SECONDS = 60.0


@pytest.fixture(scope="module")
def live_env() -> Iterator[dict[str, str]]:
    raise_open_files_limit()  # the worker inherits it: 2,000 sockets need more than 1,024
    with fresh_environment(MANY_DB, MANY_REDIS_URL) as env:
        yield env


async def every_socket_hears(
    sockets: list[ClientConnection], content: str, seconds: float
) -> list[str]:
    """Read each socket until its ``member_message`` with ``content``; what went wrong
    for the sockets that did not get it within ``seconds`` (all read at once)."""

    async def hear(ws: ClientConnection) -> str:
        frames: list[str] = []
        try:
            while True:
                frame = json.loads(await ws.recv())
                if frame.get("payload", {}).get("content") == content:
                    return ""
                frames.append(frame.get("action", "?"))
        except ConnectionClosed as exc:
            return f"closed {exc.rcvd} after {frames[-3:]}"

    async def bounded(ws: ClientConnection) -> str:
        try:
            return await asyncio.wait_for(hear(ws), seconds)
        except TimeoutError:
            return "nothing within the deadline"

    return [why for why in await asyncio.gather(*(bounded(ws) for ws in sockets)) if why]


def test_one_worker_holds_2000_sockets_and_one_message_reaches_all(
    live_env: dict[str, str], start_worker: StartWorker
) -> None:
    worker = start_worker("many")
    worker.wait_ready()
    chat_pk, cookies = create_large_chat(live_env, SOCKETS, "many")
    figures: dict[str, object] = {"worker RSS before (MiB)": rss_mib(worker.process.pid)}

    async def scenario() -> None:
        opened = time.perf_counter()
        try:
            sockets = await asyncio.wait_for(
                open_sockets(worker, chat_pk, cookies, SOCKETS), OPEN_SECONDS
            )
        except TimeoutError:
            pytest.fail(
                f"{SOCKETS} sockets not all open and authenticated within {OPEN_SECONDS:g} s. "
                f"Worker log:\n{worker.log_tail()}"
            )
        figures[f"{SOCKETS:,} sockets opened in (s)"] = time.perf_counter() - opened
        figures["worker RSS with them open (MiB)"] = rss_mib(worker.process.pid)
        try:
            said = time.perf_counter()
            await say(sockets[0], "to all 2,000")
            missed = await every_socket_hears(sockets, "to all 2,000", DELIVERY_SECONDS)
            figures["said -> every socket heard it (s)"] = time.perf_counter() - said
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        assert not missed, (
            f"{len(missed)} of {SOCKETS} sockets did not get the message within "
            f"{DELIVERY_SECONDS:g} s, e.g. {missed[:3]}"
        )

    try:
        asyncio.run(scenario())
    finally:
        print_figures(f"one worker, {SOCKETS:,} sockets in one chat", figures)
