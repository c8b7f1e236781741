from rest_framework.permissions import IsAuthenticated

from chat.messages.me import (
    ChatActivity,
    ChatAdded,
    ChatDeleted,
    ChatRead,
    ChatRemoved,
    ChatRenamed,
    inbox_group,
)
from realtime.consumers import RealtimeConsumer
from realtime.messages import PingMessage


class MeConsumer(RealtimeConsumer[PingMessage, None]):
    """``/ws/me/``: the logged-in user's own events, for the groups page.

    It joins the user's inbox group and nothing else, so it hears only what was pushed
    to that user (``chat.messages.me``): a new message in one of their chats
    (``chat_activity``), a chat added, removed, renamed or deleted, a chat marked read.
    Nothing to send but ping: marking a chat read is the chat socket's ``mark_read``.
    """

    permission_classes = (IsAuthenticated,)
    # All pushed to the user's inbox group (chat.services).
    outgoing_messages = (ChatActivity, ChatAdded, ChatRemoved, ChatDeleted, ChatRenamed, ChatRead)

    async def get_groups(self) -> list[str]:
        return [inbox_group(self.authenticated_user.pk)]
