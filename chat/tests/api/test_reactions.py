"""/api/groups/<pk>/messages/<id>/reactions/<emoji>/: a member's reaction over REST
(``PUT`` puts it on, ``DELETE`` takes it off; the same service as the socket's
``react``), and the history's reactions and replies."""

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from chat.models import REACTION_EMOJI, ChatMessage, GroupChat, Reaction
from chat.services.chats import create_group_chat
from chat.services.messages import delete_message, save_message
from chat.tests.api.conftest import ClientFor

pytestmark = pytest.mark.django_db


@pytest.fixture
def said(group_chat: GroupChat, owner: User) -> ChatMessage:
    return save_message(group_chat=group_chat, sender=owner, content="lunch at 12?")


def reaction_url(message: ChatMessage | Any, emoji: str = "👍", chat: int | None = None) -> str:
    return reverse("chat:reaction", args=[chat or message.group_chat_id, message.pk, emoji])


def history(client_for: ClientFor, user: User, group_chat: GroupChat) -> list[dict[str, Any]]:
    response = client_for(user).get(reverse("chat:message-list", args=[group_chat.pk]))
    assert response.status_code == 200
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def test_a_member_puts_a_reaction_on_and_gets_the_message_with_it(
    client_for: ClientFor, member: User, said: ChatMessage
) -> None:
    response = client_for(member).put(reaction_url(said))

    assert response.status_code == 200
    assert response.json()["id"] == said.pk
    assert response.json()["reactions"] == [
        {"emoji": "👍", "count": 1, "users": [{"id": member.pk, "username": member.username}]}
    ]
    assert Reaction.objects.get().user == member


def test_putting_it_on_twice_stores_one(
    client_for: ClientFor, member: User, said: ChatMessage
) -> None:
    client = client_for(member)
    client.put(reaction_url(said))

    response = client.put(reaction_url(said))

    assert response.status_code == 200
    assert response.json()["reactions"][0]["count"] == 1
    assert Reaction.objects.count() == 1


def test_a_member_takes_their_reaction_off(
    client_for: ClientFor, owner: User, member: User, said: ChatMessage
) -> None:
    client_for(owner).put(reaction_url(said))
    client_for(member).put(reaction_url(said))

    response = client_for(member).delete(reaction_url(said))

    assert response.status_code == 204
    assert list(Reaction.objects.values_list("user", flat=True)) == [owner.pk]


def test_the_history_carries_each_messages_reactions_and_who(
    client_for: ClientFor, owner: User, member: User, said: ChatMessage
) -> None:
    client_for(member).put(reaction_url(said, "🎉"))
    client_for(owner).put(reaction_url(said, "👍"))
    client_for(owner).put(reaction_url(said, "🎉"))

    (shown,) = history(client_for, member, said.group_chat)

    assert shown["reactions"] == [
        {
            "emoji": "🎉",
            "count": 2,
            "users": [
                {"id": member.pk, "username": member.username},
                {"id": owner.pk, "username": owner.username},
            ],
        },
        {"emoji": "👍", "count": 1, "users": [{"id": owner.pk, "username": owner.username}]},
    ]


def test_a_deleted_message_loses_its_reactions_in_the_history(
    client_for: ClientFor, owner: User, member: User, said: ChatMessage
) -> None:
    client_for(member).put(reaction_url(said))

    client_for(owner).delete(reverse("chat:message-detail", args=[said.group_chat_id, said.pk]))

    (shown,) = history(client_for, member, said.group_chat)
    assert (shown["deleted"], shown["reactions"]) == (True, [])


def test_the_history_quotes_what_a_reply_answers_as_it_is_now(
    client_for: ClientFor, owner: User, member: User, said: ChatMessage
) -> None:
    """The quote follows the original's edit, then shows its tombstone."""
    answer = save_message(
        group_chat=said.group_chat, sender=member, content="yes", reply_to=said.pk
    )
    detail = reverse("chat:message-detail", args=[said.group_chat_id, said.pk])
    client_for(owner).patch(detail, {"content": "lunch at 1?\nor 2"}, format="json")

    newest = history(client_for, member, said.group_chat)[0]
    assert newest["id"] == answer.pk
    assert newest["reply_to"] == {
        "id": said.pk,
        "seq": said.seq,
        "sender": {"id": owner.pk, "username": owner.username},
        "snippet": "lunch at 1?",
        "deleted": False,
    }

    client_for(owner).delete(detail)

    quote = history(client_for, member, said.group_chat)[0]["reply_to"]
    assert (quote["id"], quote["snippet"], quote["deleted"]) == (said.pk, "", True)


class TestRefused:
    """Each refusal is a clear error and stores nothing."""

    @pytest.fixture(autouse=True)
    def nothing_stored(self) -> Any:
        yield
        assert not Reaction.objects.exists()

    def test_an_emoji_outside_the_set_is_a_400_that_names_the_set(
        self, client_for: ClientFor, member: User, said: ChatMessage
    ) -> None:
        response = client_for(member).put(reaction_url(said, "🍕"))

        assert response.status_code == 400
        (reason,) = response.json()["emoji"]
        assert reason == "'🍕' is not a reaction; the reactions are 👍 ❤️ 😂 😮 😢 🙏 🎉 👀."

    def test_a_message_of_another_chat_is_a_404(
        self, client_for: ClientFor, group_chat: GroupChat, member: User
    ) -> None:
        elsewhere = create_group_chat(creator=member, name="Elsewhere")
        theirs = save_message(group_chat=elsewhere, sender=member, content="private")

        response = client_for(member).put(reaction_url(theirs, chat=group_chat.pk))

        assert response.status_code == 404
        assert response.json()["detail"] == "No such message in this chat."

    def test_a_missing_message_is_a_404(
        self, client_for: ClientFor, member: User, said: ChatMessage
    ) -> None:
        missing = ChatMessage(pk=said.pk + 1000, group_chat_id=said.group_chat_id)

        assert client_for(member).put(reaction_url(missing)).status_code == 404

    def test_a_non_member_gets_a_404(
        self, client_for: ClientFor, outsider: User, said: ChatMessage
    ) -> None:
        """As for anything else of a chat they are not in: its existence never leaks."""
        assert client_for(outsider).put(reaction_url(said)).status_code == 404

    def test_a_deleted_message_is_a_400(
        self, client_for: ClientFor, owner: User, member: User, said: ChatMessage
    ) -> None:
        delete_message(group_chat=said.group_chat, message_id=said.pk, actor=owner)

        response = client_for(member).put(reaction_url(said))

        assert response.status_code == 400
        assert "This message was deleted." in str(response.json())

    def test_logged_out_is_a_401(self, anonymous: Any, said: ChatMessage) -> None:
        assert anonymous.put(reaction_url(said)).status_code == 401


def test_the_schema_documents_the_set_and_the_refusals(anonymous: Any) -> None:
    schema = anonymous.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    path = schema["paths"]["/api/groups/{id}/messages/{message_id}/reactions/{emoji}/"]

    for method in ("put", "delete"):
        (emoji,) = (p for p in path[method]["parameters"] if p["name"] == "emoji")
        assert sorted(emoji["schema"]["enum"]) == sorted(REACTION_EMOJI)
        assert {"400", "401", "404"} <= set(path[method]["responses"])
