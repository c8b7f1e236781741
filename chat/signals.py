"""What happens whichever way a row goes (the API, the admin, the ORM).

A membership deleted closes that member's sockets in the chat (authentication is
checked once, at connect), drops the chat from their groups pages (``chat_removed`` on
``/ws/me/``) and them from the other members' panels (``member_removed``). An attachment
deleted takes its stored files with it."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from chat.messages.chat_detail import MemberRemoved
from chat.messages.me import ChatPayload, ChatRemoved
from chat.models import Attachment, ChatMember, GroupChat
from chat.services.attachments import delete_files
from chat.services.members import tell_inboxes, tell_members
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
    tell_inboxes([user_pk], removed)
    tell_members(instance, MemberRemoved)


@receiver(post_delete, sender=Attachment)
def delete_attachment_files(sender: type[Attachment], instance: Attachment, **kwargs: Any) -> None:
    """An attachment deleted any way (its message deleted, its chat deleted, never sent)
    takes its stored files with it, once the deletion commits (a rollback keeps them)."""
    names = [instance.file.name, instance.thumbnail.name]
    transaction.on_commit(lambda: delete_files(names))
