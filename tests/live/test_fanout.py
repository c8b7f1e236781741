"""Fan-out in one busy chat: every stored message reaches every member live; and
after 2,000 sockets close at once, none is left behind in the layer's groups.

Why: the channel layer drops group messages silently when a worker's channel is
full (channels-redis "over capacity"), and the page only catches up on reconnect,
so nobody notices. 30 readers and 5 senders at 3 msg/s for 5 s on one worker
started as the container starts it, on PostgreSQL and Redis, with the configured
default layer; the test fails if a single stored message misses a single member.
Correctness only: it prints the figures (``-s``) and asserts no timing.
``bench/fanout.py`` runs the full-size ladder.

The mass disconnect runs behind HAProxy on the repository's config/haproxy.cfg
(``tests/support/proxy.py``), as compose runs it: the 2,000 sockets reach the worker
through the proxy, from 40 loopback addresses (``tests/support/sources.py``), each
within the proxy's per-address connection cap.
"""

import asyncio
import base64
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.delivery import print_figures
from tests.support.fanout import connect_members, create_fanout_chat, open_sockets, run_fanout
from tests.support.live import (
    LocalServer,
    StartWorker,
    contents_in_db,
    fresh_environment,
)
from tests.support.proxy import TRUSTING_THE_PROXY, started_proxy

pytestmark = pytest.mark.live

FANOUT_DB = "live_fanout"
# A Redis database no other live test uses; flushed before and after.
FANOUT_REDIS_URL = os.environ.get("LIVE_FANOUT_REDIS_URL", "redis://127.0.0.1:6379/4")
READERS = 30
SENDERS = 5
RATE = 3.0  # messages per second per sender
SECONDS = 5.0


@pytest.fixture(scope="module")
def live_env() -> Iterator[dict[str, str]]:
    with fresh_environment(FANOUT_DB, FANOUT_REDIS_URL) as env:
        yield env


def test_every_stored_message_reaches_every_member_live(
    live_env: dict[str, str], start_worker: StartWorker
) -> None:
    worker = start_worker("fanout")
    worker.wait_ready()  # bin/entrypoint has migrated the database by now
    chat_pk, cookies = create_fanout_chat(live_env, READERS + SENDERS, "fanout")

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


# The mass disconnect: sockets of SURVIVORS members, MASS of which close at once.
SURVIVORS = 20
MASS = 2000
# Sockets from each client address: half the proxy's shipped per-address cap
# (PROXY_CONNECTIONS_PER_CLIENT, 100).
SOCKETS_PER_SOURCE = 50
# How long the closed sockets' leaves get to reach Redis, and how often it is read.
LEAVE_SECONDS = 120.0
POLL_SECONDS = 0.1


def user_ids(cookies: list[str]) -> list[int]:
    """The users whose access tokens the cookies carry (the JWT's ``user_id`` claim)."""
    payloads = (cookie.split("=", 1)[1].split(".")[1] for cookie in cookies)
    return [
        int(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["user_id"])
        for p in payloads
    ]


def group_sizes(redis_url: str, prefix: str = "asgi") -> dict[str, int]:
    """Every channel-layer group in Redis and how many members it holds (the core
    layer's sorted sets, ``<prefix>:group:<name>``)."""
    layer = redis.Redis.from_url(redis_url)
    try:
        keys = [key.decode() for key in layer.scan_iter(f"{prefix}:group:*")]
        return {key.split(":group:", 1)[1]: int(layer.zcard(key)) for key in keys}
    finally:
        layer.close()


def test_a_mass_disconnect_leaves_no_member_behind_and_fan_out_stays_whole(
    live_env: dict[str, str], start_worker: StartWorker, tmp_path: Path
) -> None:
    """2,000 sockets of 20 members, through the proxy, close at once. Their consumers
    leave the chat's group and their users' groups a bounded number at a time, trying
    again on a failure: afterwards the layer's groups in Redis hold exactly the 20
    sockets left open, and the next fan-out in the chat reaches every one of them.
    Before, each closing consumer called the layer at once, the worker's Redis pool ran
    out (MaxConnectionsError) and hundreds of members stayed in the groups for a day.
    Then the worker is stopped (SIGTERM) with those 20 open: none is left in a group."""
    worker = start_worker("mass", REALTIME_MAX_SOCKETS_PER_USER=str(MASS), **TRUSTING_THE_PROXY)
    worker.wait_ready()
    chat_pk, cookies = create_fanout_chat(live_env, SURVIVORS, "mass")
    chat_group = f"group-chat-{chat_pk}"
    users_groups = [f"realtime-user-{user}" for user in user_ids(cookies)]
    figures: dict[str, object] = {}

    async def scenario(proxy: LocalServer) -> None:
        survivors = await connect_members(proxy, chat_pk, cookies)
        opened = time.perf_counter()
        doomed = await open_sockets(proxy, chat_pk, cookies, MASS, per_source=SOCKETS_PER_SOURCE)
        figures["2,000 sockets opened in (s)"] = time.perf_counter() - opened
        sizes = group_sizes(FANOUT_REDIS_URL)
        assert sizes[chat_group] == SURVIVORS + MASS, sizes[chat_group]

        closed = time.perf_counter()
        await asyncio.gather(*(ws.close() for ws in doomed))
        figures["closed at once in (s)"] = time.perf_counter() - closed
        for _ in range(int(LEAVE_SECONDS / POLL_SECONDS)):  # read Redis until they left
            sizes = group_sizes(FANOUT_REDIS_URL)
            users = sum(sizes.get(group, 0) for group in users_groups)
            if (sizes.get(chat_group), users) == (SURVIVORS, SURVIVORS):
                break
            await asyncio.sleep(POLL_SECONDS)
        figures["closed -> every member left (s)"] = time.perf_counter() - closed
        figures["stale members in the chat's group"] = sizes.get(chat_group, 0) - SURVIVORS
        figures["stale members in the users' groups"] = users - SURVIVORS

        try:
            result = await run_fanout(
                survivors, 2, 3.0, 2.0, "after", lambda: contents_in_db(FANOUT_DB, chat_pk)
            )
            figures["next fan-out, delivered live"] = f"{result.delivered} of {result.expected}"
            # The worker stopped as a deploy stops it, its 20 sockets open: it waits for
            # each of them to leave its groups before it exits.
            assert await asyncio.to_thread(worker.stop, signal.SIGTERM) == 0
            sizes = group_sizes(FANOUT_REDIS_URL)
            figures["members left in the groups after a SIGTERM"] = sizes.get(chat_group, 0) + sum(
                sizes.get(group, 0) for group in users_groups
            )
        finally:
            await asyncio.gather(*(ws.close() for ws in survivors), return_exceptions=True)
        assert not result.errors, result.errors[:5]
        assert result.stored == result.sent
        assert result.delivered == result.expected

    try:
        with started_proxy([worker], tmp_path) as proxy:
            asyncio.run(scenario(proxy))
    finally:
        log = worker.watch.log_path.read_text() if worker.watch.log_path else ""
        figures["'Too many connections' in the worker's log"] = log.count("Too many connections")
        figures["'Leaving groups' failures logged"] = log.count("Leaving groups")
        print_figures("mass disconnect: 2,000 sockets closed at once, behind HAProxy", figures)
    assert figures["stale members in the chat's group"] == 0
    assert figures["stale members in the users' groups"] == 0
    assert figures["members left in the groups after a SIGTERM"] == 0
