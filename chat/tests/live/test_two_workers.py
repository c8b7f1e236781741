"""Two app processes started as the container starts them, one Redis channel layer.

``bin/entrypoint`` runs twice (worker A and worker B, each on its own free
port on 127.0.0.1) with the environment a container gets: DEBUG off, a
SECRET_KEY, a dedicated PostgreSQL database and Redis database. A member
connected to A and a member connected to B talk through the group chat; then A
is killed and B carries on. A third run checks ``WEB_WORKERS=2``: two daphne
processes behind one port. Every wait has a deadline; every process is killed
in teardown. The figures measured are printed (run with ``-s`` to see them).
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from psycopg import sql
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

pytestmark = pytest.mark.live

PROJECT_DIR = Path(__file__).resolve().parents[3]
ENTRYPOINT = PROJECT_DIR / "bin" / "entrypoint"
# The server the PostgreSQL admin connection reaches; the test's own database
# is created on it and dropped at the end.
PG_ADMIN_URL = os.environ.get("LIVE_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
LIVE_DB_NAME = "live_test"
# A Redis database no other test uses; flushed before and after.
LIVE_REDIS_URL = os.environ.get("LIVE_REDIS_URL", "redis://127.0.0.1:6379/3")
# What a browser would show as the site's origin: both workers stand for one
# site (as behind a proxy), so they share it; each listens on its own port.
SERVER_URL = "http://127.0.0.1"
PASSWORD = "live-test-password-1"  # a throwaway user in a throwaway database

READY_SECONDS = 60.0
FRAME_SECONDS = 10.0

# Plain urllib, but never through a proxy from the environment: 127.0.0.1 only.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _recreate_database(name: str, *, create: bool) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if create:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def app_env() -> Iterator[dict[str, str]]:
    """The container's environment, pointing at a fresh database and Redis db."""
    _recreate_database(LIVE_DB_NAME, create=True)
    layer = redis.Redis.from_url(LIVE_REDIS_URL)
    layer.flushdb()
    env = {
        # Only what a container would have: no pytest or CI variables leak in.
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(PROJECT_DIR)),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "live-test-secret-key-not-used-anywhere-else-0123456789",
        "DATABASE_URL": _pg_url(LIVE_DB_NAME),
        "REDIS_URL": LIVE_REDIS_URL,
        "SERVER_URL": SERVER_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEBSOCKET_ALLOWED_ORIGINS": SERVER_URL,
        "CSRF_TRUSTED_ORIGINS": SERVER_URL,
        "SECURE_SSL_REDIRECT": "false",
        "AUTH_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
        # The one difference from the image: listen on loopback only.
        "WEB_BIND": "127.0.0.1",
        "WEB_WORKERS": "1",
    }
    try:
        yield env
    finally:
        layer.flushdb()
        layer.close()
        _recreate_database(LIVE_DB_NAME, create=False)


@dataclass
class Worker:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    started: float = field(default_factory=time.perf_counter)
    ready_after: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def wait_ready(self) -> None:
        """Poll until the app answers HTTP 200, the process dies, or the deadline."""
        deadline = self.started + READY_SECONDS
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"worker {self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                with HTTP.open(f"{self.url}/api/auth/csrf/", timeout=2) as response:
                    if response.status == 200:
                        self.ready_after = time.perf_counter() - self.started
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        pytest.fail(f"worker {self.name} not ready in {READY_SECONDS}s:\n{self.log_tail()}")

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Signal the worker's process group; SIGKILL it if it outlives ``timeout``."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
            except ProcessLookupError:
                return self.process.wait(timeout=timeout)
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=timeout)


StartWorker = Callable[..., Worker]


@pytest.fixture
def start_worker(app_env: dict[str, str], tmp_path: Path) -> Iterator[StartWorker]:
    """Start ``bin/entrypoint`` as the container's CMD would; always stopped after."""
    started: list[Worker] = []

    def start(name: str, **overrides: str) -> Worker:
        port = _free_port()
        log_path = tmp_path / f"worker-{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - our own script, fixed argv
                [sys.executable, str(ENTRYPOINT)],
                cwd=PROJECT_DIR,
                env={**app_env, "PORT": str(port), **overrides},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: teardown kills it all
            )
        worker = Worker(name=name, port=port, process=process, log_path=log_path)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


