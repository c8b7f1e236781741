"""One set of helpers for every live test file, so each starts the app the same
way the container does (``bin/entrypoint``) and talks to it as a browser does.
Loopback only; every wait has a deadline; every process started here is
stopped by its fixture.
"""

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import psycopg
import pytest
import redis
from psycopg import sql
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Origin

from tests.support import processes
from tests.support.http_login import log_in_over_http
from tests.support.processes import free_port

PROJECT_DIR = processes.PROJECT_DIR
ENTRYPOINT = PROJECT_DIR / "bin" / "entrypoint"
PG_ADMIN_URL = os.environ.get("LIVE_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SERVER_URL = "http://127.0.0.1"
PASSWORD = "live-test-password-1"  # a throwaway user in a throwaway database

READY_SECONDS = 60.0
FRAME_SECONDS = 10.0

# Plain urllib, but never through a proxy from the environment: 127.0.0.1 only.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def recreate_database(name: str, *, create: bool) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if create:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def app_environment(database: str, redis_url: str) -> dict[str, str]:
    """What a container gets, pointing at ``database`` and ``redis_url``."""
    return {
        # Only what a container would have: no pytest or CI variables leak in.
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(PROJECT_DIR)),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "live-test-secret-key-not-used-anywhere-else-0123456789",
        "DATABASE_URL": pg_url(database),
        "REDIS_URL": redis_url,
        "SERVER_URL": SERVER_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEBSOCKET_ALLOWED_ORIGINS": SERVER_URL,
        "CSRF_TRUSTED_ORIGINS": SERVER_URL,
        "SECURE_SSL_REDIRECT": "false",
        "AUTH_COOKIE_SECURE": "false",
        # The image's default level: at INFO daphne logs "Listening on TCP
        # address ...", the line Worker.wait_ready waits for.
        "LOG_LEVEL": "INFO",
        # The one difference from the image: listen on loopback only.
        "WEB_BIND": "127.0.0.1",
    }


@contextmanager
def fresh_environment(database: str, redis_url: str) -> Iterator[dict[str, str]]:
    """The container's environment (``app_environment``) on a database created fresh
    and a Redis database flushed, both cleaned up after."""
    recreate_database(database, create=True)
    layer = redis.Redis.from_url(redis_url)
    layer.flushdb()
    try:
        yield app_environment(database, redis_url)
    finally:
        layer.flushdb()
        layer.close()
        recreate_database(database, create=False)


def redis_server_path() -> str:
    path = shutil.which("redis-server")
    if path is None:
        pytest.fail("redis-server is not installed")
    return path


@dataclass
class RedisServer:
    """A private ``redis-server`` on 127.0.0.1:``port``, no persistence; it can
    be killed and started again on the same port."""

    port: int
    log_path: Path
    watch: processes.WatchedProcess | None = None
    # More redis-server options, e.g. ("--replicaof", "127.0.0.1", "6380").
    options: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> float:
        """Start it and wait until it answers PING; return how long that took (s)."""
        started = time.perf_counter()
        self.watch = processes.start(
            f"redis-server on :{self.port}",
            [
                redis_server_path(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                *self.options,
            ],
            self.log_path,
            append=True,  # one log across restarts
            start_new_session=True,
        )
        try:
            self.watch.wait_for(processes.REDIS_READY, READY_SECONDS)
        except processes.NotReady as exc:
            self.kill()
            pytest.fail(str(exc))
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=READY_SECONDS)
        try:
            if not client.ping():
                self.kill()
                pytest.fail(f"redis-server on :{self.port} is ready but did not answer PING")
        finally:
            client.close()
        return time.perf_counter() - started

    def kill(self) -> None:
        if self.watch is not None:
            self.watch.stop(signal.SIGKILL)


