"""Scale-out as compose.yaml deploys it, with real processes on this machine.

HAProxy (Debian's binary, ``config/haproxy.cfg``; ``tests/support/proxy.py``) in
front of three workers, each ``bin/entrypoint`` as a web container runs it (one
daphne), on PostgreSQL (``live_scale``, or ``LIVE_SCALE_DB``; dropped at the end),
with the channel layer sharded over two PRIVATE ``redis-server`` processes
(``REDIS_URLS``). Every client connects through the proxy only, and behaves as the
web page does (``ChatClient``: client ids, resend after a reconnect).

What these tests show:

- A message sent through the proxy reaches members whose sockets are held by each
  of the three workers.
- A worker SIGKILLed mid-stream: no message a client tried is lost or stored
  twice; the clients it held reconnect through the proxy (to the other workers)
  within 5 s; the other workers' sockets stay open; the proxy's checks take the
  worker out.
- A Redis shard (the one holding the chat's group) stopped and started again:
  messages flow again through the same three daphne processes.
- A client that trickles its request headers is cut off by the proxy at its
  header timeout, and a client address gets no more than its connection limit.
- With the layer on Redis Sentinel (Debian's ``redis-sentinel``, a master and a
  replica, ``REDIS_SENTINELS``): the master SIGKILLed, the Sentinel promotes the
  replica, and messages flow again between two workers that were never restarted.

Every wait is for an event, with a deadline; figures are printed (``-s``).
"""

import asyncio
import os
import shutil
import signal
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
import redis

from tests.support import processes
from tests.support.delivery import (
    answered,
    both_ways,
    check_each_message_stored_once,
    cross,
    print_figures,
    redis_outage,
    settled,
    stream,
)
from tests.support.fanout import create_fanout_chat
from tests.support.live import (
    FRAME_SECONDS,
    READY_SECONDS,
    ChatClient,
    RedisServer,
    Worker,
    app_environment,
    connected,
    recreate_database,
    started_workers,
)
from tests.support.processes import free_port
from tests.support.proxy import SERVER_DOWN, Proxy, sockets_held, started_proxy

pytestmark = pytest.mark.live

SCALE_DB = os.environ.get("LIVE_SCALE_DB", "live_scale")
MEMBERS = 9  # three sockets per worker, as the proxy spreads them
MOVED_WITHIN_SECONDS = 5.0
HEADER_TIMEOUT_SECONDS = 2.0
CONNECTIONS_PER_CLIENT = 20
# How often the proxy checks each worker here (the shipped default is 2 s too).
CHECK_INTERVAL = "1s"


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[RedisServer]]:
    logs = tmp_path_factory.mktemp("redis-shards")
    servers = [RedisServer(port=free_port(), log_path=logs / f"shard-{n}.log") for n in (1, 2)]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.kill()


@pytest.fixture(scope="module")
def scale_env(shards: list[RedisServer]) -> Iterator[dict[str, str]]:
    recreate_database(SCALE_DB, create=True)
    try:
        yield {
            **app_environment(SCALE_DB, ""),
            "REDIS_URLS": ",".join(shard.url for shard in shards),
        }
    finally:
        recreate_database(SCALE_DB, create=False)


@dataclass
class Deployment:
    """Three workers behind the proxy, and a chat of MEMBERS users."""

    workers: list[Worker]
    proxy: Proxy
    chat_pk: int
    cookies: list[str]

    def clients(self) -> list[ChatClient]:
        """One client per member, each connecting through the proxy only."""
        return [
            ChatClient(f"member {n}", [self.proxy], self.chat_pk, cookie)
            for n, cookie in enumerate(self.cookies)
        ]


@pytest.fixture
def deployment(scale_env: dict[str, str], tmp_path: Path) -> Iterator[Deployment]:
    with started_workers(scale_env, tmp_path, signal.SIGKILL) as start:
        # Started at once, as three containers would be: migrations take turns.
        workers = [start(name) for name in ("A", "B", "C")]
        for worker in workers:
            worker.wait_ready()
        chat_pk, cookies = create_fanout_chat(scale_env, MEMBERS, f"scale-{tmp_path.name}")
        with started_proxy(workers, tmp_path, PROXY_CHECK_INTERVAL=CHECK_INTERVAL) as proxy:
            yield Deployment(workers, proxy, chat_pk, cookies)


async def everyone_hears(clients: Sequence[ChatClient], client_id: str, seconds: float) -> None:
    await asyncio.gather(
        *(
            client.wait_until(
                f"message {client_id} as member_message",
                partial(client.has_heard, client_id),
                seconds,
                "the channel layer does not carry the message to this member's worker",
            )
            for client in clients
        )
    )


