from django.core.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated

from chat import services
from chat.messages.chat_detail import (
    MemberMessage,
    MemberPayload,
    MessageSaved,
    NewChatMessage,
    SavedPayload,
)
from chat.models import GroupChat
from chat.permissions import IsGroupChatMember
from realtime.consumers import RealtimeConsumer
from realtime.messages import ErrorMessage, ErrorPayload


class ChatDetailConsumer(RealtimeConsumer[NewChatMessage, GroupChat]):
    """``/ws/chat/<pk>/``: a group chat, open to its members only.

    A new message goes to ``chat.services.apost_message``, which saves it and then
    pushes it to the chat's group, so every message a member receives is already
    in the history. A sender that gave a ``client_id`` is answered ``message_saved``
    once the message is stored, whether or not the push reached the members
    (``relayed``); any sender is, when the push failed: a saved message is never
    reported to its sender as failed. A sender without a ``client_id`` whose message
    was relayed learns it from its own copy (``is_mine``), as the guide's clients do.
    """

    permission_classes = (IsAuthenticated, IsGroupChatMember)
    queryset = GroupChat.objects.all()
    # Members' messages come through the chat's group (chat.services pushes them).
    outgoing_messages = (MemberMessage, MessageSaved)

    async def get_groups(self) -> list[str]:
        return [self.obj.group_name]

    async def receive_message(self, message: NewChatMessage) -> None:
        try:
            posted = await services.apost_message(
                group_chat=self.obj,
                sender=self.authenticated_user,
                content=message.payload.content,
                client_id=message.payload.client_id,
                sender_channel=self.channel_name,
            )
        except ValidationError as exc:
            # Nothing was stored: a client id already used in another chat.
            await self.send_message(
                ErrorMessage(payload=ErrorPayload(message=" ".join(exc.messages)))
            )
            return
        if message.payload.client_id is None and posted.relayed:
            return
        await self.send_message(
            MessageSaved(
                payload=SavedPayload(
                    message=MemberPayload.from_message(posted.message),
                    relayed=posted.relayed,
                    duplicate=not posted.created,
                )
            )
        )
