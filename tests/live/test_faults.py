"""Faults, with the app started as the container starts it (``bin/entrypoint``).

Two workers (A and B, one daphne each, on their own free ports on 127.0.0.1)
share a PRIVATE ``redis-server`` (started here on a free port; the machine's
Redis on 6379 is never touched) and a dedicated PostgreSQL database
(``live_faults``, or ``LIVE_FAULTS_DB``; dropped at the end). The Redis restart under
REST and WebSocket load puts them behind HAProxy on the repository's config/haproxy.cfg
(``tests/support/proxy.py``), as compose runs them: its clients reach them through the
proxy only.

The clients behave as the web page does (``tests.support.live.ChatClient``):
every message carries a client id and stays pending until ``message_saved``
answers it; a client whose socket closes opens another at once and sends every
pending message again, with the same id. What the app guarantees, and these
tests check, for every client id a client tried:

- It is stored exactly once (rows counted per client id in SQL): nothing a
  client tried is lost, and a resend of a message saved before its answer was
  lost (worker killed, socket closed by the server) stores nothing new: it is
  answered ``duplicate: true`` with the original message.
- Every answer for one client id names the same message, and that message is in
  the REST history, which equals the database; a message saved while its relay
  failed (Redis down) is answered ``relayed: false`` and is in the history too.
- No sender is ever sent an ``error`` for a message that was saved.
- After Redis restarts, messages flow between the workers again without
  restarting daphne. Redis keeps the group memberships, so a restarted
  Redis has forgotten them: a socket opened before the restart must be
  reconnected to hear the group again (the server closes it, or the client
  reconnects when it notices it was told nothing); new sockets work at once.

Every wait is for an event, with a deadline, and every loop has a bound; every
process started here is killed in teardown. Figures are printed (run with
``-s`` to see them).
"""

import asyncio
import json
import os
import re
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.support.delivery import (
    PROBE_SECONDS,
    RECOVERY_SECONDS,
    STREAM_SECONDS,
    answered,
    both_ways,
    check_each_message_stored_once,
    cross,
    print_figures,
    redis_outage,
    stream,
)
from tests.support.fanout import create_fanout_chat
from tests.support.live import (
    FRAME_SECONDS,
    HTTP,
    ChatClient,
    Endpoint,
    RedisServer,
    StartWorker,
    Worker,
    app_environment,
    chat_ws_url,
    connect_socket,
    connected,
    create_chat,
    login,
    open_chat,
    recreate_database,
    recv_json,
    started_workers,
)
from tests.support.load import RestTraffic, request, rest_traffic
from tests.support.processes import free_port
from tests.support.proxy import (
    SERVER_DOWN,
    TRUSTING_THE_PROXY,
    Proxy,
    sockets_held,
    started_proxy,
)

pytestmark = pytest.mark.live

FAULTS_DB = os.environ.get("LIVE_FAULTS_DB", "live_faults")
# Pairs of sockets sending one client id at once.
RACES = 5


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


@dataclass
class TwoWorkers:
    """Workers A and B, ready, and a chat of two members: the owner logged in on A,
    the member on B (a cookie works on either worker)."""

    a: Worker
    b: Worker
    chat_pk: int
    owner_cookie: str
    member_cookie: str


def two_workers(
    env: dict[str, str], workers: StartWorker, owner: str, member: str, **overrides: str
) -> TwoWorkers:
    """Workers A and B on ``env`` (plus ``overrides``), and the chat of two."""
    worker_a, worker_b = workers("A", **overrides), workers("B", **overrides)
    worker_a.wait_ready()
    worker_b.wait_ready()
    chat_pk = create_chat(env, owner, member)["chat"]
    return TwoWorkers(worker_a, worker_b, chat_pk, login(worker_a, owner), login(worker_b, member))


