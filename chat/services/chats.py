"""Group chats: their creator makes them and becomes the first owner; owners and admins
rename them; owners delete them. Every member's groups pages hear of each change."""

from django.db import transaction

from accounts.models import User
from chat import selectors
from chat.messages.me import ChatDeleted, ChatPayload, ChatRenamed, RenamedPayload
from chat.models import ChatMember, GroupChat
from chat.services.members import Role, require_role, tell_added, tell_inboxes
from realtime.groups import end_sessions_after_commit


@transaction.atomic
def create_group_chat(*, creator: User, name: str) -> GroupChat:
    """Create a group chat whose creator is its first owner."""
    group_chat = GroupChat(name=name, created_by=creator)
    group_chat.full_clean()
    group_chat.save()
    tell_added(ChatMember.objects.create(user=creator, group_chat=group_chat, role=Role.OWNER))
    return group_chat


@transaction.atomic
def rename_group_chat(*, group_chat: GroupChat, actor: User, name: str) -> GroupChat:
    require_role(actor, group_chat, {Role.OWNER, Role.ADMIN}, "Only owners and admins rename.")
    group_chat.name = name
    group_chat.full_clean()
    group_chat.save(update_fields=["name", "updated_at"])
    renamed = RenamedPayload(group_chat_id=group_chat.pk, name=group_chat.name)
    tell_inboxes(selectors.member_user_ids(group_chat), ChatRenamed(payload=renamed))
    return group_chat


@transaction.atomic
def delete_group_chat(*, group_chat: GroupChat, actor: User) -> None:
    require_role(actor, group_chat, {Role.OWNER}, "Only owners delete a group chat.")
    group = group_chat.group_name
    deleted = ChatDeleted(payload=ChatPayload(group_chat_id=group_chat.pk))
    tell_inboxes(selectors.member_user_ids(group_chat), deleted)
    group_chat.delete()
    # One event to the chat's group closes every member's socket in it.
    end_sessions_after_commit(group=group, status_code=404, reason="This group chat was deleted.")
