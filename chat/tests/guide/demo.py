"""The guide's demo rooms (``myapp.consumers`` and ``myapp.messages`` in the testing
guide), routed only in the guide's tests: ``router`` below, which their test cases
set as the harness's ``router``. Production has no such rooms.

- ``/ws/chat/<room_name>/``: ``EchoConsumer``, answering the sender only.
- ``/ws/broadcast/<room_name>/``: ``BroadcastConsumer``, relaying to everyone in the room.
"""

from typing import Annotated, Any, Literal

from django.urls import re_path
from pydantic import BeforeValidator

from chat.messages.chat_detail import MessageContent
from realtime.asgi import websocket_application
from realtime.consumers import RealtimeConsumer
from realtime.messages import BaseMessage, BasePayload, GroupMessage


def _content_from_text(value: Any) -> Any:
    # The guide writes both ChatMessage(payload="Hello") and
    # ChatMessage(payload={"content": ...}); a bare string means its content.
    return {"content": value} if isinstance(value, str) else value


class ChatPayload(BasePayload):
    content: MessageContent


class ChatMessage(BaseMessage):
    action: Literal["chat"] = "chat"
    payload: Annotated[ChatPayload, BeforeValidator(_content_from_text)]


class ChatResponse(BaseMessage):
    """The echo room's answer, to the sender only."""

    action: Literal["chat_response"] = "chat_response"
    payload: ChatPayload


class ChatGroupMessage(GroupMessage):
    """The broadcast room's relay, to everyone in the room."""

    action: Literal["chat_group"] = "chat_group"
    payload: ChatPayload


class EchoConsumer(RealtimeConsumer[ChatMessage, None]):
    """The guide's demo room, answering the sender only."""

    outgoing_messages = (ChatResponse,)

    async def receive_message(self, message: ChatMessage) -> None:
        await self.send_message(
            ChatResponse(payload=ChatPayload(content=f"Echo: {message.payload.content}"))
        )


class BroadcastConsumer(RealtimeConsumer[ChatMessage, None]):
    """The guide's group-messaging demo: what one client says reaches everyone in
    the room, the sender included."""

    outgoing_messages = (ChatGroupMessage,)

    async def get_groups(self) -> list[str]:
        return [f"broadcast-{self.scope['url_route']['kwargs']['room_name']}"]

    async def receive_message(self, message: ChatMessage) -> None:
        await self.send_group_message(ChatGroupMessage(payload=message.payload))


# Room names become channel-layer group names: ASCII letters, digits, - and _.
ROOM_NAME = r"(?P<room_name>[-a-zA-Z0-9_]{1,50})"

router = websocket_application(
    [
        re_path(rf"^ws/chat/{ROOM_NAME}/$", EchoConsumer.as_asgi()),
        re_path(rf"^ws/broadcast/{ROOM_NAME}/$", BroadcastConsumer.as_asgi()),
    ]
)