@dataclass
class Endpoint:
    """Where a client connects: a port on 127.0.0.1 (a worker, a proxy, a compose
    stack's published port), and the origin the app's pages are served from there
    (the ``Origin`` a browser sends; SERVER_URL for the live tests' workers)."""

    name: str
    port: int
    origin: str = field(default=SERVER_URL, kw_only=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


@dataclass
class LocalServer(Endpoint):
    """A server process of ours on 127.0.0.1: a worker, or the proxy in front of
    workers."""

    watch: processes.WatchedProcess


@dataclass
class Worker(LocalServer):
    started: float = field(default_factory=time.perf_counter)
    ready_after: float = 0.0

    @property
    def process(self) -> "subprocess.Popen[bytes]":
        return self.watch.process

    def log_tail(self) -> str:
        return "\n".join(self.watch.tail())

    def wait_ready(self) -> None:
        """Wait until the worker listens and is ready (``/readyz`` answers 200: its
        database and channel layer answer); fail the test if the process dies or
        the deadline passes first."""
        try:
            self.watch.wait_serving(
                f"{self.url}/readyz", self.started + READY_SECONDS - time.perf_counter()
            )
        except processes.NotReady as exc:
            pytest.fail(str(exc))
        self.ready_after = time.perf_counter() - self.started

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Signal the worker's process group (SIGKILL if it outlives a few
        seconds); return its exit code."""
        return self.watch.stop(sig, group=True)


def start_worker(name: str, env: dict[str, str], log_dir: Path) -> Worker:
    """``bin/entrypoint`` as the container's CMD runs it, on a free port."""
    port = free_port()
    log_path = log_dir / f"worker-{name}.log"
    watch = processes.start(
        f"worker {name} (bin/entrypoint on :{port})",
        [sys.executable, str(ENTRYPOINT)],
        log_path,
        cwd=PROJECT_DIR,
        env={**env, "PORT": str(port)},
        start_new_session=True,  # its own process group: teardown kills it all
    )
    return Worker(name=name, port=port, watch=watch)


class StartWorker(Protocol):
    def __call__(self, name: str, **overrides: str) -> Worker: ...


@contextmanager
def started_workers(
    env: dict[str, str], log_dir: Path, stop_signal: signal.Signals = signal.SIGTERM
) -> Iterator[StartWorker]:
    """Yield a ``start(name, **overrides)`` for workers on ``env`` (plus any
    variables overridden); each one started is stopped with ``stop_signal`` after."""
    started: list[Worker] = []

    def start(name: str, **overrides: str) -> Worker:
        worker = start_worker(name, {**env, **overrides}, log_dir)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop(stop_signal)


def create_chat(env: dict[str, str], owner: str, member: str) -> dict[str, int]:
    """Two users and a group chat with both as members, made with the app's own
    services; returns their primary keys."""
    code = f"""
import json
from accounts.models import User
from chat.services.chats import create_group_chat
from chat.services.members import add_member
owner = User.objects.create_user({owner!r}, password={PASSWORD!r})
member = User.objects.create_user({member!r}, password={PASSWORD!r})
chat = create_group_chat(creator=owner, name="Live")
add_member(group_chat=chat, actor=owner, user=member)
print(json.dumps({{"chat": chat.pk, "owner": owner.pk, "member": member.pk}}))
"""
    ids: dict[str, int] = processes.manage_json(env, code)
    return ids


def login(worker: Endpoint, username: str) -> str:
    """Log in over HTTP; return the Cookie header a browser would send to /ws/ and /api/."""
    cookies = log_in_over_http(worker.url, username, PASSWORD, opener=HTTP)
    assert {"jwt_auth_cookie", "jwt_auth_refresh_cookie"} <= set(cookies)
    access = cookies["jwt_auth_cookie"]
    assert access["httponly"]
    assert not access["secure"]  # plain http: AUTH_COOKIE_SECURE=false
    # The refresh cookie is scoped to /api/auth/, so a browser sends only this one.
    return f"jwt_auth_cookie={access.value}"


def get_json(url: str, cookie: str) -> Any:
    assert url.startswith("http://127.0.0.1:")
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    with HTTP.open(request, timeout=10) as response:
        assert response.status == 200
        return json.loads(response.read())


def history(
    worker: Endpoint, chat_pk: int, cookie: str, max_pages: int = 100
) -> list[dict[str, Any]]:
    """Every message in the REST history (as the API gives it), following ``next`` links."""
    messages: list[dict[str, Any]] = []
    url: str | None = f"{worker.url}/api/groups/{chat_pk}/messages/?page_size=200"
    for _ in range(max_pages):
        if url is None:
            return messages
        page = get_json(url, cookie)
        messages += page["results"]
        url = page["next"]
    pytest.fail(f"history longer than {max_pages} pages")


def contents_in_db(database: str, chat_pk: int) -> list[str]:
    with psycopg.connect(pg_url(database)) as conn:
        rows = conn.execute(
            b"SELECT content FROM chat_chatmessage WHERE group_chat_id = %s", [chat_pk]
        ).fetchall()
    return [str(row[0]) for row in rows]


def rows_per_client_id(database: str, chat_pk: int) -> dict[str | None, int]:
    """How many rows the chat holds under each client id (None: those sent without one)."""
    with psycopg.connect(pg_url(database)) as conn:
        rows = conn.execute(
            b"SELECT client_id, COUNT(*) FROM chat_chatmessage WHERE group_chat_id = %s"
            b" GROUP BY client_id",
            [chat_pk],
        ).fetchall()
    return {row[0]: int(row[1]) for row in rows}


