"""Storing read positions (``chat.services.read_positions.store_read_positions``):
forward only, never past the latest message, several members in one go, each with what
is left unread."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from chat.models import ChatMember, GroupChat
from chat.services.chats import delete_group_chat
from chat.services.members import add_member
from chat.services.messages import save_message
from chat.services.read_positions import store_read_positions
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def position(user: User, group_chat: GroupChat) -> int:
    return ChatMember.objects.get(user=user, group_chat=group_chat).last_read_seq


@pytest.fixture
def three_said(group_chat: GroupChat, owner: User, member: User, admin: User) -> GroupChat:
    """Three messages of the owner's, after the member and the admin joined."""
    for content in ("one", f"two @{member.username}", "three"):
        save_message(group_chat=group_chat, sender=owner, content=content)
    return group_chat


def test_several_members_move_at_once_each_with_their_counts(
    three_said: GroupChat, member: User, admin: User
) -> None:
    moved = store_read_positions(group_chat_id=three_said.pk, positions={member.pk: 1, admin.pk: 3})

    assert {r.user_id: (r.last_read_seq, r.unread_count, r.mention_count) for r in moved} == {
        member.pk: (1, 2, 1),
        admin.pk: (3, 0, 0),
    }
    assert (position(member, three_said), position(admin, three_said)) == (1, 3)


def test_a_position_never_moves_back_nor_past_the_latest_message(
    three_said: GroupChat, member: User
) -> None:
    assert store_read_positions(group_chat_id=three_said.pk, positions={member.pk: 99})
    assert position(member, three_said) == 3

    assert store_read_positions(group_chat_id=three_said.pk, positions={member.pk: 2}) == []
    assert position(member, three_said) == 3


def test_an_outsider_or_a_deleted_chat_moves_nothing(
    three_said: GroupChat, owner: User, outsider: User
) -> None:
    assert store_read_positions(group_chat_id=three_said.pk, positions={outsider.pk: 2}) == []
    assert not ChatMember.objects.filter(user=outsider).exists()

    chat_pk = three_said.pk
    delete_group_chat(group_chat=three_said, actor=owner)

    assert store_read_positions(group_chat_id=chat_pk, positions={owner.pk: 2}) == []


def test_the_statements_do_not_grow_with_the_readers(
    group_chat: GroupChat, owner: User, member: User
) -> None:
    """A window's reads are stored in as many statements for six readers as for one."""
    readers = [member, *UserFactory.create_batch(5)]
    for user in readers[1:]:
        add_member(group_chat=group_chat, actor=owner, user=user)
    for number in range(4):
        save_message(group_chat=group_chat, sender=owner, content=f"m{number}")

    with CaptureQueriesContext(connection) as one:
        store_read_positions(group_chat_id=group_chat.pk, positions={member.pk: 1})
    with CaptureQueriesContext(connection) as six:
        moved = store_read_positions(
            group_chat_id=group_chat.pk, positions={user.pk: 3 for user in readers}
        )

    assert len(moved) == 6
    assert len(six.captured_queries) == len(one.captured_queries)
    assert {position(user, group_chat) for user in readers} == {3}