def test_a_killed_worker_loses_no_message_and_stores_none_twice(
    faults_env: dict[str, str], workers: StartWorker
) -> None:
    two = two_workers(faults_env, workers, "gina", "hank")
    total, kill_after = 24, 10
    figures: dict[str, object] = {}

    async def kill_a(gina: ChatClient, hank: ChatClient) -> None:
        await answered(gina, kill_after)
        figures["unanswered when A was killed (gina / hank)"] = (
            f"{len(gina.pending)} / {len(hank.pending)}"
        )
        killed = time.perf_counter()
        assert await asyncio.to_thread(two.a.stop, signal.SIGKILL) != 0
        await gina.wait_until(
            "the close of her socket on A",
            partial(gina.closed_since, killed),
            FRAME_SECONDS,
            "her socket outlived worker A",
        )
        closed = min(at for at, _ in gina.closes if at >= killed)
        figures["A killed -> gina's socket closed (ms)"] = (closed - killed) * 1000

    async def scenario() -> list[ChatClient]:
        # gina on A (her reconnects go to B once A is gone), hank on B.
        gina = ChatClient("gina", [two.a, two.b], two.chat_pk, two.owner_cookie)
        hank = ChatClient("hank", [two.b], two.chat_pk, two.member_cookie)
        async with connected(gina, hank):
            await asyncio.gather(stream(gina, total), stream(hank, total), kill_a(gina, hank))
        return [gina, hank]

    clients = asyncio.run(scenario())
    figures.update(
        check_each_message_stored_once(FAULTS_DB, clients, two.b, two.chat_pk, two.member_cookie)
    )
    print_figures("faults: worker A SIGKILLed mid-stream", figures)


def test_redis_restarted_mid_stream_loses_no_message_and_stores_none_twice(
    faults_env: dict[str, str], redis_server: RedisServer, workers: StartWorker
) -> None:
    two = two_workers(faults_env, workers, "erin", "frank")
    total, restart_after = 16, 6
    figures: dict[str, object] = {}

    async def restart_redis(erin: ChatClient, frank: ChatClient) -> None:
        """Kill Redis mid-stream, start it again once erin has seen the outage, then
        probe until a message crosses from A to B again."""
        await answered(erin, restart_after)
        await redis_outage(redis_server.kill, redis_server.start, erin, [frank], figures)

    async def scenario() -> list[ChatClient]:
        erin = ChatClient("erin", [two.a], two.chat_pk, two.owner_cookie)
        frank = ChatClient("frank", [two.b], two.chat_pk, two.member_cookie)
        async with connected(erin, frank):
            await cross(erin, frank, "before the restart")
            await asyncio.gather(
                stream(erin, total), stream(frank, total), restart_redis(erin, frank)
            )
            # Both ways, on the same daphne processes as before.
            await both_ways(erin, frank, "after the restart")
        return [erin, frank]

    clients = asyncio.run(scenario())
    # Neither daphne was restarted.
    assert two.a.process.poll() is None
    assert two.b.process.poll() is None
    figures.update(
        check_each_message_stored_once(FAULTS_DB, clients, two.b, two.chat_pk, two.member_cookie)
    )
    print_figures("faults: Redis restarted mid-stream under two workers", figures)


def test_a_retried_client_id_stores_one_row(
    faults_env: dict[str, str], workers: StartWorker
) -> None:
    two = two_workers(faults_env, workers, "ivy", "jack")
    stored_by: Counter[str] = Counter()

    async def answers(client: ChatClient, client_id: str, count: int) -> list[dict[str, Any]]:
        await client.wait_until(
            f"{count} message_saved for client id {client_id}",
            lambda: len(client.answers(client_id)) >= count,
            FRAME_SECONDS,
            "a resend of a known client id is not answered",
        )
        return client.answers(client_id)

    async def scenario() -> list[ChatClient]:
        # Two sockets of one user, one on each worker.
        on_a = ChatClient("ivy on A", [two.a], two.chat_pk, two.owner_cookie)
        on_b = ChatClient("ivy on B", [two.b], two.chat_pk, two.owner_cookie)
        async with connected(on_a, on_b):
            # Twice on one socket, as a client resends when an answer is late.
            client_id = await on_a.say("said twice on one socket")
            await on_a.say("said twice on one socket", client_id)
            twice = await answers(on_a, client_id, 2)
            assert [saved["duplicate"] for saved in twice] == [False, True], twice
            # At once on both sockets: two workers race to insert the same client id.
            for number in range(RACES):
                client_id = uuid.uuid4().hex
                content = f"said at once on A and B {number}"
                await asyncio.gather(on_a.say(content, client_id), on_b.say(content, client_id))
                on_each = {
                    client.name: await answers(client, client_id, 1) for client in (on_a, on_b)
                }
                flags = sorted(saved["duplicate"] for got in on_each.values() for saved in got)
                assert flags == [False, True], on_each
                stored_by.update(
                    name for name, got in on_each.items() for saved in got if not saved["duplicate"]
                )
        return [on_a, on_b]

    clients = asyncio.run(scenario())
    figures = check_each_message_stored_once(
        FAULTS_DB, clients, two.a, two.chat_pk, two.owner_cookie
    )
    figures["races won (stored first)"] = dict(stored_by)
    print_figures("faults: one client id sent twice", figures)


