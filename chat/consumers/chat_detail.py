from channels.db import database_sync_to_async
from rest_framework.permissions import IsAuthenticated

from accounts.models import User
from chat import services
from chat.messages.chat import ChatIncomingMessage, NewChatMessage
from chat.messages.group import MemberMessage, MemberPayload
from chat.models import GroupChat
from chat.permissions import IsGroupChatMember
from realtime.consumers import RealtimeConsumer


class ChatDetailConsumer(RealtimeConsumer[ChatIncomingMessage]):
    """``/ws/chat/<pk>/``: a group chat, open to its members only.

    A new message is saved first and relayed to the group after, so every
    message a member receives is already in the history.
    """

    permission_classes = (IsAuthenticated, IsGroupChatMember)
    queryset = GroupChat.objects.all()
    # It reaches the database only through database_sync_to_async, which
    # closes stale connections in its own thread: no extra hop per message.
    close_old_connections_per_message = False

    @property
    def group_chat(self) -> GroupChat:
        assert isinstance(self.obj, GroupChat)
        return self.obj

    async def get_groups(self) -> list[str]:
        return [self.group_chat.group_name]

    async def receive_message(self, message: ChatIncomingMessage) -> None:
        assert isinstance(message, NewChatMessage)
        assert isinstance(self.user, User)
        # Looked up on the module at call time, so tests can patch it.
        saved = await database_sync_to_async(services.save_message)(
            group_chat=self.group_chat, sender=self.user, content=message.payload.content
        )
        await self.send_group_message(MemberMessage(payload=MemberPayload.from_message(saved)))
