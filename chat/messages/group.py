"""What the group chat relays to every member's socket."""

from datetime import datetime
from typing import Literal

from chat.models import ChatMessage
from realtime.messages.base import BaseMessage, BasePayload


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


class MemberMessage(BaseMessage):
    """A message a member said, as each member receives it (``is_mine`` is
    added per receiver by the relay)."""

    action: Literal["member_message"] = "member_message"
    payload: MemberPayload
