"""What the group chat consumer (``/ws/chat/<pk>/``) receives and sends."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

from chat.models import ChatMessage
from chat.models.chat_message import MAX_MESSAGE_LENGTH
from realtime.messages import BaseMessage, BasePayload, GroupMessage


def stripped_not_blank(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise PydanticCustomError(
            "string_too_short", "String should have at least 1 character besides whitespace"
        )
    return stripped


# The model's rule (``ChatMessage.content``), checked at the edge: a frame that breaks
# it is refused with an ``error`` before any handler or query runs. The length is
# checked on what was sent, before stripping, so padding does not ride through.
MessageContent = Annotated[
    str, StringConstraints(max_length=MAX_MESSAGE_LENGTH), AfterValidator(stripped_not_blank)
]


# Received


class MessagePayload(BasePayload):
    content: MessageContent


class NewChatMessage(BaseMessage):
    """Say something to the group; saved, then relayed as ``member_message``."""

    action: Literal["new_message"] = "new_message"
    payload: MessagePayload


# Sent to every member


class SenderPayload(BasePayload):
    id: int
    username: str


class MemberPayload(BasePayload):
    id: int
    group_chat_id: int
    content: str
    sender: SenderPayload | None
    created_at: datetime

    @classmethod
    def from_message(cls, message: ChatMessage) -> "MemberPayload":
        sender = message.sender
        return cls(
            id=message.pk,
            group_chat_id=message.group_chat_id,
            content=message.content,
            sender=SenderPayload(id=sender.pk, username=sender.username) if sender else None,
            created_at=message.created_at,
        )


class MemberMessage(GroupMessage):
    """A message a member said, as each member receives it (with ``is_mine`` and
    ``is_current`` set for that member by the relay)."""

    action: Literal["member_message"] = "member_message"
    payload: MemberPayload
