"""Faults, with the app started as the container starts it (``bin/entrypoint``).

Two workers (A and B, one daphne each, on their own free ports on 127.0.0.1)
share a PRIVATE ``redis-server`` (started here on a free port; the machine's
Redis on 6379 is never touched) and a dedicated PostgreSQL database
(``live_faults``, dropped at the end).

What the app guarantees, and these tests check:

- A message is *acknowledged* when its ``member_message`` comes back to the
  sender's socket. The app saves a message before it relays it, so every
  acknowledged message is in the database and in the REST history.
- A message whose relay failed (Redis down, worker killed) may be saved
  without reaching the members live: it is in the history, never lost silently,
  and a client catches up from the history after it reconnects. Its sender is
  told ``message_saved`` with ``relayed: false``, never an error.
- After Redis restarts, messages flow between the workers again without
  restarting daphne. Redis keeps the group memberships, so a restarted
  Redis has forgotten them: a socket opened before the restart must be
  reconnected to hear the group again (the server closes it, or the client
  reconnects when it notices it was told nothing); new sockets work at once.

Every wait has a deadline and every loop a bound; every process started here
is killed in teardown. Figures are printed (run with ``-s`` to see them).
"""

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.support.live import (
    FRAME_SECONDS,
    RedisServer,
    StartWorker,
    app_environment,
    contents_in_db,
    create_chat,
    history,
    login,
    open_chat,
    recreate_database,
    recv_json,
    say,
    started_workers,
)
from tests.support.processes import free_port

pytestmark = pytest.mark.live

