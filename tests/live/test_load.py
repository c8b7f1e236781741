"""Load and abuse on a worker started as the container starts it: no worker knocked over.

Why: daphne reads whatever a client sends and queues it for the consumer without
bound, so one logged-in user's sockets sending valid 60 KB frames (60,000 spaces and one
letter) as fast as they can would grow a worker without limit, unanswered, and keep
writing after the client left; and REST GETs each holding a PostgreSQL connection of
their own would run the server out of connections (HTTP 500).

On PostgreSQL and Redis, one worker (``bin/entrypoint``, production settings):

- a smaller flood (2 users x 5 sockets, 8 s, each socket opened again when closed)
  while a third member's socket pings. It fails if the worker's RSS grows by more
  than RSS_GROWTH_LIMIT_MIB, if a flooding socket is not answered with error frames
  and then ``authentication`` 429 and close 4429, if the pinging member is not
  answered, or if anything is written after the flooding clients left;
- 300 GETs of a chat's messages at concurrency 20: it fails on any 5xx or on more
  PostgreSQL connections than the documented bound (DATABASE_POOL_MAX_SIZE x workers);
- daphne's message limit is the consumer layer's frame limit on the wire: a frame one
  byte over it is refused by daphne itself (close 1009), one under it reaches the
  consumer, which answers that it is too large.

Correctness bounds only: the figures are printed (``-s``), no timing is asserted.
``bench/flood.py`` runs the full-size flood (40 sockets, 15 s) on every layer.
"""

import asyncio
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from realtime.settings import RealtimeSettings
from tests.support.fanout import create_fanout_chat
from tests.support.live import (
    FRAME_SECONDS,
    StartWorker,
    Worker,
    contents_in_db,
    fresh_environment,
    open_chat,
    pg_url,
    recv_json,
    say,
)
from tests.support.load import fire_gets, run_flood, sampling_rss

pytestmark = pytest.mark.live

LOAD_DB = os.environ.get("LIVE_LOAD_DB", "live_load")
# A Redis database no other live test uses; flushed before and after.
LOAD_REDIS_URL = os.environ.get("LIVE_LOAD_REDIS_URL", "redis://127.0.0.1:6379/5")

FLOOD_USERS = 2
SOCKETS_PER_USER = 5  # under the cap of 10 per user, with room for the reconnects
# daphne reads a socket at its pace (realtime.backpressure): a flooder's 20th refused
# 60 KB frame, the one that closes it, is read about 4.5 s after it connects (20 x 60 KB
# at READ_BYTES_PER_SECOND, after READ_BYTES_BURST).
FLOOD_SECONDS = 8.0
# Generous: far above what the bounded worker grows by (docs/benchmarks.md, "Flood"), far
# below an unbounded one, which grows by the flood's whole volume.
RSS_GROWTH_LIMIT_MIB = 150.0
REQUESTS = 300
CONCURRENCY = 20


@pytest.fixture(scope="module")
def live_env() -> Iterator[dict[str, str]]:
    with fresh_environment(LOAD_DB, LOAD_REDIS_URL) as env:
        yield env


def rows(chat_pk: int) -> int:
    return len(contents_in_db(LOAD_DB, chat_pk))


async def say_and_hear(worker: Worker, chat_pk: int, cookie: str, content: str) -> None:
    """Say ``content`` on a new socket and wait for its ``member_message``: the worker
    has then finished every database write queued before it (they run in order on one
    thread)."""
    ws = await open_chat(worker, chat_pk, cookie)
    arrived: list[dict[str, Any]] = []
    try:
        await say(ws, content)
        async with asyncio.timeout(FRAME_SECONDS):
            while True:
                arrived.append(json.loads(await ws.recv()))
                if arrived[-1].get("payload", {}).get("content") == content:
                    return
    except TimeoutError:
        pytest.fail(
            f"awaited the member_message {content!r} for {FRAME_SECONDS:g}s after the flood; "
            f"arrived instead: {arrived or 'nothing'}. The worker is still busy with the "
            f"flood (or lost the message). Its log:\n{worker.log_tail()}"
        )
    finally:
        await ws.close()


