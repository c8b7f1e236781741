"""Membership: owners and admins add members and change their roles, members leave or
are removed (a chat always keeps an owner), and who holds which role may do what. The
chat's open sockets hear of every change; the member's groups pages, of their joining
and leaving."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from chat import selectors
from chat.messages.chat_detail import (
    MemberAdded,
    MemberRemoved,
    MemberRoleChanged,
    MembershipPayload,
)
from chat.messages.me import ChatAdded, SummaryPayload, inbox_group
from chat.models import Block, ChatMember, GroupChat
from chat.services.blocks import block_user
from realtime.groups import push_after_commit
from realtime.messages import GroupMessage

Role = ChatMember.Role


class LastOwnerError(ValidationError):
    """A group chat always keeps at least one owner."""

    def __init__(self) -> None:
        super().__init__("A group chat needs an owner: make someone else owner first.")


def tell_inboxes(user_ids: list[int], message: GroupMessage) -> None:
    """Push ``message`` to these users' ``/ws/me/`` sockets once the transaction commits."""
    push_after_commit([inbox_group(pk) for pk in user_ids], message)


def tell_added(membership: ChatMember) -> None:
    """The new member's groups pages list the chat (``chat_added``)."""
    user = membership.user
    overview = selectors.group_chat_overview(user).get(pk=membership.group_chat_id)
    tell_inboxes([user.pk], ChatAdded(payload=SummaryPayload.from_overview(overview)))


def tell_members(
    membership: ChatMember, event: type[MemberAdded | MemberRoleChanged | MemberRemoved]
) -> None:
    """The chat's open sockets hear of a membership's change once it commits (every
    member's members panel)."""
    change = event(payload=MembershipPayload.from_membership(membership))
    push_after_commit(GroupChat(pk=membership.group_chat_id).group_name, change)


def require_role(actor: User, group_chat: GroupChat, roles: set[str], why: str) -> ChatMember:
    """``actor``'s membership of the chat, when it holds one of ``roles``; else
    ``PermissionDenied`` saying ``why``."""
    membership = selectors.membership(actor, group_chat)
    if membership is None or membership.role not in roles:
        raise PermissionDenied(why)
    return membership


def _require_manager(actor: User, group_chat: GroupChat, *, role: str) -> ChatMember:
    """Owners and admins manage members; only owners hand out admin or owner."""
    membership = require_role(
        actor, group_chat, {Role.OWNER, Role.ADMIN}, "Only owners and admins manage members."
    )
    if role != Role.MEMBER and membership.role != Role.OWNER:
        raise PermissionDenied("Only owners give or take the admin and owner roles.")
    return membership


def latest_seq(group_chat: GroupChat) -> int:
    """The seq of the chat's latest message, as committed (``group_chat`` may be old)."""
    return GroupChat.objects.values_list("last_seq", flat=True).get(pk=group_chat.pk)


@transaction.atomic
def add_member(
    *, group_chat: GroupChat, actor: User, user: User, role: str = Role.MEMBER
) -> ChatMember:
    """Add ``user`` to the chat (owners and admins do), unless ``user`` has blocked
    ``actor``: nobody is added to a chat by someone they blocked."""
    _require_manager(actor, group_chat, role=role)
    if Block.objects.filter(blocker=user, blocked=actor).exists():
        raise PermissionDenied(f"{user.username} does not accept being added to groups by you.")
    try:
        # A savepoint: the unique constraint decides, even between two racing adds.
        with transaction.atomic():
            membership = ChatMember.objects.create(
                group_chat=group_chat,
                user=user,
                role=role,
                added_by=actor,
                last_read_seq=latest_seq(group_chat),
            )
    except IntegrityError:
        raise ValidationError(f"{user.username} is already a member.") from None
    tell_added(membership)
    tell_members(membership, MemberAdded)
    return membership


def _owners_left_without(membership: ChatMember) -> int:
    """The chat's other owners, counted under a lock on the chat's row: two demotions
    or leaves at once take turns, and the second counts after the first committed.
    (``select_for_update().count()`` would lock nothing: Django sends a plain COUNT.)"""
    list(
        GroupChat.objects.select_for_update()
        .filter(pk=membership.group_chat_id)
        .values_list("pk", flat=True)
    )
    return (
        ChatMember.objects.filter(group_chat_id=membership.group_chat_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .count()
    )


@transaction.atomic
def change_role(*, membership: ChatMember, actor: User, role: str) -> ChatMember:
    # Changing anyone to or from admin/owner is an owner's decision.
    touches_privileged = role != Role.MEMBER or membership.role != Role.MEMBER
    _require_manager(
        actor, membership.group_chat, role=Role.OWNER if touches_privileged else Role.MEMBER
    )
    demotes_an_owner = membership.role == Role.OWNER and role != Role.OWNER
    if demotes_an_owner and _owners_left_without(membership) == 0:
        raise LastOwnerError()
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    tell_members(membership, MemberRoleChanged)
    return membership


@transaction.atomic
def remove_member(*, membership: ChatMember, actor: User) -> None:
    """Remove a member, or let a member leave (``actor`` is that member)."""
    if membership.user_id != actor.pk:
        # Removing an admin or owner is an owner's decision.
        _require_manager(actor, membership.group_chat, role=membership.role)
    if membership.role == Role.OWNER and _owners_left_without(membership) == 0:
        raise LastOwnerError()
    # The member's open sockets in the chat are closed by chat.signals, whatever deletes it.
    membership.delete()


@transaction.atomic
def leave_and_block_adder(*, membership: ChatMember, actor: User) -> Block | None:
    """The member leaves the chat (the rules of leaving: the last owner stays) and
    blocks who added them, so that they cannot add them to any chat again. Returns the
    block; None when nobody else added them (they created the chat, or the adder's
    account is gone): then they only leave."""
    if membership.user_id != actor.pk:
        raise PermissionDenied("Only the member themselves leaves and blocks who added them.")
    adder = membership.added_by
    remove_member(membership=membership, actor=actor)
    if adder is None or adder.pk == actor.pk:
        return None
    return block_user(blocker=actor, blocked=adder)
