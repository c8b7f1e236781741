"""The floor: a minimal plain-Channels consumer doing the benchmark's work.

What it does, and nothing more: accept; join one group (``floor-room``); send
one ``authentication`` frame. ``{"action": "ping"}`` -> ``{"action": "pong"}``.
``{"action": "new_message", "payload": {"content": ...}}`` -> ``group_send`` of
the content -> every member gets ``{"action": "member_message", "payload":
{"content": ...}}``. No Origin check, no authentication or permission check,
no validation beyond ``json.loads``, no database, no rate limit.

``LeanFloorConsumer`` (``bench.floor:lean_application``) is the same without
channels' per-event ``close_old_connections()`` hop to a worker thread, which
plain Channels runs before every event even though this consumer has no
database: the cheapest a Channels consumer doing this work can be.

Served by daphne with the same settings (and so the same channel layer) as
the project.
"""

import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from channels.consumer import get_handler_name  # noqa: E402
from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

GROUP = "floor-room"


class FloorConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    groups = [GROUP]  # joined by channels before connect()

    async def connect(self) -> None:
        await self.accept()
        await self.send_json({"action": "authentication", "payload": {"status_code": 200}})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        action = content.get("action")
        if action == "ping":
            await self.send_json({"action": "pong", "payload": None})
        elif action == "new_message":
            await self.channel_layer.group_send(
                GROUP, {"type": "room.message", "content": content["payload"]["content"]}
            )

    async def room_message(self, event: dict[str, Any]) -> None:
        await self.send_json({"action": "member_message", "payload": {"content": event["content"]}})


class LeanFloorConsumer(FloorConsumer):
    async def dispatch(self, message: dict[str, Any]) -> None:
        await getattr(self, get_handler_name(message))(message)


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/floor/", FloorConsumer.as_asgi())])}
)
lean_application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/floor/", LeanFloorConsumer.as_asgi())])}
)