def manage_shell(env: dict[str, str], code: str) -> Any:
    """Run ``code`` in ``manage.py shell`` against the workers' database; the
    last line it prints is JSON."""
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def create_chat(env: dict[str, str], owner: str, member: str) -> dict[str, int]:
    """Two users and a group chat with both as members, made with the app's own
    services in ``manage.py shell``; returns their primary keys."""
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
    ids: dict[str, int] = manage_shell(env, code)
    return ids


def login(worker: Worker, username: str) -> str:
    """Log in over HTTP; return the Cookie header a browser would send to /ws/ and /api/."""
    request = urllib.request.Request(  # noqa: S310 - worker.url is http://127.0.0.1
        f"{worker.url}/api/auth/login/",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with HTTP.open(request, timeout=10) as response:
        assert response.status == 200
        cookies: SimpleCookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie", []):
            cookies.load(header)
    assert {"jwt_auth_cookie", "jwt_auth_refresh_cookie"} <= set(cookies)
    access = cookies["jwt_auth_cookie"]
    assert access["httponly"]
    assert not access["secure"]  # plain http: AUTH_COOKIE_SECURE=false
    # The refresh cookie is scoped to /api/auth/, so a browser sends only this one.
    return f"jwt_auth_cookie={access.value}"


def get_json(worker: Worker, path: str, cookie: str) -> Any:
    url = f"{worker.url}{path}"  # http://127.0.0.1 only
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    with HTTP.open(request, timeout=10) as response:
        assert response.status == 200
        return json.loads(response.read())


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


async def recv_json(ws: ClientConnection) -> dict[str, Any]:
    frame = await asyncio.wait_for(ws.recv(), FRAME_SECONDS)
    data: dict[str, Any] = json.loads(frame)
    return data


async def recv_member_message(ws: ClientConnection, content: str) -> dict[str, Any]:
    """The next ``member_message`` frame, which must carry ``content``."""
    deadline = time.perf_counter() + FRAME_SECONDS
    while time.perf_counter() < deadline:
        frame = await recv_json(ws)
        if frame.get("action") == "member_message":
            assert frame["payload"]["content"] == content, frame
            return frame
    pytest.fail(f"no member_message {content!r} within {FRAME_SECONDS}s")


async def say(ws: ClientConnection, content: str) -> float:
    await ws.send(json.dumps({"action": "new_message", "payload": {"content": content}}))
    return time.perf_counter()


def count_in_db(chat_pk: int, content: str | None = None) -> int:
    query = "SELECT count(*) FROM chat_chatmessage WHERE group_chat_id = %s"
    params: list[Any] = [chat_pk]
    if content is not None:
        query += " AND content = %s"
        params.append(content)
    with psycopg.connect(_pg_url(LIVE_DB_NAME)) as conn:
        row = conn.execute(query.encode(), params).fetchone()
    assert row is not None
    return int(row[0])


def test_message_crosses_workers_and_survives_losing_one(
    app_env: dict[str, str], start_worker: StartWorker
) -> None:
    # Both start at once, as two containers would: migrations take turns.
    worker_a = start_worker("A")
    worker_b = start_worker("B")
    worker_a.wait_ready()
    worker_b.wait_ready()

    ids = create_chat(app_env, "alice", "bob")
    chat_pk = ids["chat"]
    alice_cookie = login(worker_a, "alice")
    bob_cookie = login(worker_b, "bob")
    figures: dict[str, float] = {
        "worker A ready (s)": worker_a.ready_after,
        "worker B ready (s)": worker_b.ready_after,
    }

    async def scenario() -> list[str]:
        said: list[str] = []
        alice = await open_chat(worker_a, chat_pk, alice_cookie)
        bob = await open_chat(worker_b, chat_pk, bob_cookie)
        try:
            # A -> B
            content = "hello from worker A"
            sent = await say(alice, content)
            on_b = await recv_member_message(bob, content)
            figures["A->B delivery (ms)"] = (time.perf_counter() - sent) * 1000
            said.append(content)
            payload = on_b["payload"]
            assert on_b["is_mine"] is False
            assert payload["sender"] == {"id": ids["owner"], "username": "alice"}
            assert payload["group_chat_id"] == chat_pk
            assert isinstance(payload["id"], int)
            assert payload["created_at"]
            own = await recv_member_message(alice, content)
            assert own["is_mine"] is True
            assert own["payload"]["id"] == payload["id"]
            assert count_in_db(chat_pk, content) == 1

            # B -> A
            content = "hello back from worker B"
            sent = await say(bob, content)
            on_a = await recv_member_message(alice, content)
            figures["B->A delivery (ms)"] = (time.perf_counter() - sent) * 1000
            said.append(content)
            assert on_a["is_mine"] is False
            assert on_a["payload"]["sender"]["username"] == "bob"
            await recv_member_message(bob, content)

            # Worker A dies; its client is disconnected, B carries on.
            killed = time.perf_counter()
            assert worker_a.stop(signal.SIGKILL) != 0
            with pytest.raises(ConnectionClosed):
                await recv_json(alice)
            figures["A killed -> its client closed (ms)"] = (time.perf_counter() - killed) * 1000
            await alice.close()

            content = "B still works"
            sent = await say(bob, content)
            own = await recv_member_message(bob, content)
            figures["B round trip after A died (ms)"] = (time.perf_counter() - sent) * 1000
            said.append(content)
            assert own["is_mine"] is True

            # Alice reconnects, to B this time, and both talk there.
            reconnect = time.perf_counter()
            alice = await open_chat(worker_b, chat_pk, alice_cookie)
            figures["alice reconnect to B (ms)"] = (time.perf_counter() - reconnect) * 1000
            content = "alice is back, via B"
            await say(alice, content)
            assert (await recv_member_message(bob, content))["is_mine"] is False
            assert (await recv_member_message(alice, content))["is_mine"] is True
            said.append(content)
        finally:
            await alice.close()
            await bob.close()
        return said

    said = asyncio.run(scenario())

    # Every message is in the history, once, newest first, served by B.
    history = get_json(worker_b, f"/api/groups/{chat_pk}/messages/", alice_cookie)
    assert set(history) >= {"next", "previous", "results"}
    assert [message["content"] for message in history["results"]] == said[::-1]
    assert history["next"] is None
    assert count_in_db(chat_pk) == len(said)
    for content in said:
        assert count_in_db(chat_pk, content) == 1

    print("\nlive figures (two workers, one Redis layer, loopback):")
    for name, value in figures.items():
        print(f"  {name}: {value:.3f}" if "(s)" in name else f"  {name}: {value:.1f}")


def _children_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def test_web_workers_share_one_port(app_env: dict[str, str], start_worker: StartWorker) -> None:
    """WEB_WORKERS=2: two daphne children on one socket; SIGTERM stops them all."""
    pool = start_worker("pool", WEB_WORKERS="2")
    pool.wait_ready()
    children = _children_of(pool.process.pid)
    assert len(children) == 2, children

    # Several connections on the one port, all answered; messages cross between
    # them whichever daphne child accepted each.
    cookie = ""

    async def talk() -> float:
        sockets = [await open_chat(pool, chat_pk, cookie) for _ in range(4)]
        try:
            sent = await say(sockets[0], "one port, two processes")
            for ws in sockets:
                await recv_member_message(ws, "one port, two processes")
            return (time.perf_counter() - sent) * 1000
        finally:
            for ws in sockets:
                await ws.close()

    chat_pk = create_chat(app_env, "carol", "dave")["chat"]
    cookie = login(pool, "carol")
    fan_out_ms = asyncio.run(talk())

    stopping = time.perf_counter()
    assert pool.stop(signal.SIGTERM) == 0, pool.log_tail()
    stop_ms = (time.perf_counter() - stopping) * 1000
    assert not any(Path(f"/proc/{child}").exists() for child in children)
    print(
        f"\nlive figures (WEB_WORKERS=2): ready {pool.ready_after:.3f} s, "
        f"fan-out to 4 sockets {fan_out_ms:.1f} ms, SIGTERM to exit {stop_ms:.1f} ms"
    )