# REST answers to wait for while Redis is down, and after it is back.
REST_DURING_OUTAGE = 40
REST_AFTER_OUTAGE = 20
REST_THREADS = 4
# New sockets opened while Redis is down (the proxy sends each to a worker).
HANDSHAKES_DURING_OUTAGE = 2
# How long a login may wait for the worker's password-hashing slot (each thread's at
# once: REST_THREADS hashes in a row), well within the client's timeout.
HASH_WAIT_SECONDS = 15


def csrf_cookie(entry: Endpoint) -> str:
    """A CSRF secret the app set as the ``csrftoken`` cookie (sent back as both the
    cookie and the header, as a page does)."""
    with HTTP.open(f"{entry.url}/api/auth/csrf/", timeout=FRAME_SECONDS) as response:
        jar: SimpleCookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    return jar["csrftoken"].value


def rest_calls(entry: Endpoint, two: TwoWorkers, thread: int) -> dict[str, Callable[[], int | str]]:
    """What one thread of REST traffic asks of the app at ``entry``, logged in as the
    chat's owner: reads on the authenticated path, a write that pushes to sockets, and a
    throttled endpoint (a login that fails)."""
    base, chat, cookie = entry.url, two.chat_pk, two.owner_cookie
    csrf = csrf_cookie(entry)
    return {
        "GET /api/auth/me/": partial(request, f"{base}/api/auth/me/", cookie),
        "GET /api/groups/": partial(request, f"{base}/api/groups/", cookie),
        "GET messages": partial(request, f"{base}/api/groups/{chat}/messages/", cookie),
        "PATCH rename": partial(
            request,
            f"{base}/api/groups/{chat}/",
            cookie,
            method="PATCH",
            body={"name": f"Live {thread}"},
            csrf=csrf,
        ),
        "POST login (wrong password)": partial(
            request,
            f"{base}/api/auth/login/",
            "",
            method="POST",
            body={"username": "nobody", "password": "wrong"},
            csrf=csrf,
        ),
    }


async def frames_until(ws: ClientConnection, action: str) -> list[str]:
    """The actions of the frames up to and including the first ``action``; if the
    socket closes first, the last entry says so (``closed <code>``)."""
    actions: list[str] = []
    while not actions or actions[-1] != action:
        try:
            actions.append((await recv_json(ws))["action"])
        except ConnectionClosed:
            return [*actions, f"closed {ws.close_code}"]
    return actions


async def send_all(ws: ClientConnection, *actions: str) -> None:
    """Send a frame of each action; nothing if the socket is closed (the frames that
    follow say so)."""
    with suppress(ConnectionClosed):
        for action in actions:
            await ws.send(json.dumps({"action": action}))


