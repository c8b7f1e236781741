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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import psycopg
import pytest
import redis
from psycopg import sql
from websockets.asyncio.client import ClientConnection, connect
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
        "WEB_WORKERS": "1",
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
class Worker:
    name: str
    port: int
    watch: processes.WatchedProcess
    started: float = field(default_factory=time.perf_counter)
    ready_after: float = 0.0

    @property
    def process(self) -> "subprocess.Popen[bytes]":
        return self.watch.process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

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
from chat import services
owner = User.objects.create_user({owner!r}, password={PASSWORD!r})
member = User.objects.create_user({member!r}, password={PASSWORD!r})
chat = services.create_group_chat(creator=owner, name="Live")
services.add_member(group_chat=chat, actor=owner, user=member)
print(json.dumps({{"chat": chat.pk, "owner": owner.pk, "member": member.pk}}))
"""
    ids: dict[str, int] = processes.manage_json(env, code)
    return ids


def login(worker: Worker, username: str) -> str:
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


def history(worker: Worker, chat_pk: int, cookie: str, max_pages: int = 100) -> list[str]:
    """Every message's content in the REST history, following ``next`` links."""
    contents: list[str] = []
    url: str | None = f"{worker.url}/api/groups/{chat_pk}/messages/?page_size=200"
    for _ in range(max_pages):
        if url is None:
            return contents
        page = get_json(url, cookie)
        contents += [message["content"] for message in page["results"]]
        url = page["next"]
    pytest.fail(f"history longer than {max_pages} pages")


def contents_in_db(database: str, chat_pk: int) -> list[str]:
    with psycopg.connect(pg_url(database)) as conn:
        rows = conn.execute(
            b"SELECT content FROM chat_chatmessage WHERE group_chat_id = %s", [chat_pk]
        ).fetchall()
    return [str(row[0]) for row in rows]


async def open_chat(worker: Worker, chat_pk: int, cookie: str) -> ClientConnection:
    ws = await connect(
        f"{worker.ws_url}/ws/chat/{chat_pk}/",
        origin=Origin(SERVER_URL),
        additional_headers={"Cookie": cookie},
        proxy=None,
        open_timeout=FRAME_SECONDS,
    )
    first = await recv_json(ws)
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
