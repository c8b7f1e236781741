"""Small consumers that speak the wire protocol, so the harness is tested without project code.

Frames are ``{"action": ..., "payload": ...}``. On connect a consumer accepts, reports its
authentication and closes with 4000 + status after anything but 200. After handling a frame it
sends ``complete``; after relaying a group message, ``group_complete``. An ``echo`` with a
``ref`` is answered with the same ``ref``.
"""

from typing import Any, Literal

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth.models import Group
from django.urls import path
from pydantic import BaseModel

# Every consumer's lifecycle, for tests that check what cleanup did.
events: list[str] = []


class Ping(BaseModel):
    action: Literal["ping"] = "ping"
    payload: None = None


class Echo(BaseModel):
    action: Literal["echo"] = "echo"
    payload: dict[str, Any]


class Broadcast(BaseModel):
    action: Literal["broadcast"] = "broadcast"
    payload: dict[str, Any]


class ProtocolConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """Reports status 200 (or the route's ``status``) and answers a few actions."""

    action_key = "action"
    payload_key = "payload"
    authentication_action = "authentication"
    complete_action = "complete"
    group_complete_action = "group_complete"
    send_completion = True

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        self.room = f"room-{kwargs.get('room', 'lobby')}"
        offered = self.scope["subprotocols"]
        await self.accept(subprotocol=offered[0] if offered else None)
        status, data = await self.authenticate()
        if status == 200:
            # Joined before the client hears it may speak, as a real consumer does.
            await self.channel_layer.group_add(self.room, self.channel_name)
            events.append(f"connect {self.scope['path']}")
        await self.send_action(
            self.authentication_action,
            {
                "status_code": status,
                "status_text": "OK" if status == 200 else "Refused",
                "data": data,
            },
        )
        if status != 200:
            await self.close(code=4000 + status)

    async def authenticate(self) -> tuple[int, Any]:
        return self.scope["url_route"]["kwargs"].get("status", 200), None

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.room, self.channel_name)
        events.append(f"disconnect {self.scope['path']}")

    async def send_action(self, action: str, payload: Any, **extra: Any) -> None:
        await self.send_json({self.action_key: action, self.payload_key: payload, **extra})

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        action, payload = content.get(self.action_key), content.get(self.payload_key)
        if action == "silent":
            return  # answers nothing, not even the completion marker
        if action == "crash":
            raise RuntimeError("the consumer exploded on purpose")
        if action == "binary":
            await self.send(bytes_data=b"\x00\x01")
            return
        if action == "ping":
            await self.send_action("pong", None)
        elif action == "echo":
            # A request's ref comes back on its reply, as in chanx 2's envelope.
            ref = {"ref": content["ref"]} if "ref" in content else {}
            await self.send_action("echo_response", payload, **ref)
        elif action == "count_groups":
            await self.send_action(
                "group_count", await database_sync_to_async(Group.objects.count)()
            )
        elif action == "broadcast":
            await self.channel_layer.group_send(
                self.room, {"type": "relay", "payload": payload, "sender": self.channel_name}
            )
        else:
            await self.send_action("error", {"detail": f"unknown action {action!r}"})
        if self.send_completion:
            await self.send_action(self.complete_action, None)

    async def relay(self, event: dict[str, Any]) -> None:
        mine = event["sender"] == self.channel_name
        await self.send_action("group_message", event["payload"], is_mine=mine, is_current=mine)
        if self.send_completion:
            await self.send_action(self.group_complete_action, None)


class UserConsumer(ProtocolConsumer):
    """Lets in only a logged-in user (AuthMiddlewareStack puts it in the scope)."""

    async def authenticate(self) -> tuple[int, Any]:
        user = self.scope["user"]
        if not user.is_authenticated:
            return 401, None
        return 200, {"username": user.get_username()}


class QuietConsumer(ProtocolConsumer):
    """Completion markers switched off, as a project's settings may do."""

    send_completion = False


class RenamedConsumer(ProtocolConsumer):
    """The same protocol under other names, for CHANX_TESTING."""

    action_key = "type"
    payload_key = "data"
    authentication_action = "auth"
    complete_action = "done"
    group_complete_action = "group_done"


class MuteConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """Accepts and says nothing: authentication messages switched off."""

    async def connect(self) -> None:
        await self.accept()


class RefusingConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """Refuses the handshake outright."""

    async def connect(self) -> None:
        await self.close(code=4401)


class CrashOnConnectConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        raise RuntimeError("connect exploded on purpose")


urlpatterns = [
    path("ws/echo/", ProtocolConsumer.as_asgi()),
    path("ws/status/<int:status>/", ProtocolConsumer.as_asgi()),
    path("ws/room/<str:room>/", ProtocolConsumer.as_asgi()),
    path("ws/user/", UserConsumer.as_asgi()),
    path("ws/quiet/", QuietConsumer.as_asgi()),
    path("ws/renamed/", RenamedConsumer.as_asgi()),
    path("ws/mute/", MuteConsumer.as_asgi()),
    path("ws/refuse/", RefusingConsumer.as_asgi()),
    path("ws/crash-on-connect/", CrashOnConnectConsumer.as_asgi()),
]
