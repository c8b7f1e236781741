"""Being added to a group chat without being asked: the member may leave and block who
added them, and a user they blocked cannot add them to any chat again."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from chat.models import Block, ChatMember, GroupChat
from chat.services.blocks import block_user, unblock_user
from chat.services.chats import create_group_chat
from chat.services.members import LastOwnerError, add_member, change_role, leave_and_block_adder
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def membership(group_chat: GroupChat, user: User) -> ChatMember:
    return ChatMember.objects.get(group_chat=group_chat, user=user)


def test_a_membership_remembers_who_added_it(
    group_chat: GroupChat, owner: User, admin: User, outsider: User
) -> None:
    add_member(group_chat=group_chat, actor=admin, user=outsider)

    assert membership(group_chat, outsider).added_by == admin
    assert membership(group_chat, owner).added_by is None  # the creator


def test_leaving_and_blocking_the_adder_stops_them_adding_you_anywhere(
    group_chat: GroupChat, owner: User, admin: User, outsider: User
) -> None:
    add_member(group_chat=group_chat, actor=admin, user=outsider)

    block = leave_and_block_adder(membership=membership(group_chat, outsider), actor=outsider)

    assert block is not None
    assert (block.blocker, block.blocked) == (outsider, admin)
    assert not ChatMember.objects.filter(group_chat=group_chat, user=outsider).exists()
    elsewhere = create_group_chat(creator=admin, name="Another")
    for chat in (group_chat, elsewhere):
        with pytest.raises(PermissionDenied) as refused:
            add_member(group_chat=chat, actor=admin, user=outsider)
        assert str(refused.value) == (
            f"{outsider.username} does not accept being added to groups by you."
        )
    # Someone they did not block still may.
    add_member(group_chat=group_chat, actor=owner, user=outsider)
    assert membership(group_chat, outsider).added_by == owner


def test_only_the_member_leaves_and_blocks(
    group_chat: GroupChat, owner: User, member: User
) -> None:
    with pytest.raises(PermissionDenied):
        leave_and_block_adder(membership=membership(group_chat, member), actor=owner)

    assert ChatMember.objects.filter(group_chat=group_chat, user=member).exists()
    assert not Block.objects.exists()


def test_the_last_owner_cannot_leave_so_blocks_nobody(group_chat: GroupChat, admin: User) -> None:
    """An owner made owner by another owner who then left: leaving is refused (a chat
    keeps an owner), and nothing is blocked either."""
    newcomer = UserFactory.create()
    add_member(group_chat=group_chat, actor=admin, user=newcomer)
    mine = membership(group_chat, newcomer)
    mine.role = ChatMember.Role.OWNER
    mine.save(update_fields=["role"])
    ChatMember.objects.filter(group_chat=group_chat).exclude(pk=mine.pk).delete()

    with pytest.raises(LastOwnerError):
        leave_and_block_adder(membership=mine, actor=newcomer)

    assert ChatMember.objects.filter(pk=mine.pk).exists()
    assert not Block.objects.exists()


def test_the_chats_creator_only_leaves(group_chat: GroupChat, owner: User, admin: User) -> None:
    change_role(membership=membership(group_chat, admin), actor=owner, role=ChatMember.Role.OWNER)

    block = leave_and_block_adder(membership=membership(group_chat, owner), actor=owner)

    assert block is None
    assert not ChatMember.objects.filter(group_chat=group_chat, user=owner).exists()


def test_blocking_twice_is_one_block_and_unblocking_lets_them_add_again(
    group_chat: GroupChat, owner: User, outsider: User
) -> None:
    block_user(blocker=outsider, blocked=owner)
    block_user(blocker=outsider, blocked=owner)
    assert Block.objects.filter(blocker=outsider, blocked=owner).count() == 1

    unblock_user(blocker=outsider, blocked=owner)

    add_member(group_chat=group_chat, actor=owner, user=outsider)
    assert membership(group_chat, outsider).added_by == owner


def test_nobody_blocks_themselves(owner: User) -> None:
    with pytest.raises(ValidationError) as refused:
        block_user(blocker=owner, blocked=owner)

    assert refused.value.messages == ["You cannot block yourself."]
