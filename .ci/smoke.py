"""Smoke test of the README's app command: `bin/dev` serves HTTP on the
default port and a logged-in WebSocket client gets pong for ping.

Runs against a throwaway SQLite file; every wait is bounded.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:8000"
DEADLINE_SECONDS = 120


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            return bool(response.status == 200)
    except OSError:
        return False


def log_in(username: str, password: str) -> str:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{BASE}/api/auth/login/",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie"):
            jar.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


async def ping(cookie: str) -> None:
    async with websockets.connect(
        "ws://localhost:8000/ws/chat/room1/",
        additional_headers={"Cookie": cookie},
        origin=websockets.Origin(BASE),
        open_timeout=5,
    ) as ws:
        auth = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert auth["payload"]["status_code"] == 200, auth
        await ws.send(json.dumps({"action": "ping"}))
        pong = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert pong["action"] == "pong", pong
        print("smoke: WebSocket ping answered with", pong)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/smoke.sqlite3",
            "DJANGO_SUPERUSER_USERNAME": "smoke",
            "DJANGO_SUPERUSER_PASSWORD": "smoke-password-1",
            "DJANGO_SUPERUSER_EMAIL": "smoke@example.com",
        }
        server = subprocess.Popen(  # noqa: S603
            [str(ROOT / "bin" / "dev")], cwd=ROOT, env=env, start_new_session=True
        )
        try:
            deadline = time.monotonic() + DEADLINE_SECONDS
            while not http_ok(f"{BASE}/api/auth/csrf/"):
                if server.poll() is not None or time.monotonic() > deadline:
                    print("smoke: bin/dev did not answer HTTP on :8000", file=sys.stderr)
                    return 1
                time.sleep(0.2)
            print("smoke: HTTP answers on", BASE)
            subprocess.run(  # noqa: S603
                [str(ROOT / ".venv/bin/python"), "manage.py", "createsuperuser", "--noinput"],
                cwd=ROOT,
                env={**env, "DEBUG": "true"},
                check=True,
            )
            asyncio.run(ping(log_in("smoke", "smoke-password-1")))
            return 0
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
