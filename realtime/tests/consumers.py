"""Small consumers on the base class, routed only in these tests."""

import asyncio
from typing import Any, ClassVar, Literal

from django.urls import path, re_path
from pydantic import BaseModel, Field
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request

from accounts.models import User
from realtime.asgi import websocket_application
from realtime.consumers import RealtimeConsumer
from realtime.messages import BaseMessage, GroupMessage


class EchoPayload(BaseModel):
    text: str = Field(max_length=100)
    times: int = 1


class EchoMessage(BaseMessage):
    action: Literal["echo"] = "echo"
    payload: EchoPayload


class BreakMessage(BaseMessage):
    """Makes the handler raise, to show that errors are not leaked."""

    action: Literal["break"] = "break"
    payload: None = None


class ShoutMessage(GroupMessage):
    """Received, and relayed as it is to the room."""

    action: Literal["shout"] = "shout"
    payload: EchoPayload
    exclude_current: bool = False


class EchoConsumer(RealtimeConsumer[EchoMessage | BreakMessage, None]):
    outgoing_messages = (EchoMessage,)

    async def receive_message(self, message: EchoMessage | BreakMessage) -> None:
        if isinstance(message, BreakMessage):
            raise RuntimeError("secret internal detail")
        for _ in range(message.payload.times):
            await self.send_message(message)


class RoomConsumer(RealtimeConsumer[ShoutMessage, None]):
    outgoing_messages = (ShoutMessage,)

    async def get_groups(self) -> list[str]:
        return ["test-room"]

    async def receive_message(self, message: ShoutMessage) -> None:
        await self.send_group_message(message, exclude_current=message.exclude_current)


class GatedConsumer(RealtimeConsumer[EchoMessage, None]):
    """A slow handler the test controls: each echo waits until ``release`` is set;
    ``entered`` is set once the first one is being handled."""

    outgoing_messages = (EchoMessage,)
    entered: ClassVar[asyncio.Event]
    release: ClassVar[asyncio.Event]

    async def receive_message(self, message: EchoMessage) -> None:
        type(self).entered.set()
        await type(self).release.wait()
        await self.send_message(message)


class IsSelf(BasePermission):
    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return bool(obj == request.user)


class ProfileConsumer(RealtimeConsumer[EchoMessage, User]):
    """Object permissions: only the user named in the URL may connect."""

    permission_classes = (IsAuthenticated, IsSelf)
    queryset = User.objects.all()
    outgoing_messages = (EchoMessage,)

    async def receive_message(self, message: EchoMessage) -> None:
        await self.send_message(message)


application = websocket_application(
    [
        path("ws/echo/", EchoConsumer.as_asgi()),
        path("ws/room/", RoomConsumer.as_asgi()),
        path("ws/gated/", GatedConsumer.as_asgi()),
        re_path(r"^ws/profile/(?P<pk>\d+)/$", ProfileConsumer.as_asgi()),
    ]
)