def test_padded_frame_flood_is_answered_and_bounded(
    live_env: dict[str, str], start_worker: StartWorker
) -> None:
    worker = start_worker("flood")
    worker.wait_ready()  # bin/entrypoint has migrated the database by now
    chat_pk, cookies = create_fanout_chat(live_env, FLOOD_USERS + 1, "flood")
    flood_cookies = [cookie for cookie in cookies[:FLOOD_USERS] for _ in range(SOCKETS_PER_USER)]
    rows_before = rows(chat_pk)

    async def scenario() -> None:
        with sampling_rss(worker.process.pid) as rss:  # one worker: bin/entrypoint execs daphne
            result = await run_flood(
                worker, chat_pk, flood_cookies, cookies[-1], FLOOD_SECONDS, worker.process.pid
            )
            rows_left = rows(chat_pk)
            await say_and_hear(worker, chat_pk, cookies[-1], "after the flood")
            rows_after = rows(chat_pk) - 1  # without "after the flood"
        growth = rss.peak - result.rss_before_mib
        print(
            f"\nflood: {result.sockets} sockets x {FLOOD_SECONDS:g} s, {result.frames_sent} "
            f"frames sent on {len(result.connections)} connections; {result.answered} answered "
            f"error(s) then 4429, {len(result.unanswered)} closed otherwise, "
            f"{result.still_open} open at the end, {result.refused_at_connect} refused at "
            f"connect, connect failures {dict(result.connect_failures)}; RSS "
            f"{result.rss_before_mib:.0f} -> peak {rss.peak:.0f} MiB (+{growth:.0f}); rows "
            f"during {rows_left - rows_before}, after the clients left {rows_after - rows_left}; "
            f"{len(result.pings.round_trips_ms)} pings answered, failures {result.pings.failures}"
        )
        assert result.pings.connected, f"the pinging member was not admitted: {result.pings}"
        assert not result.pings.failures, "the pinging member was not answered"
        assert not result.connect_failures, "flooding sockets could not connect"
        never_answered = [
            [c.describe() for c in result.connections if c.socket == socket]
            for socket in range(result.sockets)
            if not any(c.answered for c in result.connections if c.socket == socket)
        ]
        assert not never_answered, (
            f"{len(never_answered)} of {result.sockets} flooding sockets were never answered "
            f"with error frames then 4429 in {FLOOD_SECONDS:g}s: {never_answered[:3]}"
        )
        assert not result.unanswered, (
            "the server closed flooding sockets without error frames then 4429: "
            f"{[c.describe() for c in result.unanswered[:5]]}"
        )
        assert growth < RSS_GROWTH_LIMIT_MIB, (
            f"the flood grew the worker by {growth:.0f} MiB ({result.rss_before_mib:.0f} -> "
            f"{rss.peak:.0f}), over the bound of {RSS_GROWTH_LIMIT_MIB:g} MiB"
        )
        assert rows_after == rows_left, (
            f"{rows_after - rows_left} rows were written after the flooding clients left"
        )

    asyncio.run(scenario())


def test_concurrent_gets_answer_without_5xx_within_the_connection_bound(
    live_env: dict[str, str], start_worker: StartWorker
) -> None:
    worker = start_worker("rest")
    worker.wait_ready()
    chat_pk, cookies = create_fanout_chat(live_env, 1, "rest")
    # docs/settings.md, "Database connections": at most DATABASE_POOL_MAX_SIZE per daphne process.
    bound = int(live_env.get("DATABASE_POOL_MAX_SIZE", "10"))
    url = f"{worker.url}/api/groups/{chat_pk}/messages/"
    result = fire_gets(url, cookies[0], LOAD_DB, REQUESTS, CONCURRENCY)
    print(
        f"\n{REQUESTS} GETs at concurrency {CONCURRENCY}: statuses {dict(result.statuses)}, "
        f"no answer {dict(result.failures)}, {REQUESTS / result.seconds:.0f} req/s; "
        f"PostgreSQL connections peak {result.peak_connections} (bound {bound}), "
        f"left open {result.final_connections}"
    )
    assert result.server_errors == 0, f"5xx answers: {dict(result.statuses)}"
    assert result.other_failures == 0, (
        f"GETs not answered 200: {dict(result.statuses)}, {dict(result.failures)}"
    )
    assert result.peak_connections <= bound, (
        f"{result.peak_connections} PostgreSQL connections, over the bound of {bound}"
    )


def test_daphne_refuses_a_frame_over_the_layers_limit_before_the_consumer_sees_it(
    live_env: dict[str, str], start_worker: StartWorker
) -> None:
    """Not daphne's default of 1 MiB: bin/entrypoint gives daphne the consumer layer's
    limit in bytes (REALTIME_MAX_FRAME_CHARS x 4, the most those characters take as
    UTF-8), so a frame no consumer would accept is never buffered whole for one."""
    worker = start_worker("limit")
    worker.wait_ready()
    chat_pk, cookies = create_fanout_chat(live_env, 1, "limit")
    limit = RealtimeSettings().max_frame_bytes  # the container's default

    async def scenario() -> None:
        ws = await open_chat(worker, chat_pk, cookies[0])
        try:
            # Under daphne's limit, over the consumer's: the consumer explains.
            await ws.send(" " * (limit - 1))
            answer = await recv_json(ws)
            assert answer["action"] == "error", answer
            assert answer["payload"]["message"].startswith("Frame too large"), answer
            # One byte over daphne's limit: daphne closes the socket itself.
            await ws.send(" " * (limit + 1))
            # (A frame back instead fails with pytest's DID NOT RAISE.)
            with pytest.raises(ConnectionClosed) as closed:
                await recv_json(ws)
            # Autobahn (daphne's WebSocket) drops the connection at once: no close
            # frame, or 1009 (too big); never the consumer's own close codes.
            close = closed.value.rcvd
            assert close is None or close.code == 1009, (
                f"closed {close.code} {close.reason!r}: not by daphne's limit"
            )
            print(f"\nover daphne's limit of {limit} bytes: {closed.value!r}")
        finally:
            await ws.close()

    asyncio.run(scenario())


