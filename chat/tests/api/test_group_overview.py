"""/api/groups/ as the groups page shows it: my unread count in each chat, its latest
message, and the chats in order of latest activity."""

import pytest
from django.urls import reverse

from accounts.models import User
from chat.models import GroupChat
from chat.services.chats import create_group_chat
from chat.services.members import add_member
from chat.services.messages import delete_message, save_message
from chat.services.read_positions import store_read_positions
from chat.tests.api.conftest import ClientFor

pytestmark = pytest.mark.django_db

LIST = reverse("chat:group-list")


def test_unread_counts_others_messages_after_my_last_read_position(
    client_for: ClientFor, owner: User, member: User, group_chat: GroupChat
) -> None:
    """Four messages by the owner, one by me, one of the owner's deleted, read up to
    the first: two unread (my own and the deleted one do not count)."""
    said = [save_message(group_chat=group_chat, sender=owner, content=f"m{n}") for n in range(4)]
    save_message(group_chat=group_chat, sender=member, content="mine")
    delete_message(group_chat=group_chat, message_id=said[3].pk, actor=owner)
    store_read_positions(group_chat_id=group_chat.pk, positions={member.pk: said[0].seq})

    (chat,) = client_for(member).get(LIST).json()["results"]

    assert chat["unread_count"] == 2
    assert (chat["last_message"]["seq"], chat["last_message"]["preview"]) == (5, "mine")


def test_a_new_member_starts_with_nothing_unread(
    client_for: ClientFor, owner: User, group_chat: GroupChat
) -> None:
    """The history before one joined is there to read, not to count."""
    save_message(group_chat=group_chat, sender=owner, content="before you came")
    newcomer = User.objects.create_user("newcomer", password="x-long-password")
    add_member(group_chat=group_chat, actor=owner, user=newcomer)

    (chat,) = client_for(newcomer).get(LIST).json()["results"]

    assert (chat["unread_count"], chat["last_message"]["preview"]) == (0, "before you came")


def test_a_new_message_moves_its_chat_to_the_top(
    client_for: ClientFor, owner: User, group_chat: GroupChat
) -> None:
    newer = create_group_chat(creator=owner, name="Newer")
    assert [c["id"] for c in client_for(owner).get(LIST).json()["results"]] == [
        newer.pk,
        group_chat.pk,
    ]

    save_message(group_chat=group_chat, sender=owner, content="activity")

    assert [c["id"] for c in client_for(owner).get(LIST).json()["results"]] == [
        group_chat.pk,
        newer.pk,
    ]
