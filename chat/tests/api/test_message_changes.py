"""/api/groups/<pk>/messages/<id>/: editing and deleting a message over REST (the same
services as the socket's actions), and the history's current state of each message."""

import pytest
from django.urls import reverse

from accounts.models import User
from chat.models import ChatMessage, GroupChat
from chat.services.messages import delete_message, save_message
from chat.tests.api.conftest import ClientFor

pytestmark = pytest.mark.django_db


@pytest.fixture
def said(group_chat: GroupChat, member: User) -> ChatMessage:
    """A message the member said."""
    return save_message(group_chat=group_chat, sender=member, content="see you at 10")


def message_url(message: ChatMessage) -> str:
    return reverse("chat:message-detail", args=[message.group_chat_id, message.pk])


def test_the_author_edits_and_gets_the_marked_message(
    client_for: ClientFor, member: User, said: ChatMessage
) -> None:
    response = client_for(member).patch(
        message_url(said), {"content": " see you at 11 "}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["content"] == "see you at 11"
    assert response.json()["edited_at"] is not None
    said.refresh_from_db()
    assert said.content == "see you at 11"


def test_an_owner_may_not_edit_a_members_message(
    client_for: ClientFor, owner: User, said: ChatMessage
) -> None:
    response = client_for(owner).patch(message_url(said), {"content": "mine now"}, format="json")

    assert response.status_code == 403
    said.refresh_from_db()
    assert said.edited_at is None


def test_an_admin_deletes_a_members_message(
    client_for: ClientFor, admin: User, said: ChatMessage
) -> None:
    assert client_for(admin).delete(message_url(said)).status_code == 204

    said.refresh_from_db()
    assert (said.content, said.deleted_at is not None) == ("", True)


def test_an_outsider_is_told_the_message_does_not_exist(
    client_for: ClientFor, outsider: User, said: ChatMessage
) -> None:
    assert client_for(outsider).delete(message_url(said)).status_code == 404
    said.refresh_from_db()
    assert said.deleted_at is None


def test_the_history_keeps_a_deleted_messages_place_as_a_tombstone(
    client_for: ClientFor, member: User, group_chat: GroupChat, said: ChatMessage
) -> None:
    """Seqs stay contiguous (1, 2, 3): a page never sees a hole it must fetch again."""
    for content in ("two", "three"):
        save_message(group_chat=group_chat, sender=member, content=content)
    delete_message(group_chat=group_chat, message_id=said.pk, actor=member)

    url = reverse("chat:message-list", args=[group_chat.pk])
    history = client_for(member).get(url).json()["results"]

    assert [(m["seq"], m["content"], m["deleted"]) for m in history] == [
        (3, "three", False),
        (2, "two", False),
        (1, "", True),
    ]