async def handshake_outcome(entry: Endpoint, chat_pk: int, cookie: str) -> str:
    """Open a socket as a page does; how it went: the authentication status and, when
    refused, the close code; or the exception when no WebSocket was opened."""
    try:
        ws, first = await connect_socket(chat_ws_url(entry, chat_pk), cookie)
    except ConnectionClosed as exc:
        return f"closed {exc.rcvd.code if exc.rcvd else 'without a close frame'}"
    except (InvalidHandshake, OSError, TimeoutError) as exc:
        return f"no socket: {exc!r}"
    status = first["payload"]["status_code"] if first["action"] == "authentication" else first
    if status == 200:
        await ws.close()
        return "200"
    with suppress(ConnectionClosed, TimeoutError):
        await recv_json(ws)
    return f"{status}, closed {ws.close_code}"


def test_a_redis_restart_under_rest_and_websocket_load_answers_no_500(
    faults_env: dict[str, str], redis_server: RedisServer, workers: StartWorker, tmp_path: Path
) -> None:
    """Redis is killed under REST traffic and two members streaming over WebSockets,
    then started again, with both workers behind HAProxy on config/haproxy.cfg as
    compose runs them: every request and socket goes through the proxy, which spreads
    them over A and B (the members' sockets: one on each). Nothing is answered 500 or
    1011, and the proxy keeps both workers in (its checks are of liveness, not of
    Redis): REST reads, writes and logins are answered as usual (revocations are in
    the database, the cache falls back to each worker's memory, a push after a write
    is logged); open sockets stay open and answer here, typing and ping; a handshake
    during the outage is told 503 and closed 4503; once Redis is back, the sockets
    join their groups again and messages cross the workers with no client
    reconnecting."""
    two = two_workers(
        faults_env,
        workers,
        "kate",
        "liam",
        **TRUSTING_THE_PROXY,
        # The threads' failed logins often reach one worker together through the proxy,
        # where the password-hashing bound would shed the ones that wait longer than its
        # default for the slot (503, Retry-After): they wait their turn here instead.
        PASSWORD_HASH_WAIT_SECONDS=str(HASH_WAIT_SECONDS),
    )
    figures: dict[str, object] = {}
    handshakes: list[str] = []
    probe_frames: list[str] = []
    held: dict[str, int] = {}

    async def outage(
        proxy: Proxy,
        kate: ChatClient,
        liam: ChatClient,
        probe: ClientConnection,
        traffic: RestTraffic,
    ) -> None:
        await answered(kate, 6)
        killed, before = time.perf_counter(), traffic.count
        await asyncio.to_thread(redis_server.kill)
        # While Redis is down: an open socket's ephemeral frames, new handshakes, REST.
        await send_all(probe, "here")
        probe_frames.extend(await frames_until(probe, "online_members"))
        await send_all(probe, "typing", "ping")
        probe_frames.extend(await frames_until(probe, "pong"))
        for _ in range(HANDSHAKES_DURING_OUTAGE):
            handshakes.append(await handshake_outcome(proxy, two.chat_pk, two.owner_cookie))
        assert await asyncio.to_thread(
            traffic.wait_for, before + REST_DURING_OUTAGE, STREAM_SECONDS
        ), f"REST answered only {traffic.count - before} requests while Redis was down"
        figures["REST answers while Redis was down"] = traffic.count - before
        figures["Redis down for (ms)"] = (time.perf_counter() - killed) * 1000
        figures["Redis back after (ms)"] = await asyncio.to_thread(redis_server.start) * 1000
        restarted = time.perf_counter()
        await heard_again(kate, liam)
        figures["Redis up -> a message crosses the workers (ms)"] = (
            time.perf_counter() - restarted
        ) * 1000
        after = traffic.count
        assert await asyncio.to_thread(
            traffic.wait_for, after + REST_AFTER_OUTAGE, STREAM_SECONDS
        ), "REST stopped answering after Redis came back"

    async def scenario(proxy: Proxy) -> tuple[list[ChatClient], RestTraffic]:
        kate = ChatClient("kate", [proxy], two.chat_pk, two.owner_cookie)
        liam = ChatClient("liam", [proxy], two.chat_pk, two.member_cookie)
        async with connected(kate, liam):
            # The proxy sends each new socket to the worker holding fewer.
            held.update({worker.name: sockets_held(worker) for worker in (two.a, two.b)})
            assert all(held.values()), f"a worker holds neither member's socket: {held}"
            probe = await open_chat(proxy, two.chat_pk, two.owner_cookie)
            await cross(kate, liam, "before the restart")
            calls = [rest_calls(proxy, two, thread) for thread in range(REST_THREADS)]
            with rest_traffic(calls) as traffic:
                await asyncio.gather(
                    stream(kate, 16), stream(liam, 16), outage(proxy, kate, liam, probe, traffic)
                )
            await send_all(probe, "ping")
            probe_frames.extend(await frames_until(probe, "pong"))
            await probe.close()
        return [kate, liam], traffic

    with started_proxy([two.a, two.b], tmp_path) as proxy:
        clients, traffic = asyncio.run(scenario(proxy))
        figures.update(
            check_each_message_stored_once(
                FAULTS_DB, clients, proxy, two.chat_pk, two.member_cookie
            )
        )
    # The proxy has stopped: its whole log is written.
    proxy_log = proxy.watch.log_text()

    figures["members' sockets held per worker"] = held
    figures["requests and sockets the proxy sent to each worker"] = dict(
        Counter(re.findall(r" www web/(\w+) ", proxy_log))
    )
    figures["REST answers (kind: {status: count})"] = {
        kind: dict(statuses) for kind, statuses in traffic.answers.items()
    }
    figures["handshakes while Redis was down"] = handshakes
    figures["an open socket's frames (here, typing, ping; ping after)"] = Counter(probe_frames)
    figures["closes seen by the streaming clients"] = [
        how for client in clients for _, how in client.closes
    ]
    print_figures("faults: Redis restarted under REST and WebSocket load, behind HAProxy", figures)
    assert traffic.server_errors() == dict.fromkeys(traffic.answers, 0), traffic.answers
    # Besides the members' messages it heard: its answers, and no error or close.
    answers = [action for action in probe_frames if action != "member_message"]
    assert answers == ["online_members", "pong", "pong"], probe_frames
    assert all(outcome in {"200", "503, closed 4503"} for outcome in handshakes), handshakes
    for client in clients:
        assert not client.closes, f"{client.name}: {client.summary()}"
        assert not client.errors, f"{client.name}: {client.summary()}"
    assert two.a.process.poll() is None
    assert two.b.process.poll() is None
    for worker in (two.a, two.b):
        assert not re.search(SERVER_DOWN.format(name=worker.name), proxy_log), proxy_log[-2000:]


