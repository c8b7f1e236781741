"""What the user's own consumer (``/ws/me/``) sends: events about the user's group
chats, for the groups page. It receives nothing but ping.

Each event is pushed to the user's inbox group (``inbox_group``), which only that
user's ``/ws/me/`` sockets join: members-only by construction, however a membership
changes. New messages are the exception, pushed once per message to the chat's
activity group (``activity_group``): a ``/ws/me/`` socket joins the activity groups of
the user's chats at connect, and follows its inbox's ``chat_added`` / ``chat_removed`` /
``chat_deleted`` (``chat.consumers.me``).
"""

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from chat.messages.chat_detail import SenderPayload
from chat.models import ChatMessage
from realtime.messages import BasePayload, GroupMessage

if TYPE_CHECKING:
    from chat.selectors import GroupChatOverview

# How much of a message the groups page shows.
PREVIEW_CHARS = 100


def inbox_group(user_pk: object) -> str:
    """The channel-layer group of one user's ``/ws/me/`` sockets."""
    return f"chat-inbox-{user_pk}"


def activity_group(group_chat_pk: object) -> str:
    """The channel-layer group of the chat's members' ``/ws/me/`` sockets, which hear
    its new messages (``chat_activity``): one push per message, whatever the members."""
    return f"chat-activity-{group_chat_pk}"


class LastMessagePayload(BasePayload):
    """A chat's latest message, as the groups page shows it (the REST list's
    ``last_message`` too)."""

    id: int
    seq: int
    # The first PREVIEW_CHARS characters; empty for a deleted message.
    preview: str
    sender: SenderPayload | None
    created_at: datetime
    deleted: bool

    @classmethod
    def from_message(cls, message: ChatMessage) -> "LastMessagePayload":
        sender = message.sender
        return cls(
            id=message.pk,
            seq=message.seq,
            preview=message.content[:PREVIEW_CHARS],
            sender=SenderPayload(id=sender.pk, username=sender.username) if sender else None,
            created_at=message.created_at,
            deleted=message.deleted_at is not None,
        )


class ActivityPayload(BasePayload):
    group_chat_id: int
    last_message: LastMessagePayload
    # The ids of the members the message mentions: theirs is one more mention to count
    # (and, unless they muted the chat, to notify).
    mentions: list[int] = []


class ChatActivity(GroupMessage):
    """A new message in one of the user's chats (``is_mine`` when the user said it)."""

    action: Literal["chat_activity"] = "chat_activity"
    payload: ActivityPayload


class SummaryPayload(BasePayload):
    """A chat as the groups page lists it (a subset of ``GET /api/groups/``'s items)."""

    id: int
    name: str
    my_role: str
    unread_count: int
    # The unread messages that mention the user.
    mention_count: int
    # The user muted the chat: nothing of it is notified (still counted).
    muted: bool
    last_message: LastMessagePayload | None

    @classmethod
    def from_overview(cls, group_chat: "GroupChatOverview") -> "SummaryPayload":
        """From a row of ``chat.selectors.group_chat_overview``."""
        latest = group_chat.latest_messages
        return cls(
            id=group_chat.pk,
            name=group_chat.name,
            my_role=group_chat.my_role,
            unread_count=group_chat.unread_count,
            mention_count=group_chat.mention_count,
            muted=group_chat.muted,
            last_message=LastMessagePayload.from_message(latest[0]) if latest else None,
        )


class ChatAdded(GroupMessage):
    """The user was added to a chat (or created one)."""

    action: Literal["chat_added"] = "chat_added"
    payload: SummaryPayload


class ChatPayload(BasePayload):
    group_chat_id: int


class ChatRemoved(GroupMessage):
    """The user left or was removed from a chat."""

    action: Literal["chat_removed"] = "chat_removed"
    payload: ChatPayload


class ChatDeleted(GroupMessage):
    """One of the user's chats was deleted."""

    action: Literal["chat_deleted"] = "chat_deleted"
    payload: ChatPayload


class RenamedPayload(BasePayload):
    group_chat_id: int
    name: str


class ChatRenamed(GroupMessage):
    action: Literal["chat_renamed"] = "chat_renamed"
    payload: RenamedPayload


class MutedPayload(BasePayload):
    group_chat_id: int
    muted: bool


class ChatMuted(GroupMessage):
    """The user muted or unmuted a chat (from any of their pages)."""

    action: Literal["chat_muted"] = "chat_muted"
    payload: MutedPayload
