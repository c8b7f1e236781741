from channels.db import database_sync_to_async
from rest_framework.permissions import IsAuthenticated

from chat import services
from chat.messages.chat_detail import MemberMessage, MemberPayload, NewChatMessage
from chat.models import GroupChat
from chat.permissions import IsGroupChatMember
from realtime.consumers import RealtimeConsumer


class ChatDetailConsumer(RealtimeConsumer[NewChatMessage, GroupChat]):
    """``/ws/chat/<pk>/``: a group chat, open to its members only.

    A new message is saved first and relayed to the group after, so every
    message a member receives is already in the history.
    """

    permission_classes = (IsAuthenticated, IsGroupChatMember)
    queryset = GroupChat.objects.all()

    async def get_groups(self) -> list[str]:
        return [self.obj.group_name]

    async def receive_message(self, message: NewChatMessage) -> None:
        # Looked up on the module at call time, so tests can patch it.
        saved = await database_sync_to_async(services.save_message)(
            group_chat=self.obj, sender=self.authenticated_user, content=message.payload.content
        )
        await self.send_group_message(MemberMessage(payload=MemberPayload.from_message(saved)))
