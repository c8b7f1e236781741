"""A consumer and a topic that behave on the wire as chanx 2's do, without chanx installed.

Like chanx 2's ``AsyncJsonWebsocketConsumer``: it accepts, sends the authentication frame,
joins its group; handles each frame in a task of its own, then sends ``complete``; its
class method ``broadcast_event`` sends an event through the channel layer, which each
member answers with the event's message and ``event_complete``; an
``outgoing_message_adapter`` validates what it sends. Topics use chanx 2's envelope
(``version``, ``topic``, ``ref``, ``seq`` beside the action). A class attribute
``camelize = True`` makes it speak camelCase.
"""

import asyncio
from typing import Annotated, Any, ClassVar, Literal

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from django.urls import path
from pydantic import BaseModel, Field, TypeAdapter

from chanx_testing.protocol import camelize, decamelize


class Ping(BaseModel):
    action: Literal["ping"] = "ping"
    payload: None = None


class Pong(BaseModel):
    action: Literal["pong"] = "pong"
    payload: None = None


class Complete(BaseModel):
    action: Literal["complete"] = "complete"
    payload: None = None


class EventComplete(BaseModel):
    action: Literal["event_complete"] = "event_complete"
    payload: None = None


class RoomPayload(BaseModel):
    room_name: str
    member_count: int


class RoomNews(BaseModel):
    """Broadcast to the room, and pushed to each member as it is."""

    action: Literal["room_news"] = "room_news"
    payload: RoomPayload


class Join(BaseModel):
    action: Literal["join"] = "join"
    payload: None = None


class Joined(BaseModel):
    action: Literal["joined"] = "joined"
    payload: str


Outgoing = Annotated[Pong | Complete | EventComplete | RoomNews, Field(discriminator="action")]
TopicOutgoing = Annotated[Joined | RoomNews, Field(discriminator="action")]

ROOM_GROUP = "chanx2-room"


class RoomTopic:
    """A topic ``room:<name>``: joined by subscribing, published to by ``broadcast``."""

    outgoing_message_adapter: ClassVar[TypeAdapter[Any]] = TypeAdapter(TopicOutgoing)

    @classmethod
    def group_name(cls, topic: str) -> str:
        return f"topic-{topic.replace(':', '-')}"

    @classmethod
    async def broadcast(cls, topic: str, event: BaseModel, *, seq: int | None = None) -> None:
        await get_channel_layer().group_send(
            cls.group_name(topic),
            {"type": "handle_topic_event", "topic": topic, "seq": seq, "event": event.model_dump()},
        )


class Chanx2StyleConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    outgoing_message_adapter: ClassVar[TypeAdapter[Any]] = TypeAdapter(Outgoing)
    camelize: ClassVar[bool] = False
    groups = [ROOM_GROUP]

    async def connect(self) -> None:
        await self.accept()
        status = {"status_code": 200, "status_text": "OK", "data": {"detail": "OK"}}
        await self.send_out({"action": "authentication", "payload": status})

    async def send_out(self, frame: dict[str, Any]) -> None:
        await self.send_json(camelize(frame) if self.camelize else frame)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        if self.camelize:
            content = decamelize(content)
        # chanx 2 handles each frame in a task of its own.
        asyncio.get_running_loop().create_task(self.handle(content))

    async def handle(self, content: dict[str, Any]) -> None:
        topic, ref = content.get("topic"), content.get("ref")
        if topic is not None:
            await self.handle_topic(topic, ref, content["action"])
            return
        if content["action"] == "ping":
            await self.send_out(Pong().model_dump())
        await self.send_out(Complete().model_dump())

    async def handle_topic(self, topic: str, ref: str | None, action: str) -> None:
        envelope = {"version": 1, "topic": topic, "ref": ref}
        if action == "subscribe":
            await self.channel_layer.group_add(RoomTopic.group_name(topic), self.channel_name)
            await self.send_out({"action": "subscribed", "payload": None, **envelope})
        elif action == "unsubscribe":
            await self.channel_layer.group_discard(RoomTopic.group_name(topic), self.channel_name)
            await self.send_out({"action": "unsubscribed", "payload": None, **envelope})
        elif action == "join":
            joined = Joined(payload=topic.split(":", 1)[1]).model_dump()
            await self.send_out({**joined, **envelope})

    @classmethod
    async def broadcast_event(cls, event: BaseModel, groups: Any = None) -> None:
        for group in [groups] if isinstance(groups, str) else groups or cls.groups:
            await get_channel_layer().group_send(
                group, {"type": "handle_channel_event", "event_data": event.model_dump()}
            )

    async def handle_channel_event(self, event: dict[str, Any]) -> None:
        await self.send_out(event["event_data"])
        await self.send_out(EventComplete().model_dump())

    async def handle_topic_event(self, event: dict[str, Any]) -> None:
        frame = {**event["event"], "version": 1, "topic": event["topic"], "seq": event["seq"]}
        await self.send_out(frame)


class CamelConsumer(Chanx2StyleConsumer):
    camelize = True


router = URLRouter(
    [
        path("ws/chanx2/", Chanx2StyleConsumer.as_asgi()),
        path("ws/chanx2/camel/", CamelConsumer.as_asgi()),
    ]
)