async def heard_again(sender: ChatClient, listener: ChatClient) -> None:
    """Probe until a message of ``sender`` reaches ``listener`` (on the other worker),
    neither reconnecting: their sockets join their groups again by themselves."""
    deadline = time.perf_counter() + RECOVERY_SECONDS
    for attempt in range(int(RECOVERY_SECONDS / PROBE_SECONDS) + 1):
        if time.perf_counter() > deadline:
            break
        probe = await sender.say(f"after the restart, probe {attempt}")
        if await listener.wait(partial(listener.has_heard, probe), PROBE_SECONDS):
            return
    pytest.fail(
        f"no message of {sender.name} reached {listener.name} {RECOVERY_SECONDS:.0f} s after "
        f"Redis was back. {listener.name}: {listener.summary()}. Likely cause: the sockets "
        "did not join their groups again (a restarted Redis forgets them)."
    )


# Sockets per worker in the test of every socket through a restart.
RESTART_SOCKETS_PER_WORKER = 30
# What "every socket recovers" is allowed: from Redis answering again until each open
# socket has heard a message sent after it (or was closed, to reconnect). Under the
# sockets' first refresh of their groups (15-30 s after they open: realtime.membership),
# so that only the worker's own recovery can meet it.
EVERY_SOCKET_SECONDS = 12.0


