"""The guide's demo rooms (``myapp.messages`` in the testing guide)."""

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

from chat.messages.chat import MessageContent
from realtime.messages.base import BaseMessage, BasePayload
from realtime.messages.incoming import PingMessage


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


class ChatGroupMessage(BaseMessage):
    """The broadcast room's relay, to everyone in the room."""

    action: Literal["chat_group"] = "chat_group"
    payload: ChatPayload


DemoIncomingMessage = PingMessage | ChatMessage
