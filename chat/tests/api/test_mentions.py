"""Mentions, mute and read positions over REST: the history carries each message's
mentions (without a query per message), the group list each chat's mention count and
mute, the members list each member's read position ("seen by")."""

import pytest
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from chat.models import GroupChat
from chat.services.members import add_member
from chat.services.messages import save_message
from chat.services.read_positions import store_read_positions
from chat.tests.api.conftest import ClientFor
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("chat:group-list")


def mute_url(group_chat: GroupChat) -> str:
    return reverse("chat:mute", args=[group_chat.pk])


def test_the_history_carries_mentions_with_the_users_current_names(
    client_for: ClientFor, group_chat: GroupChat, owner: User, member: User
) -> None:
    save_message(group_chat=group_chat, sender=owner, content=f"@{member.username} hi")
    written = member.username
    member.username = "renamed"
    member.save()

    response = client_for(owner).get(reverse("chat:message-list", args=[group_chat.pk]))

    (message,) = response.json()["results"]
    assert message["mentions"] == [
        {"user": {"id": member.pk, "username": "renamed"}, "handle": written}
    ]


def test_the_history_does_not_grow_queries_with_mentions(
    client_for: ClientFor,
    group_chat: GroupChat,
    owner: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    """Ten messages, each naming another member: the same six queries as without."""
    for _ in range(10):
        user = UserFactory.create()
        add_member(group_chat=group_chat, actor=owner, user=user)
        save_message(group_chat=group_chat, sender=owner, content=f"@{user.username}")
    client = client_for(owner)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("chat:message-list", args=[group_chat.pk]))

    assert all(len(message["mentions"]) == 1 for message in response.json()["results"])


def test_the_group_list_counts_my_unread_mentions(
    client_for: ClientFor, group_chat: GroupChat, owner: User, member: User
) -> None:
    for content in (f"@{member.username} one", "two", f"@{member.username} three"):
        save_message(group_chat=group_chat, sender=owner, content=content)

    (chat,) = client_for(member).get(LIST).json()["results"]

    assert (chat["unread_count"], chat["mention_count"], chat["muted"]) == (3, 2, False)


def test_editing_over_rest_takes_the_mentions_of_the_new_text(
    client_for: ClientFor, group_chat: GroupChat, owner: User, member: User
) -> None:
    said = save_message(group_chat=group_chat, sender=owner, content="hi")
    url = reverse("chat:message-detail", args=[group_chat.pk, said.pk])

    response = client_for(owner).patch(
        url, {"content": f"hi @{member.username}", "mentions": [member.pk]}, format="json"
    )

    assert response.status_code == 200
    assert [m["user"]["id"] for m in response.json()["mentions"]] == [member.pk]


def test_an_edit_mentioning_a_missing_user_is_a_400_that_changes_nothing(
    client_for: ClientFor, group_chat: GroupChat, owner: User
) -> None:
    said = save_message(group_chat=group_chat, sender=owner, content="hi")
    url = reverse("chat:message-detail", args=[group_chat.pk, said.pk])
    missing = owner.pk + 1000

    response = client_for(owner).patch(
        url, {"content": "changed", "mentions": [missing]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"mentions": [f"No user with id {missing} to mention."]}
    said.refresh_from_db()
    assert (said.content, said.edited_at) == ("hi", None)


def test_the_members_list_gives_each_read_position(
    client_for: ClientFor, group_chat: GroupChat, owner: User, member: User
) -> None:
    for content in ("one", "two"):
        save_message(group_chat=group_chat, sender=owner, content=content)
    store_read_positions(group_chat_id=group_chat.pk, positions={member.pk: 1})

    response = client_for(owner).get(reverse("chat:member-list", args=[group_chat.pk]))

    positions = {m["user"]["id"]: m["last_read_seq"] for m in response.json()}
    assert positions == {owner.pk: 0, member.pk: 1}


def test_a_member_mutes_and_unmutes_a_chat_for_themselves(
    client_for: ClientFor, group_chat: GroupChat, owner: User, member: User
) -> None:
    client = client_for(member)

    muted = client.put(mute_url(group_chat))

    assert (muted.status_code, muted.json()) == (200, {"muted": True})
    assert client.get(LIST).json()["results"][0]["muted"] is True
    assert client_for(owner).get(LIST).json()["results"][0]["muted"] is False

    unmuted = client.delete(mute_url(group_chat))

    assert (unmuted.status_code, unmuted.json()) == (200, {"muted": False})
    assert client.get(LIST).json()["results"][0]["muted"] is False


def test_an_outsider_cannot_mute_a_chat_and_learns_nothing(
    client_for: ClientFor, group_chat: GroupChat, outsider: User
) -> None:
    assert client_for(outsider).put(mute_url(group_chat)).status_code == 404
