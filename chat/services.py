"""Every write of the chat app, in one place: REST views and consumers alike
call these, so the rules (roles, the last owner, message validation) hold
whichever way a change arrives. Blocking ORM code: call from a worker thread
in async code (``database_sync_to_async``)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from chat.models import ChatMember, ChatMessage, GroupChat
from chat.models.chat_message import MAX_MESSAGE_LENGTH
from realtime.groups import end_sessions

Role = ChatMember.ChatMemberRole


class LastOwnerError(ValidationError):
    """A group chat always keeps at least one owner."""

    def __init__(self) -> None:
        super().__init__("A group chat needs an owner: make someone else owner first.")


@transaction.atomic
def create_group_chat(*, creator: User, name: str) -> GroupChat:
    """Create a group chat whose creator is its first owner."""
    group_chat = GroupChat(name=name, created_by=creator)
    group_chat.full_clean()
    group_chat.save()
    ChatMember.objects.create(user=creator, group_chat=group_chat, chat_role=Role.OWNER)
    return group_chat


def membership_of(user: User, group_chat: GroupChat) -> ChatMember | None:
    return ChatMember.objects.filter(user=user, group_chat=group_chat).first()


def _require_role(actor: User, group_chat: GroupChat, roles: set[str], why: str) -> ChatMember:
    membership = membership_of(actor, group_chat)
    if membership is None or membership.chat_role not in roles:
        raise PermissionDenied(why)
    return membership


@transaction.atomic
def rename_group_chat(*, group_chat: GroupChat, actor: User, name: str) -> GroupChat:
    _require_role(actor, group_chat, {Role.OWNER, Role.ADMIN}, "Only owners and admins rename.")
    group_chat.name = name
    group_chat.full_clean()
    group_chat.save(update_fields=["name", "updated_at"])
    return group_chat


@transaction.atomic
def delete_group_chat(*, group_chat: GroupChat, actor: User) -> None:
    _require_role(actor, group_chat, {Role.OWNER}, "Only owners delete a group chat.")
    group = group_chat.group_name
    group_chat.delete()
    # One event to the chat's group closes every member's socket in it.
    transaction.on_commit(
        lambda: end_sessions(group=group, status_code=404, reason="This group chat was deleted.")
    )


def _require_manager(actor: User, group_chat: GroupChat, *, role: str) -> ChatMember:
    """Owners and admins manage members; only owners hand out admin or owner."""
    membership = _require_role(
        actor, group_chat, {Role.OWNER, Role.ADMIN}, "Only owners and admins manage members."
    )
    if role != Role.MEMBER and membership.chat_role != Role.OWNER:
        raise PermissionDenied("Only owners give or take the admin and owner roles.")
    return membership


@transaction.atomic
def add_member(
    *, group_chat: GroupChat, actor: User, user: User, role: str = Role.MEMBER
) -> ChatMember:
    _require_manager(actor, group_chat, role=role)
    try:
        # A savepoint: the unique constraint decides, even between two racing adds.
        with transaction.atomic():
            return ChatMember.objects.create(group_chat=group_chat, user=user, chat_role=role)
    except IntegrityError:
        raise ValidationError(f"{user.username} is already a member.") from None


def _owners_left_without(membership: ChatMember) -> int:
    return (
        ChatMember.objects.select_for_update()
        .filter(group_chat_id=membership.group_chat_id, chat_role=Role.OWNER)
        .exclude(pk=membership.pk)
        .count()
    )


@transaction.atomic
def change_role(*, membership: ChatMember, actor: User, role: str) -> ChatMember:
    # Changing anyone to or from admin/owner is an owner's decision.
    touches_privileged = role != Role.MEMBER or membership.chat_role != Role.MEMBER
    _require_manager(
        actor, membership.group_chat, role=Role.OWNER if touches_privileged else Role.MEMBER
    )
    demotes_an_owner = membership.chat_role == Role.OWNER and role != Role.OWNER
    if demotes_an_owner and _owners_left_without(membership) == 0:
        raise LastOwnerError()
    membership.chat_role = role
    membership.full_clean()
    membership.save(update_fields=["chat_role"])
    return membership


@transaction.atomic
def remove_member(*, membership: ChatMember, actor: User) -> None:
    """Remove a member, or let a member leave (``actor`` is that member)."""
    if membership.user_id != actor.pk:
        # Removing an admin or owner is an owner's decision.
        _require_manager(actor, membership.group_chat, role=membership.chat_role)
    if membership.chat_role == Role.OWNER and _owners_left_without(membership) == 0:
        raise LastOwnerError()
    membership.delete()
    # Permission was checked at connect; an open socket learns of the removal here.
    user_pk, group = membership.user_id, membership.group_chat.group_name
    transaction.on_commit(
        lambda: end_sessions(user_pk=user_pk, group=group, reason="You left or were removed.")
    )


def save_message(*, group_chat: GroupChat, sender: User, content: str) -> ChatMessage:
    """Validate and store a message; it is committed when this returns, so it
    is in the database before anyone is told about it."""
    content = content.strip()
    # A TextField's max_length only sizes form widgets; full_clean ignores it.
    if len(content) > MAX_MESSAGE_LENGTH:
        raise ValidationError(
            {"content": f"A message is at most {MAX_MESSAGE_LENGTH} characters long."}
        )
    message = ChatMessage(group_chat=group_chat, sender=sender, content=content)
    message.full_clean()
    message.save()
    return message