def redis_commands(shards: Sequence[RedisServer]) -> list[int]:
    """Commands each shard has processed so far (INFO stats)."""
    counts = []
    for shard in shards:
        client = redis.Redis(host="127.0.0.1", port=shard.port)
        try:
            counts.append(int(client.info("stats")["total_commands_processed"]))
        finally:
            client.close()
    return counts


def test_a_killed_worker_loses_nothing_and_its_clients_move_to_the_others(
    deployment: Deployment, shards: list[RedisServer]
) -> None:
    per_client, kill_after = 8, 3
    worker_a = deployment.workers[0]
    figures: dict[str, object] = {}
    held: dict[str, int] = {}
    moved: list[ChatClient] = []

    async def kill_a(first: ChatClient) -> float:
        await answered(first, kill_after)
        killed = time.perf_counter()
        assert await asyncio.to_thread(worker_a.stop, signal.SIGKILL) != 0
        return killed

    async def scenario() -> list[ChatClient]:
        clients = deployment.clients()
        async with connected(*clients):
            held.update({worker.name: sockets_held(worker) for worker in deployment.workers})
            assert all(held.values()), f"a worker holds no member's socket: {held}"
            assert sum(held.values()) == MEMBERS, held

            sent = time.perf_counter()
            hello = await clients[0].say("hello through the proxy")
            await everyone_hears(clients, hello, FRAME_SECONDS)
            figures["one message to 9 members on 3 workers (ms)"] = (
                time.perf_counter() - sent
            ) * 1000

            commands_before = redis_commands(shards)
            kill = asyncio.create_task(kill_a(clients[0]))
            await asyncio.gather(*(stream(client, per_client) for client in clients))
            killed = await kill
            await asyncio.gather(*(settled(client) for client in clients))
            commands = [
                after - before
                for after, before in zip(redis_commands(shards), commands_before, strict=True)
            ]
            figures["Redis commands per streamed message, per shard"] = [
                round(count / (per_client * MEMBERS), 1) for count in commands
            ]
            moved.extend(client for client in clients if client.closed_since(killed))
            stayed = [client for client in clients if client not in moved]
            assert len(moved) == held["A"], (
                f"{len(moved)} clients closed after A was killed; A held {held['A']} sockets"
            )
            for client in stayed:
                assert client.connections == 1, client.summary()
                assert not client.closes, client.summary()
            back_after = [
                min(at for at in client.opened if at > killed) - killed for client in moved
            ]
            assert max(back_after) < MOVED_WITHIN_SECONDS, back_after
            figures["moved clients back after (ms)"] = [round(s * 1000) for s in back_after]

            # The moved clients talk through the proxy again, to every member.
            said = await moved[0].say("back, on another worker")
            await everyone_hears(clients, said, FRAME_SECONDS)
        return clients

    clients = asyncio.run(scenario())
    deployment.proxy.wait_for_line(SERVER_DOWN.format(name="A"), FRAME_SECONDS)
    assert all(worker.process.poll() is None for worker in deployment.workers[1:])
    figures["sockets held per worker before the kill"] = held
    figures["clients moved / stayed open"] = f"{len(moved)} / {len(clients) - len(moved)}"
    figures["reconnects refused, why"] = [why[:60] for client in moved for why in client.refused]
    figures.update(
        check_each_message_stored_once(
            SCALE_DB, clients, deployment.proxy, deployment.chat_pk, deployment.cookies[0]
        )
    )
    print_figures("scale-out: worker A of 3 SIGKILLed behind HAProxy", figures)


def group_shard(shards: Sequence[RedisServer], chat_pk: int) -> RedisServer:
    """The shard holding the chat's group (channels-redis hashes the group's name,
    ``GroupChat.group_name``)."""
    holding = []
    for shard in shards:
        client = redis.Redis(host="127.0.0.1", port=shard.port)
        try:
            if client.exists(f"asgi:group:group-chat-{chat_pk}"):
                holding.append(shard)
        finally:
            client.close()
    assert len(holding) == 1, f"{len(holding)} shards hold a group"
    return holding[0]


