"""Smoke test of the README's app command: `bin/dev` serves HTTP on the
default port and a logged-in member of a group chat gets pong for ping on
its WebSocket.

Runs against a throwaway SQLite file; every wait is bounded.
"""

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python .ci/smoke.py` puts .ci/, not the root, on the path
    sys.path.insert(0, str(ROOT))

from tests.support import processes  # noqa: E402 - needs the root on sys.path
from tests.support.http_login import log_in_over_http  # noqa: E402

BASE = "http://localhost:8000"
DEADLINE_SECONDS = 120
# A group chat of the smoke user's, made with the app's own service; prints its pk.
CREATE_CHAT = """
from accounts.models import User
from chat.services.chats import create_group_chat
chat = create_group_chat(creator=User.objects.get(username="smoke"), name="Smoke")
print(chat.pk)
"""


def log_in(username: str, password: str) -> str:
    jar = log_in_over_http(BASE, username, password, timeout=5)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


async def ping(cookie: str, chat_pk: int) -> None:
    async with websockets.connect(
        f"ws://localhost:8000/ws/chat/{chat_pk}/",
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
            # INFO: runserver's "Listening on TCP address ..." is what we wait for.
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        # Its output goes on to ours, as when bin/dev printed to the terminal itself.
        server = processes.start(
            "bin/dev",
            [str(ROOT / "bin" / "dev")],
            sys.stdout.buffer,
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        try:
            try:
                server.wait_serving(f"{BASE}/readyz", DEADLINE_SECONDS)
            except processes.NotReady as exc:
                print(f"smoke: bin/dev did not serve HTTP on :8000: {exc}", file=sys.stderr)
                return 1
            print("smoke: HTTP answers on", BASE)
            dev_env = {**env, "DEBUG": "true"}
            processes.manage(dev_env, "createsuperuser", "--noinput")
            chat_pk = processes.manage_json(dev_env, CREATE_CHAT)
            asyncio.run(ping(log_in("smoke", "smoke-password-1"), chat_pk))
            return 0
        finally:
            server.stop(group=True)


if __name__ == "__main__":
    sys.exit(main())
