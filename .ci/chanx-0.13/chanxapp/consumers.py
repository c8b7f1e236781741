"""A chanx 0.13 consumer, as a chanx 0.13 project writes one: DRF permissions at connect,
typed incoming messages, a group the consumer joins once let in."""

from typing import Any, Literal

from chanx.generic.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseGroupMessage, BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from rest_framework.permissions import IsAuthenticated


class ShoutMessage(BaseMessage):
    action: Literal["shout"] = "shout"
    payload: str


class ShoutedMessage(BaseGroupMessage):
    action: Literal["shouted"] = "shouted"
    payload: str


RoomIncoming = PingMessage | ShoutMessage


class RoomConsumer(AsyncJsonWebsocketConsumer[RoomIncoming]):
    permission_classes = [IsAuthenticated]

    async def build_groups(self) -> list[str]:
        return ["room"]

    async def receive_message(self, message: RoomIncoming, **kwargs: Any) -> None:
        match message:
            case PingMessage():
                await self.send_message(PongMessage())
            case ShoutMessage(payload=text):
                await self.send_group_message(ShoutedMessage(payload=text), exclude_current=False)