def test_a_redis_shard_restarted_recovers_without_restarting_a_worker(
    deployment: Deployment, shards: list[RedisServer]
) -> None:
    figures: dict[str, object] = {}
    pids = [worker.process.pid for worker in deployment.workers]

    async def scenario() -> list[ChatClient]:
        clients = deployment.clients()
        sender, others = clients[0], clients[1:]
        async with connected(*clients):
            await everyone_hears(clients, await sender.say("before the outage"), FRAME_SECONDS)
            shard = group_shard(shards, deployment.chat_pk)
            figures["shard stopped"] = f"redis-server :{shard.port} (holds the chat's group)"
            await redis_outage(shard.kill, shard.start, sender, others, figures)
            for client in clients[:3]:
                await everyone_hears(clients, await client.say(f"{client.name} after"), 10.0)
            await asyncio.gather(*(settled(client) for client in clients))
        return clients

    clients = asyncio.run(scenario())
    assert [worker.process.pid for worker in deployment.workers] == pids
    assert all(worker.process.poll() is None for worker in deployment.workers)
    figures.update(
        check_each_message_stored_once(
            SCALE_DB, clients, deployment.proxy, deployment.chat_pk, deployment.cookies[0]
        )
    )
    print_figures("scale-out: a Redis shard stopped and started under 3 workers", figures)


@pytest.fixture
def guarded(scale_env: dict[str, str], tmp_path: Path) -> Iterator[Proxy]:
    """One worker behind a proxy with a short header timeout and a low per-client limit."""
    with started_workers(scale_env, tmp_path) as start:
        worker = start("solo")
        worker.wait_ready()
        with started_proxy(
            [worker],
            tmp_path,
            PROXY_HEADER_TIMEOUT=f"{HEADER_TIMEOUT_SECONDS:g}s",
            PROXY_CONNECTIONS_PER_CLIENT=str(CONNECTIONS_PER_CLIENT),
        ) as proxy:
            yield proxy


def test_a_client_trickling_its_headers_is_cut_off_at_the_header_timeout(
    guarded: Proxy,
) -> None:
    """A slowloris: one header byte every 200 ms, never the blank line that ends the
    head. The proxy answers 408 and closes at its header timeout, counted from the
    connection's start, however steadily the bytes come."""
    header = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
    limit = HEADER_TIMEOUT_SECONDS + 1.0
    with socket.create_connection(("127.0.0.1", guarded.port), timeout=limit) as client:
        opened = time.perf_counter()
        answer = b""
        # The pace is the attack (a clock, not a wait for an event); each pause is a
        # read with that timeout, so the proxy's answer ends it at once.
        client.settimeout(0.2)
        for byte in header:
            try:
                answer = client.recv(4096)
            except TimeoutError:
                client.sendall(bytes([byte]))
                continue
            break
        else:
            pytest.fail(
                f"the proxy let {len(header)} header bytes trickle in over "
                f"{time.perf_counter() - opened:.1f} s without cutting the client off"
            )
        cut_after = time.perf_counter() - opened
    status_line = answer.split(b"\r\n", 1)[0].decode()
    assert status_line.startswith("HTTP/1.1 408"), answer[:80]
    assert HEADER_TIMEOUT_SECONDS - 0.2 <= cut_after <= limit, cut_after
    print(
        f"\nscale-out: slow-header client cut off after {cut_after * 1000:.0f} ms "
        f"(PROXY_HEADER_TIMEOUT {HEADER_TIMEOUT_SECONDS:g}s), answered {status_line!r}"
    )


def test_one_client_address_gets_at_most_its_connection_limit(guarded: Proxy) -> None:
    held = [
        socket.create_connection(("127.0.0.1", guarded.port), timeout=FRAME_SECONDS)
        for _ in range(CONNECTIONS_PER_CLIENT)
    ]
    try:
        # Each held connection is answered (and kept alive), so the proxy has counted
        # them all: a bare connect may not be yet, whichever of its threads accepted it.
        for connection in held:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert connection.recv(4096).startswith(b"HTTP/1.1 200"), "a held one was refused"
        # The proxy resets the next one: at connect, on the request, or as the answer.
        try:
            with socket.create_connection(
                ("127.0.0.1", guarded.port), timeout=FRAME_SECONDS
            ) as extra:
                extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                refused = extra.recv(4096)
        except ConnectionResetError:
            refused = b""
        assert refused == b"", (
            f"connection {CONNECTIONS_PER_CLIENT + 1} was answered: {refused[:80]!r}"
        )
    finally:
        for connection in held:
            connection.close()
    print(
        f"\nscale-out: {CONNECTIONS_PER_CLIENT} connections from 127.0.0.1 held, "
        f"the next one closed by the proxy (PROXY_CONNECTIONS_PER_CLIENT {CONNECTIONS_PER_CLIENT})"
    )