FAULTS_DB = os.environ.get("LIVE_FAULTS_DB", "live_faults")
RECOVERY_SECONDS = 30.0
PROBE_SECONDS = 2.0


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(port=free_port(), log_path=tmp_path_factory.mktemp("redis") / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture(scope="module")
def faults_env(redis_server: RedisServer) -> Iterator[dict[str, str]]:
    recreate_database(FAULTS_DB, create=True)
    try:
        yield app_environment(FAULTS_DB, redis_server.url)
    finally:
        recreate_database(FAULTS_DB, create=False)


@pytest.fixture
def workers(faults_env: dict[str, str], tmp_path: Path) -> Iterator[StartWorker]:
    with started_workers(faults_env, tmp_path, signal.SIGKILL) as start:
        yield start


async def wait_member_message(
    ws: ClientConnection, content: str, seconds: float
) -> dict[str, object] | None:
    """Read frames until the ``member_message`` carrying ``content``; None when
    ``seconds`` pass first. A closed socket raises ConnectionClosed."""
    deadline = time.perf_counter() + seconds
    for _ in range(10_000):
        left = deadline - time.perf_counter()
        if left <= 0:
            return None
        try:
            frame = await recv_json(ws, left)
        except TimeoutError:
            return None
        if frame.get("action") == "member_message" and frame["payload"]["content"] == content:
            return frame
    return None


def print_figures(title: str, figures: dict[str, object]) -> None:
    print(f"\n{title}:")
    for name, value in figures.items():
        print(f"  {name}: {value:.1f}" if isinstance(value, float) else f"  {name}: {value}")


def test_messages_flow_again_after_redis_restarts(
    faults_env: dict[str, str], redis_server: RedisServer, workers: StartWorker
) -> None:
    worker_a, worker_b = workers("A"), workers("B")
    worker_a.wait_ready()
    worker_b.wait_ready()
    chat_pk = create_chat(faults_env, "erin", "frank")["chat"]
    erin_cookie, frank_cookie = login(worker_a, "erin"), login(worker_b, "frank")
    acknowledged: list[str] = []
    figures: dict[str, object] = {}

    async def exchange(erin: ClientConnection, frank: ClientConnection, content: str) -> bool:
        """erin (on A) says ``content``; True once frank (on B) has it and erin
        has her acknowledgement."""
        await say(erin, content)
        on_b = await wait_member_message(frank, content, PROBE_SECONDS)
        own = await wait_member_message(erin, content, PROBE_SECONDS)
        if own is not None and own["is_current"] is True:
            acknowledged.append(content)
        return on_b is not None and own is not None

    async def scenario() -> None:
        erin = await open_chat(worker_a, chat_pk, erin_cookie)
        frank = await open_chat(worker_b, chat_pk, frank_cookie)
        try:
            for number in range(3):
                assert await exchange(erin, frank, f"before the restart {number}")

            redis_server.kill()
            # A message said while Redis is down is saved, but its relay fails:
            # erin is told it was saved and not relayed (or her socket closes),
            # never that it failed.
            outcome = "no answer"
            try:
                await say(erin, "while Redis is down")
                frame = await recv_json(erin, FRAME_SECONDS)
                outcome = f"{frame['action']}: {frame['payload']}"
                assert frame["action"] == "message_saved", frame
                assert frame["payload"]["relayed"] is False, frame
            except ConnectionClosed as exc:
                outcome = f"socket closed ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
            figures["message while Redis is down"] = outcome

            figures["Redis restart to PING (ms)"] = redis_server.start() * 1000
            restarted = time.perf_counter()
            outcomes: list[str] = []
            recovered = False
            for attempt in range(int(RECOVERY_SECONDS / PROBE_SECONDS) + 1):
                if time.perf_counter() - restarted > RECOVERY_SECONDS:
                    break
                probe_started = time.perf_counter()
                try:
                    if await exchange(erin, frank, f"after the restart, probe {attempt}"):
                        recovered = True
                        break
                    outcome = "not heard"
                except ConnectionClosed as exc:
                    outcome = f"closed {exc.rcvd.code if exc.rcvd else '-'}"
                outcomes.append(
                    f"{outcome} after {(time.perf_counter() - probe_started) * 1000:.0f} ms"
                )
                # Not heard (or closed): the client's reconnect, to the same workers.
                await asyncio.gather(erin.close(), frank.close())
                try:
                    erin = await open_chat(worker_a, chat_pk, erin_cookie)
                    frank = await open_chat(worker_b, chat_pk, frank_cookie)
                except (ConnectionClosed, InvalidHandshake, OSError, TimeoutError) as exc:
                    outcomes.append(f"reconnect refused ({type(exc).__name__}: {exc})")
            assert recovered, f"no message crossed the workers {RECOVERY_SECONDS}s after"
            figures["Redis up -> first message A->B (ms)"] = (
                time.perf_counter() - restarted
            ) * 1000
            figures["client reconnects needed"] = sum(
                not outcome.startswith("reconnect") for outcome in outcomes
            )
            figures["failed probes and reconnects"] = "; ".join(outcomes) or "none"

            # Both ways, on the same daphne processes as before.
            for number in range(3):
                assert await exchange(erin, frank, f"after the restart {number}")
                assert await exchange(frank, erin, f"frank after the restart {number}")
        finally:
            await asyncio.gather(erin.close(), frank.close())

    asyncio.run(scenario())
    # Neither daphne was restarted.
    assert worker_a.process.poll() is None
    assert worker_b.process.poll() is None

    in_history = history(worker_b, chat_pk, frank_cookie)
    in_db = contents_in_db(FAULTS_DB, chat_pk)
    assert Counter(in_history) == Counter(in_db)
    missing = [content for content in acknowledged if content not in in_history]
    assert not missing, missing
    figures["acknowledged / in history"] = f"{len(acknowledged)} / {len(in_history)}"
    print_figures("faults: Redis restarted under two workers", figures)


def test_a_killed_worker_loses_no_persisted_message(
    faults_env: dict[str, str], workers: StartWorker
) -> None:
    worker_a, worker_b = workers("A"), workers("B")
    worker_a.wait_ready()
    worker_b.wait_ready()
    chat_pk = create_chat(faults_env, "gina", "hank")["chat"]
    gina_cookie, hank_cookie = login(worker_a, "gina"), login(worker_b, "hank")
    # Within the per-connection rate limit's burst (30), so every frame is handled.
    total, window, kill_after = 28, 6, 16
    sent: list[str] = []
    acknowledged: list[str] = []
    heard_on_b: list[str] = []
    figures: dict[str, object] = {}

    async def scenario() -> None:
        gina = await open_chat(worker_a, chat_pk, gina_cookie)
        hank = await open_chat(worker_b, chat_pk, hank_cookie)
        closed = asyncio.Event()
        killed_at = 0.0

        async def listen_on_b() -> None:
            for _ in range(total * 4):
                frame = await recv_json(hank, RECOVERY_SECONDS)
                if frame.get("action") == "member_message":
                    heard_on_b.append(str(frame["payload"]["content"]))

        listener = asyncio.create_task(listen_on_b())
        try:
            # A stream with up to ``window`` messages in flight: the next is
            # sent as each acknowledgement arrives; A is killed mid-stream.
            for number in range(window):
                sent.append(f"stream {number}")
                await say(gina, sent[-1])
            for _ in range(total * 4):
                try:
                    frame = await recv_json(gina, FRAME_SECONDS)
                except ConnectionClosed:
                    closed.set()
                    break
                if frame.get("action") != "member_message" or not frame["is_current"]:
                    continue
                acknowledged.append(str(frame["payload"]["content"]))
                if len(acknowledged) == kill_after:
                    killed_at = time.perf_counter()
                    assert worker_a.stop(signal.SIGKILL) != 0
                    figures["in flight when A was killed"] = len(sent) - len(acknowledged)
                if len(sent) < total and not killed_at:
                    sent.append(f"stream {len(sent)}")
                    await say(gina, sent[-1])
            assert closed.is_set(), "gina's socket outlived worker A"
            figures["A killed -> gina's socket closed (ms)"] = (
                time.perf_counter() - killed_at
            ) * 1000
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
            await asyncio.gather(gina.close(), hank.close())

    asyncio.run(scenario())

    in_db = contents_in_db(FAULTS_DB, chat_pk)
    in_history = history(worker_b, chat_pk, hank_cookie)
    assert Counter(in_history) == Counter(in_db), "the history differs from the database"
    assert len(set(in_db)) == len(in_db), "a message was saved twice"
    assert set(acknowledged) <= set(in_db), set(acknowledged) - set(in_db)
    assert set(heard_on_b) <= set(in_db), set(heard_on_b) - set(in_db)
    assert set(in_db) <= set(sent)
    figures["sent / acknowledged / in database / heard on B"] = (
        f"{len(sent)} / {len(acknowledged)} / {len(in_db)} / {len(heard_on_b)}"
    )
    print_figures("faults: worker A SIGKILLed mid-stream", figures)
