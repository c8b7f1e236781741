"""What a client sends in a group chat (``/ws/chat/<pk>/``)."""

from typing import Annotated, Literal

from pydantic import StringConstraints

from chat.models.chat_message import MAX_MESSAGE_LENGTH
from realtime.messages.base import BaseMessage, BasePayload
from realtime.messages.incoming import PingMessage

MessageContent = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE_LENGTH)
]


class MessagePayload(BasePayload):
    content: MessageContent


class NewChatMessage(BaseMessage):
    """Say something to the group; saved, then relayed as ``member_message``."""

    action: Literal["new_message"] = "new_message"
    payload: MessagePayload


ChatIncomingMessage = PingMessage | NewChatMessage
