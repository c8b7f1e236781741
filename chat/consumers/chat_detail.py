from channels.db import database_sync_to_async
from rest_framework.permissions import IsAuthenticated

from chat import services
from chat.messages.chat_detail import NewChatMessage
from chat.models import GroupChat
from chat.permissions import IsGroupChatMember
from realtime.consumers import RealtimeConsumer


class ChatDetailConsumer(RealtimeConsumer[NewChatMessage, GroupChat]):
    """``/ws/chat/<pk>/``: a group chat, open to its members only.

    A new message goes to ``chat.services.post_message``, which saves it and then
    pushes it to the chat's group, so every message a member receives is already
    in the history.
    """

    permission_classes = (IsAuthenticated, IsGroupChatMember)
    queryset = GroupChat.objects.all()

    async def get_groups(self) -> list[str]:
        return [self.obj.group_name]

    async def receive_message(self, message: NewChatMessage) -> None:
        await database_sync_to_async(services.post_message)(
            group_chat=self.obj,
            sender=self.authenticated_user,
            content=message.payload.content,
            sender_channel=self.channel_name,
        )
