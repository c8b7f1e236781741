"""The fan-out ceiling: the least a Python process can do to relay a chat message.

    .venv/bin/python -m bench.ceiling --port 8765

One process, one event loop, the ``websockets`` library's server. Every socket that
connects gets the ``authentication`` frame the project sends, and is in the one room.
``{"action": "ping"}`` -> ``{"action": "pong"}``. ``{"action": "new_message",
"payload": {"content": ...}}`` -> one ``member_message`` frame, built once, of the
project's shape and size (``id``, ``seq``, ``sender``, ``created_at``...), written to
every socket by ``websockets.broadcast()``, which frames it and hands it to each
socket's transport without awaiting any of them. No authentication, no database, no
channel layer, no per-socket flags: what is left is the WebSocket work itself (read,
parse, frame, write), and so the most deliveries a second one core can make.

``bench.fanout`` starts it and drives it with the same client, sockets and rates as
the project (``bench/loadgen.py``); it prints ``listening on <port>`` once ready.
"""

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve

AUTHENTICATED = json.dumps({"action": "authentication", "payload": {"status_code": 200}})
PONG = json.dumps({"action": "pong", "payload": None})
SENDER = {"id": 1, "username": "fan-1"}


class Room:
    """Every open socket, and the count of messages said (their ids)."""

    def __init__(self) -> None:
        self.sockets: set[ServerConnection] = set()
        self.said = 0

    def relayed(self, content: str) -> str:
        """The frame every member gets: the project's ``member_message`` shape."""
        self.said += 1
        payload: dict[str, Any] = {
            "id": self.said,
            "group_chat_id": 1,
            "seq": self.said,
            "content": content,
            "sender": SENDER,
            "created_at": datetime.now(UTC).isoformat(),
            "client_id": None,
            "edited_at": None,
            "deleted": False,
        }
        return json.dumps(
            {
                "action": "member_message",
                "payload": payload,
                "is_mine": False,
                "is_current": False,
            }
        )

    async def serve(self, ws: ServerConnection) -> None:
        self.sockets.add(ws)
        try:
            await ws.send(AUTHENTICATED)
            async for text in ws:
                frame = json.loads(text)
                action = frame.get("action")
                if action == "new_message":
                    broadcast(self.sockets, self.relayed(frame["payload"]["content"]))
                elif action == "ping":
                    await ws.send(PONG)
        finally:
            self.sockets.discard(ws)


async def run(host: str, port: int) -> None:
    room = Room()
    async with serve(
        room.serve,
        host,
        port,
        compression=None,
        ping_interval=None,
        max_queue=None,
        # A relay to 10,000 sockets is one turn of the loop; handshakes wait for it.
        open_timeout=60,
    ) as server:
        print(f"listening on {port}", flush=True)
        await server.serve_forever()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    asyncio.run(run(args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