@dataclass
class Member:
    """One member's socket, read all along: the client ids of the messages it heard,
    and its close code once the server closed it."""

    ws: ClientConnection
    heard: set[str] = field(default_factory=set)
    closed: int | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def listen(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame.get("action") == "member_message":
                    self.heard.add(frame["payload"]["client_id"])
                    self.changed.set()
        except ConnectionClosed as exc:
            self.closed = exc.rcvd.code if exc.rcvd else 1006
            self.changed.set()


async def not_yet(everyone: list[Member], done: Callable[[Member], bool], seconds: float) -> int:
    """Wait until ``done`` holds for every member (checked as each hears or closes), or
    ``seconds`` pass; how many it does not hold for."""
    deadline = time.perf_counter() + seconds
    for member in everyone:
        while not done(member):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return sum(not done(other) for other in everyone)
            member.changed.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(member.changed.wait(), remaining)
    return 0


def test_after_a_redis_restart_every_socket_recovers_or_is_closed_within_a_bound(
    faults_env: dict[str, str], redis_server: RedisServer, workers: StartWorker
) -> None:
    """60 sockets on two workers stay open, untouched by their clients, while Redis is
    killed and started again with nothing in it (the groups forgotten). Within
    EVERY_SOCKET_SECONDS of Redis answering, each of them either hears a message said
    after the restart (its worker joined it to its groups again by itself) or was
    closed by the server (so its page reconnects): none is left open and deaf. Every
    message the sender was answered ``message_saved`` for is stored once."""
    worker_a, worker_b = workers("A"), workers("B")
    worker_a.wait_ready()
    worker_b.wait_ready()
    members = 2 * RESTART_SOCKETS_PER_WORKER
    chat_pk, cookies = create_fanout_chat(faults_env, members + 1, "restart")
    figures: dict[str, object] = {}

    async def scenario() -> None:
        sockets = await asyncio.gather(
            *(
                open_chat(worker_a if n % 2 else worker_b, chat_pk, cookie)
                for n, cookie in enumerate(cookies[:members])
            )
        )
        everyone = [Member(ws) for ws in sockets]
        listeners = [asyncio.create_task(member.listen()) for member in everyone]
        sender = ChatClient("sender", [worker_a], chat_pk, cookies[-1])
        probes: set[str] = set()

        def recovered(member: Member) -> bool:
            return member.closed is not None or bool(member.heard & probes)

        try:
            async with connected(sender):
                before = await sender.say("before the restart")
                missing = await not_yet(everyone, lambda m: before in m.heard, FRAME_SECONDS)
                assert not missing, f"before the restart: not heard by {missing} sockets"
                await asyncio.to_thread(redis_server.kill)
                await sender.say("while Redis is down")
                figures["Redis back after (ms)"] = (
                    await asyncio.to_thread(redis_server.start) * 1000
                )
                back = time.perf_counter()
                deaf = members
                for attempt in range(int(EVERY_SOCKET_SECONDS / PROBE_SECONDS) + 1):
                    probes.add(await sender.say(f"after the restart, probe {attempt}"))
                    deaf = await not_yet(everyone, recovered, PROBE_SECONDS)
                    if not deaf:
                        break
                assert not deaf, (
                    f"{deaf} of {members} sockets were still open and had heard no message "
                    f"said after the restart, {EVERY_SOCKET_SECONDS:g} s after Redis answered "
                    f"again. Worker A's log:\n{worker_a.log_tail()}"
                )
                figures["Redis up -> every socket heard or closed (ms)"] = (
                    time.perf_counter() - back
                ) * 1000
                figures["sockets closed by the server"] = sum(
                    member.closed is not None for member in everyone
                )
                # The sender's answers all in: what it was told saved is checked below.
                await sender.wait_until(
                    "every message answered",
                    lambda: not sender.pending,
                    RECOVERY_SECONDS,
                    "a message of the sender was never answered",
                )
        finally:
            for listener in listeners:
                listener.cancel()
            await asyncio.gather(*listeners, return_exceptions=True)
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        figures.update(
            check_each_message_stored_once(FAULTS_DB, [sender], worker_b, chat_pk, cookies[-1])
        )

    asyncio.run(scenario())
    print_figures(f"faults: Redis restarted under {members} idle sockets", figures)
