from rest_framework.permissions import IsAuthenticated

from chat import selectors
from chat.messages.chat_detail import MembersRead
from chat.messages.me import (
    ChatActivity,
    ChatAdded,
    ChatDeleted,
    ChatMuted,
    ChatRemoved,
    ChatRenamed,
    activity_group,
    inbox_group,
)
from realtime.consumers import RealtimeConsumer
from realtime.database import database_sync_to_async
from realtime.groups import GroupMessageEvent
from realtime.messages import PingMessage

# The inbox events after which a socket no longer hears the chat's activity.
LEAVING: dict[str, type[ChatRemoved | ChatDeleted]] = {
    message.model_fields["action"].default: message for message in (ChatRemoved, ChatDeleted)
}


class MeConsumer(RealtimeConsumer[PingMessage, None]):
    """``/ws/me/``: the logged-in user's own events, for the groups page.

    It joins the user's inbox group, so it hears what was pushed to that user
    (``chat.messages.me``): a chat added, removed, renamed or deleted, muted or
    unmuted, and the user's read positions (``members_read`` with the user's entry
    alone: the chat's new unread and mention counts); and the activity group of each of
    the user's chats, for their new messages (``chat_activity``), joined and left as the
    inbox says the user's chats change.
    Nothing to send but ping: marking a chat read is the chat socket's ``mark_read``.
    """

    permission_classes = (IsAuthenticated,)
    # All pushed to the user's inbox group (chat.services).
    outgoing_messages = (
        ChatActivity,
        ChatAdded,
        ChatRemoved,
        ChatDeleted,
        ChatRenamed,
        MembersRead,
        ChatMuted,
    )

    async def get_groups(self) -> list[str]:
        chats = await database_sync_to_async(selectors.member_group_chat_ids)(
            self.authenticated_user
        )
        return [inbox_group(self.authenticated_user.pk), *map(activity_group, chats)]

    async def relay(self, event: GroupMessageEvent) -> None:
        """Follow the user's memberships: a chat added to the inbox is one more activity
        group to hear; a chat removed or deleted, one less. Then relay the event."""
        action = event["action"]
        if action == ChatAdded.model_fields["action"].default:
            chat = ChatAdded.model_validate_json(event["text"]).payload.id
            await self.join_group(activity_group(chat))
        elif action in LEAVING:
            chat = LEAVING[action].model_validate_json(event["text"]).payload.group_chat_id
            await self.leave_group(activity_group(chat))
        await super().relay(event)