async def connect_socket(
    url: str, cookie: str, origin: str = SERVER_URL, source: str | None = None
) -> tuple[ClientConnection, dict[str, Any]]:
    """Open the WebSocket at ``url`` as a browser on ``origin`` does (from the local
    address ``source``, if given); return it and its first frame (the ``authentication``
    answer: 200, or a refusal before the close)."""
    ws = await connect(
        url,
        origin=Origin(origin),
        additional_headers={"Cookie": cookie},
        proxy=None,
        open_timeout=FRAME_SECONDS,
        local_addr=None if source is None else (source, 0),
    )
    return ws, await recv_json(ws)


def chat_ws_url(worker: Endpoint, chat_pk: int) -> str:
    return f"{worker.ws_url}/ws/chat/{chat_pk}/"


async def open_chat(
    worker: Endpoint, chat_pk: int, cookie: str, source: str | None = None
) -> ClientConnection:
    ws, first = await connect_socket(chat_ws_url(worker, chat_pk), cookie, worker.origin, source)
    assert first["action"] == "authentication", first
    assert first["payload"]["status_code"] == 200, first
    return ws


async def recv_json(ws: ClientConnection, seconds: float = FRAME_SECONDS) -> dict[str, Any]:
    frame = await asyncio.wait_for(ws.recv(), seconds)
    data: dict[str, Any] = json.loads(frame)
    return data


async def say(ws: ClientConnection, content: str) -> float:
    """Send ``content`` as a new message; return when it was sent (``perf_counter``)."""
    await ws.send(json.dumps({"action": "new_message", "payload": {"content": content}}))
    return time.perf_counter()


# How long a client whose socket closed keeps trying to open another.
RECONNECT_SECONDS = 30.0
# Bounds on a client's loops: frames read over its life, reconnect attempts after a close.
MAX_FRAMES = 100_000
MAX_RECONNECT_ATTEMPTS = 1_000
# Why a reconnect attempt may fail; AssertionError: answered, but not authentication 200.
REFUSED = (ConnectionClosed, InvalidHandshake, OSError, TimeoutError, AssertionError)