SENTINEL_MASTER = "chat"
# The Sentinel's line once it watches the master, once it knows the replica, and
# once it has made the replica the master.
SENTINEL_WATCHING = r"\+monitor master chat "
SENTINEL_KNOWS_REPLICA = r"\+slave slave "
SENTINEL_SWITCHED = r"\+switch-master chat "
FAILOVER_SECONDS = 30.0


@dataclass
class SentinelLayer:
    master: RedisServer
    sentinel: processes.WatchedProcess
    sentinel_port: int


@pytest.fixture
def sentinel_layer(tmp_path: Path) -> Iterator[SentinelLayer]:
    """A master, its replica and one Sentinel watching them (quorum 1: one Sentinel
    may decide alone; production runs three, on separate machines)."""
    binary = shutil.which("redis-sentinel")
    if binary is None:
        pytest.fail("redis-sentinel is not installed (.ci/run installs Debian's package)")
    master = RedisServer(port=free_port(), log_path=tmp_path / "master.log")
    replica = RedisServer(
        port=free_port(),
        log_path=tmp_path / "replica.log",
        # A replica writes the copy it syncs (dump.rdb, even with --save "") to its
        # working directory: this test's, not the work tree.
        options=("--replicaof", "127.0.0.1", str(master.port), "--dir", str(tmp_path)),
    )
    port = free_port()
    config = tmp_path / "sentinel.conf"  # the Sentinel rewrites it as it learns
    config.write_text(
        f"port {port}\nbind 127.0.0.1\ndaemonize no\n"
        f"sentinel monitor {SENTINEL_MASTER} 127.0.0.1 {master.port} 1\n"
        f"sentinel down-after-milliseconds {SENTINEL_MASTER} 1000\n"
        f"sentinel failover-timeout {SENTINEL_MASTER} 10000\n"
    )
    sentinel: processes.WatchedProcess | None = None
    try:
        master.start()
        replica.start()
        sentinel = processes.start(
            f"redis-sentinel on :{port}",
            [binary, str(config)],
            tmp_path / "sentinel.log",
            start_new_session=True,
        )
        try:
            sentinel.wait_for(SENTINEL_WATCHING, READY_SECONDS)
            sentinel.wait_for(SENTINEL_KNOWS_REPLICA, READY_SECONDS)
        except processes.NotReady as exc:
            pytest.fail(str(exc))
        yield SentinelLayer(master, sentinel, port)
    finally:
        if sentinel is not None:
            sentinel.stop(signal.SIGKILL)
        master.kill()
        replica.kill()


def test_a_sentinel_failover_keeps_messages_flowing(
    scale_env: dict[str, str], sentinel_layer: SentinelLayer, tmp_path: Path
) -> None:
    env = {
        **scale_env,
        "REDIS_URLS": "",
        "REDIS_SENTINELS": f"127.0.0.1:{sentinel_layer.sentinel_port}",
        "REDIS_SENTINEL_MASTER": SENTINEL_MASTER,
    }
    figures: dict[str, object] = {}

    def failed_over() -> float:
        """Wait for the Sentinel to promote the replica; how long it took (s)."""
        started = time.perf_counter()
        try:
            sentinel_layer.sentinel.wait_for(SENTINEL_SWITCHED, FAILOVER_SECONDS)
        except processes.NotReady as exc:
            pytest.fail(str(exc))
        return time.perf_counter() - started

    with started_workers(env, tmp_path, signal.SIGKILL) as start:
        workers = [start("A"), start("B")]
        for worker in workers:
            worker.wait_ready()
        chat_pk, cookies = create_fanout_chat(env, 2, f"sentinel-{tmp_path.name}")

        async def scenario() -> list[ChatClient]:
            on_a = ChatClient("member on A", [workers[0]], chat_pk, cookies[0])
            on_b = ChatClient("member on B", [workers[1]], chat_pk, cookies[1])
            async with connected(on_a, on_b):
                await cross(on_a, on_b, "before the failover")
                await redis_outage(sentinel_layer.master.kill, failed_over, on_a, [on_b], figures)
                await both_ways(on_a, on_b, "after the failover")
            return [on_a, on_b]

        clients = asyncio.run(scenario())
        assert all(worker.process.poll() is None for worker in workers)
        figures.update(
            check_each_message_stored_once(SCALE_DB, clients, workers[1], chat_pk, cookies[1])
        )
    print_figures("scale-out: the Redis master SIGKILLed, Sentinel fails over", figures)
