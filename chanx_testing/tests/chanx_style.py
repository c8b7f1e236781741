"""A consumer that behaves as chanx 0.13's do, for the drop-in tests.

chanx's consumers accept, send the authentication frame, and only then finish connecting
(here: a database hop, then joining the room's group). Frames follow chanx's settings,
read as chanx reads them: its live settings object where chanx is installed, else
``CHANX`` with chanx's defaults: ``MESSAGE_ACTION_KEY``, ``SEND_AUTHENTICATION_MESSAGE``,
``SEND_COMPLETION`` and ``CAMELIZE``. A test may put an ``asyncio.Event`` in the scope as
``"hold_connect"``: connect then waits on it after the authentication frame, as a consumer
stuck on a slow call would.
"""

from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import URLRouter
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import path

from chanx_testing import protocol
from chanx_testing.tests.asgi import ORIGIN


def _chanx(name: str, default: Any) -> Any:
    module = protocol._chanx_settings_module()
    if module is not None:
        return getattr(module.chanx_settings, name)
    return (getattr(settings, "CHANX", None) or {}).get(name, default)


class ChanxStyleConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        await self.accept()
        if _chanx("SEND_AUTHENTICATION_MESSAGE", True):
            keys = (
                ("statusCode", "statusText")
                if _chanx("CAMELIZE", False)
                else ("status_code", "status_text")
            )
            await self.send_frame("authentication", dict(zip(keys, (200, "OK"), strict=True)))
        hold = self.scope.get("hold_connect")
        if hold is not None:
            await hold.wait()
        self.room = f"room-{self.scope['url_route']['kwargs']['room']}"
        self.groups_at_connect = await database_sync_to_async(Group.objects.count)()
        await self.channel_layer.group_add(self.room, self.channel_name)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "room"):
            await self.channel_layer.group_discard(self.room, self.channel_name)

    async def send_frame(self, action: str, payload: Any, **extra: Any) -> None:
        await self.send_json(
            {_chanx("MESSAGE_ACTION_KEY", "action"): action, "payload": payload, **extra}
        )

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        action = content.get(_chanx("MESSAGE_ACTION_KEY", "action"))
        if action == "ping":
            await self.send_frame("pong", None)
        elif action == "create_group":
            name = content["payload"]
            await database_sync_to_async(Group.objects.create)(name=name)
            await self.send_frame("group_created", name)
        elif action == "save_then_announce":
            name = content["payload"]
            try:
                await database_sync_to_async(self.save_then_announce)(name)
            except ValueError as error:
                await self.send_frame("error", str(error))
        elif action == "count_groups":
            await self.send_frame(
                "group_count", await database_sync_to_async(Group.objects.count)()
            )
        if _chanx("SEND_COMPLETION", False):
            await self.send_frame("complete", None)

    def save_then_announce(self, name: str) -> None:
        """Saves a row and tells the room once it is committed; a name of "fail" rolls back."""
        with transaction.atomic():
            Group.objects.create(name=name)
            transaction.on_commit(
                lambda: async_to_sync(self.channel_layer.group_send)(
                    self.room, {"type": "relay", "payload": f"{name} committed"}
                )
            )
            if name == "fail":
                raise ValueError("rolled back on purpose")

    async def relay(self, event: dict[str, Any]) -> None:
        await self.send_frame("group_message", event["payload"])
        if _chanx("SEND_COMPLETION", False):
            await self.send_frame("group_complete", None)


router = URLRouter([path("ws/chanx/<str:room>/", ChanxStyleConsumer.as_asgi())])

# The router behind an Origin check, as a project's ASGI module puts it.
checked_router = OriginValidator(router, [ORIGIN])