class ChatClient:
    """One user's chat socket, driven as the page drives it (``ChatSocket`` in
    ``chat/static/chat/app.js``): every message carries a client id and stays
    pending until ``message_saved`` answers it; when the socket closes, the client
    opens another at once (trying ``workers`` in turn, as a load balancer would)
    and sends every pending message again with the same id.

    One reader task handles every frame and records it; the test waits for what it
    expects with ``wait_until`` (a deadline, and on failure what arrived). Unlike
    the page, an ``error`` keeps its message pending: the tests expect none, and
    record each with the client id it most likely answers (frames are answered in
    order: the oldest pending).
    """

    def __init__(self, name: str, workers: Sequence[Endpoint], chat_pk: int, cookie: str) -> None:
        self.name = name
        self.workers = list(workers)
        self.chat_pk = chat_pk
        self.cookie = cookie
        self.sent: dict[str, str] = {}  # every client id tried -> its content
        self.pending: dict[str, str] = {}  # not answered yet, in the order sent
        self.saved: list[dict[str, Any]] = []  # message_saved payloads, as they came
        self.heard: list[dict[str, Any]] = []  # member_message payloads
        self.errors: list[tuple[str | None, dict[str, Any]]] = []
        self.closes: list[tuple[float, str]] = []  # when (perf_counter) and how
        self.refused: list[str] = []  # reconnect attempts that failed
        self.connections = 0
        self.opened: list[float] = []  # when (perf_counter) each socket was open
        self.resent = 0
        self.changed = asyncio.Condition()
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self.ws = await open_chat(self.workers[0], self.chat_pk, self.cookie)
        self.connections = 1
        self.opened.append(time.perf_counter())
        self.reader = asyncio.create_task(self.read())

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
            await asyncio.gather(self.reader, return_exceptions=True)
        if self.ws is not None:
            await self.ws.close()

    async def say(self, content: str, client_id: str | None = None) -> str:
        """Send a message (under a new client id unless given); return its client id."""
        client_id = client_id or uuid.uuid4().hex
        self.sent[client_id] = content
        self.pending[client_id] = content
        await self.transmit(client_id)
        return client_id

    async def drop(self) -> None:
        """Close the socket, as a client that hears nothing does; return once the
        reader has opened another."""
        opened = self.connections
        if self.ws is not None:
            await self.ws.close()
        await self.wait_until(
            "a new socket after closing this one",
            lambda: self.connections > opened,
            RECONNECT_SECONDS,
            "the workers refuse connections (see the refused attempts)",
        )

    def answers(self, client_id: str) -> list[dict[str, Any]]:
        """The ``message_saved`` payloads answering ``client_id``."""
        return [saved for saved in self.saved if saved["message"]["client_id"] == client_id]

    def has_heard(self, client_id: str) -> bool:
        return any(message["client_id"] == client_id for message in self.heard)

    def closed_since(self, moment: float) -> bool:
        return any(at >= moment for at, _ in self.closes)

    async def wait(self, condition: Callable[[], bool], seconds: float) -> bool:
        """Wait until ``condition`` holds (re-checked after every frame, close and
        reconnect) or ``seconds`` pass; whether it holds.

        The answer is the condition as the wake-up saw it, in this task with no await
        between: ``asyncio.wait_for`` would run the wait in a task of its own, and
        another coroutine of the test (a second sender on this client) could change
        the condition while its result came back, failing a wait that had succeeded."""
        async with self.changed:
            with suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await self.changed.wait_for(lambda: condition() or self.stopped)
            return condition()

    async def wait_until(
        self, awaited: str, condition: Callable[[], bool], seconds: float, likely_cause: str
    ) -> None:
        """``wait``, failing the test with what was awaited, what arrived and the
        likely cause when the deadline passes (or the reader gave up) first."""
        if await self.wait(condition, seconds):
            return
        pytest.fail(
            f"{self.name}: {awaited} did not happen within {seconds:.0f} s. "
            f"What arrived: {self.summary()}. Likely cause: {likely_cause}."
        )

    @property
    def stopped(self) -> bool:
        return self.reader is not None and self.reader.done()

    def summary(self) -> str:
        duplicates = sum(saved["duplicate"] for saved in self.saved)
        not_relayed = sum(not saved["relayed"] for saved in self.saved)
        reader = "running"
        if self.reader is not None and self.reader.done() and not self.reader.cancelled():
            reader = f"stopped: {self.reader.exception()!r}"
        return (
            f"{len(self.sent)} sent, {len(self.pending)} pending, {len(self.saved)} "
            f"message_saved ({duplicates} duplicate, {not_relayed} not relayed), "
            f"{len(self.heard)} member_message, errors {self.errors[-3:]}, "
            f"closes {[how for _, how in self.closes]}, {self.connections} sockets opened, "
            f"{len(self.refused)} reconnects refused {self.refused[-3:]}, reader {reader}"
        )

    async def transmit(self, client_id: str) -> None:
        assert self.ws is not None, f"{self.name} sends before open()"
        payload = {"content": self.sent[client_id], "client_id": client_id}
        # A closed socket leaves it pending: the reader reconnects and sends it again.
        with suppress(ConnectionClosed):
            await self.ws.send(json.dumps({"action": "new_message", "payload": payload}))

    async def read(self) -> None:
        for _ in range(MAX_FRAMES):
            assert self.ws is not None
            try:
                frame = json.loads(await self.ws.recv())
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else "no close frame"
                self.closes.append((time.perf_counter(), f"{code}"))
                await self.notify()
                await self.reconnect()
            else:
                self.record(frame)
            await self.notify()
        raise RuntimeError(f"{self.name} read {MAX_FRAMES} frames")

    async def notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    def record(self, frame: dict[str, Any]) -> None:
        payload: dict[str, Any] = frame.get("payload") or {}
        if frame.get("action") == "message_saved":
            self.pending.pop(payload["message"]["client_id"], None)
            self.saved.append(payload)
        elif frame.get("action") == "member_message":
            self.heard.append(payload)
        elif frame.get("action") == "error":
            self.errors.append((next(iter(self.pending), None), payload))

    async def reconnect(self) -> None:
        """Open a socket on the first worker that accepts one, then resend what is
        pending. Attempts follow each other at once: each waits for the server's
        answer, and a deadline bounds them all."""
        deadline = time.perf_counter() + RECONNECT_SECONDS
        for attempt in range(MAX_RECONNECT_ATTEMPTS):
            worker = self.workers[attempt % len(self.workers)]
            try:
                self.ws = await open_chat(worker, self.chat_pk, self.cookie)
            except REFUSED as exc:
                self.refused.append(f"{worker.name}: {exc!r}")
                if time.perf_counter() > deadline:
                    break
                continue
            self.connections += 1
            self.opened.append(time.perf_counter())
            for client_id in list(self.pending):
                self.resent += 1
                await self.transmit(client_id)
            return
        raise RuntimeError(f"{self.name} could not reconnect: {self.refused[-3:]}")


@asynccontextmanager
async def connected(*clients: ChatClient) -> AsyncIterator[None]:
    """Open each client's socket; close them all after, whatever happened."""
    try:
        for client in clients:
            await client.open()
        yield
    finally:
        await asyncio.gather(*(client.close() for client in clients))