# A sender within the rate limit (5 a second, for 4 s) that the worker cannot answer: its
# saves wait on a lock the test holds on the messages' table. Before, its 9th unanswered
# frame closed it ("Too many messages waiting", 4429).
STALLED_RATE = 5.0
STALLED_MESSAGES = 20
# A flooder on the same worker: as many new messages as fast as it can.
FLOOD_MESSAGES = 150


@contextmanager
def saves_stalled(chat_pk: int) -> Iterator[None]:
    """No message can be saved in the live database while the block runs (a lock on the
    messages' table that conflicts with INSERT, not with reads): the worker is
    overloaded as a slow database makes it, and every sender's frames wait on it."""
    with psycopg.connect(pg_url(LOAD_DB)) as conn:
        conn.execute(b"LOCK TABLE chat_chatmessage IN EXCLUSIVE MODE")
        yield
        conn.commit()


def test_a_sender_within_the_rate_is_slowed_by_an_overloaded_worker_a_flooder_closed(
    live_env: dict[str, str], start_worker: StartWorker
) -> None:
    """While the worker cannot save, the sender within the rate gets no answer; its
    frames beyond the cap on frames in flight wait, unread, and it is never closed:
    once the worker catches up, every one of its messages is saved once and comes back
    to it. A flooder on the same worker is still answered with errors and closed 4429."""
    worker = start_worker("slowed")
    worker.wait_ready()
    chat_pk, cookies = create_fanout_chat(live_env, 2, "slowed")

    async def scenario() -> None:
        steady = await open_chat(worker, chat_pk, cookies[0])
        flooder = await open_chat(worker, chat_pk, cookies[1])
        steady_heard: list[dict[str, Any]] = []
        contents = [f"steady {n}" for n in range(STALLED_MESSAGES)]
        try:
            with saves_stalled(chat_pk):
                for content in contents:
                    await say(steady, content)
                    await asyncio.sleep(1 / STALLED_RATE)  # the pace of a rate
                for n in range(FLOOD_MESSAGES):
                    await say(flooder, f"flood {n}")
            flood_frames, flood_close = await frames_until_closed(flooder)
            async with asyncio.timeout(3 * FRAME_SECONDS):
                while not set(contents) <= heard_contents(steady_heard):
                    steady_heard.append(json.loads(await steady.recv()))
        except TimeoutError:
            pytest.fail(
                f"awaited each of the steady sender's {STALLED_MESSAGES} messages back once "
                f"the worker could save again; heard {sorted(heard_contents(steady_heard))}, "
                f"frames {steady_heard[-5:]}. Worker log:\n{worker.log_tail()}"
            )
        except ConnectionClosed as exc:
            pytest.fail(
                f"the steady sender, within the rate, was closed {exc.rcvd} after "
                f"{steady_heard[-3:]}: it should have been slowed down"
            )
        finally:
            await steady.close()
            await flooder.close()
        errors = [f["payload"]["message"] for f in flood_frames if f["action"] == "error"]
        print(
            f"\nslowed, not closed: {STALLED_MESSAGES} steady messages heard back; flooder "
            f"answered {len(errors)} errors, then closed {flood_close}"
        )
        assert flood_close == 4429, f"the flooder was not closed 4429: {flood_frames[-3:]}"
        assert errors, f"the flooder was closed without an error frame: {flood_frames[-3:]}"
        assert set(errors) == {"Too many messages: at most 10 per second."}
        assert flood_frames[-1]["payload"]["status_code"] == 429
        stored = contents_in_db(LOAD_DB, chat_pk)
        assert sorted(c for c in stored if c.startswith("steady")) == sorted(contents)

    asyncio.run(scenario())


def heard_contents(frames: list[dict[str, Any]]) -> set[str]:
    return {frame["payload"]["content"] for frame in frames if frame["action"] == "member_message"}


async def frames_until_closed(ws: ClientConnection) -> tuple[list[dict[str, Any]], int | None]:
    """Every frame up to the server's close, and its code (within a deadline)."""
    frames: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(3 * FRAME_SECONDS):
            while True:
                frames.append(json.loads(await ws.recv()))
    except ConnectionClosed as exc:
        return frames, exc.rcvd.code if exc.rcvd else None
    except TimeoutError:
        pytest.fail(f"awaited the flooder's close; it got {frames[-3:]} and stays open")
