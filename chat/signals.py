"""A membership deleted any way (the API, the admin, the ORM) closes that member's
sockets in the chat (authentication is checked once, at connect), drops the chat
from their groups pages (``chat_removed`` on ``/ws/me/``) and them from the other
members' panels (``member_removed``)."""

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver

from chat import services
from chat.messages.chat_detail import MemberRemoved
from chat.messages.me import ChatPayload, ChatRemoved
from chat.models import ChatMember, GroupChat
from realtime.groups import end_sessions_after_commit


@receiver(post_delete, sender=ChatMember)
def end_removed_members_sessions(
    sender: type[ChatMember], instance: ChatMember, origin: Any = None, **kwargs: Any
) -> None:
    if isinstance(origin, GroupChat):
        return  # the chat itself is deleted: delete_group_chat closes its whole group
    user_pk, group = instance.user_id, GroupChat(pk=instance.group_chat_id).group_name
    end_sessions_after_commit(user_pk=user_pk, group=group, reason="You left or were removed.")
    # Their groups pages drop the chat; the other members' panels drop them.
    removed = ChatRemoved(payload=ChatPayload(group_chat_id=instance.group_chat_id))
    services.tell_inboxes([user_pk], removed)
    services.tell_members(instance, MemberRemoved)
