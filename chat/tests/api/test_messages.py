"""/api/groups/<pk>/messages/: history pages and the catch-up after a reconnect."""

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from accounts.models import User
from chat.messages.chat_detail import MemberPayload
from chat.models import ChatMessage, GroupChat
from chat.services import reactions
from chat.services.chats import create_group_chat
from chat.services.messages import save_message
from chat.tests.api.conftest import ClientFor
from tests.support.factories import ChatMessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def messages_url(group_chat: GroupChat) -> str:
    return reverse("chat:message-list", args=[group_chat.pk])


@pytest.fixture
def history(group_chat: GroupChat, owner: User) -> list[ChatMessage]:
    """Five messages, oldest first."""
    return [
        save_message(group_chat=group_chat, sender=owner, content=f"message {n}") for n in range(5)
    ]


def ids(response_json: dict[str, object]) -> list[int]:
    results = response_json["results"]
    assert isinstance(results, list)
    return [message["id"] for message in results]


def test_unauthenticated_gets_401(anonymous: APIClient, messages_url: str) -> None:
    assert anonymous.get(messages_url).status_code == 401


def test_non_member_gets_404(
    client_for: ClientFor, outsider: User, messages_url: str, history: list[ChatMessage]
) -> None:
    response = client_for(outsider).get(messages_url)

    assert response.status_code == 404
    assert "message 0" not in response.content.decode()


def test_member_reads_history_newest_first(
    client_for: ClientFor, member: User, messages_url: str, history: list[ChatMessage]
) -> None:
    response = client_for(member).get(messages_url)

    assert response.status_code == 200
    assert set(response.json()) == {"next", "previous", "results"}
    assert ids(response.json()) == [m.pk for m in reversed(history)]
    assert response.json()["next"] is None


def test_the_history_gives_the_senders_client_id_back(
    client_for: ClientFor, owner: User, group_chat: GroupChat, messages_url: str
) -> None:
    """A page that reloads matches what it sent by its own id."""
    sent = save_message(group_chat=group_chat, sender=owner, content="hello", client_id="page-1")

    (newest,) = client_for(owner).get(messages_url).json()["results"]

    assert (newest["id"], newest["client_id"]) == (sent.pk, "page-1")


def test_a_message_has_the_websocket_payload_shape(
    client_for: ClientFor, member: User, messages_url: str, history: list[ChatMessage]
) -> None:
    newest = client_for(member).get(messages_url).json()["results"][0]

    assert newest == MemberPayload.from_message(history[-1]).model_dump(mode="json")


def test_a_message_whose_sender_is_gone_has_a_null_sender(
    client_for: ClientFor,
    owner: User,
    member: User,
    messages_url: str,
    history: list[ChatMessage],
) -> None:
    owner.delete()

    results = client_for(member).get(messages_url).json()["results"]

    assert [m["sender"] for m in results] == [None] * len(history)


def test_cursor_walks_back_through_history(
    client_for: ClientFor, member: User, messages_url: str, history: list[ChatMessage]
) -> None:
    client = client_for(member)

    first = client.get(messages_url, {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    assert ids(first) == [history[4].pk, history[3].pk]
    assert ids(second) == [history[2].pk, history[1].pk]
    assert ids(third) == [history[0].pk]
    assert third["next"] is None
    assert ids(client.get(second["previous"]).json()) == ids(first)


def test_page_size_is_capped(
    client_for: ClientFor, group_chat: GroupChat, member: User, messages_url: str
) -> None:
    ChatMessageFactory.create_batch(201, group_chat=group_chat)

    response = client_for(member).get(messages_url, {"page_size": 500})

    assert len(response.json()["results"]) == 200
    assert response.json()["next"] is not None


def test_after_returns_exactly_the_newer_messages_oldest_first(
    client_for: ClientFor, member: User, messages_url: str, history: list[ChatMessage]
) -> None:
    response = client_for(member).get(messages_url, {"after": history[1].pk})

    assert response.status_code == 200
    assert ids(response.json()) == [m.pk for m in history[2:]]


def test_after_pages_forward_and_keeps_the_filter(
    client_for: ClientFor, member: User, messages_url: str, history: list[ChatMessage]
) -> None:
    client = client_for(member)

    first = client.get(messages_url, {"after": history[0].pk, "page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert parse_qs(urlsplit(first["next"]).query)["after"] == [str(history[0].pk)]
    assert ids(first) == [history[1].pk, history[2].pk]
    assert ids(second) == [history[3].pk, history[4].pk]


def test_after_the_newest_message_is_empty(
    client_for: ClientFor, member: User, messages_url: str, history: list[ChatMessage]
) -> None:
    response = client_for(member).get(messages_url, {"after": history[-1].pk})

    assert response.json()["results"] == []


@pytest.mark.parametrize("after", ["abc", "-1", ""])
def test_after_must_be_a_non_negative_integer(
    client_for: ClientFor, member: User, messages_url: str, after: str
) -> None:
    response = client_for(member).get(messages_url, {"after": after})

    assert response.status_code == 400
    assert "after" in response.json()


def test_another_groups_messages_are_never_returned(
    client_for: ClientFor,
    owner: User,
    member: User,
    messages_url: str,
    history: list[ChatMessage],
) -> None:
    elsewhere = create_group_chat(creator=owner, name="Elsewhere")
    secret = save_message(group_chat=elsewhere, sender=owner, content="secret")
    client = client_for(member)

    newest_first = client.get(messages_url).json()
    caught_up = client.get(messages_url, {"after": 0}).json()

    assert secret.pk not in ids(newest_first)
    assert ids(caught_up) == [m.pk for m in history]
    assert "secret" not in str(newest_first) + str(caught_up)


def test_history_does_not_grow_queries_with_senders_replies_or_reactions(
    client_for: ClientFor,
    group_chat: GroupChat,
    owner: User,
    member: User,
    messages_url: str,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    said = ChatMessageFactory.create_batch(5, group_chat=group_chat)  # five different senders
    for original in said:  # each answered by another sender, with two reactions
        ChatMessageFactory.create(group_chat=group_chat, reply_to=original.pk)
        for user in (owner, member):
            reactions.react(group_chat=group_chat, message_id=original.pk, actor=user, emoji="👍")
    client = client_for(member)

    # The user, the chat, the page with its senders and the originals it quotes, then
    # the page's reactions with who put them there, its mentions with theirs, and its
    # attachments.
    with django_assert_max_num_queries(6):
        response = client.get(messages_url)

    results = response.json()["results"]
    assert len(results) == 10
    assert sum(len(message["reactions"]) for message in results) == 5
    assert sum(message["reply_to"] is not None for message in results) == 5


@pytest.mark.parametrize("position", ["abc", "1.5", "1e3"])
def test_a_crafted_cursor_position_is_404_not_500(
    client_for: ClientFor, owner: User, messages_url: str, position: str
) -> None:
    cursor = base64.b64encode(f"p={position}".encode()).decode()
    response = client_for(owner).get(messages_url, {"cursor": cursor})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


@pytest.fixture
def long_history(group_chat: GroupChat, owner: User) -> list[ChatMessage]:
    """Twenty messages, oldest first."""
    return [
        save_message(group_chat=group_chat, sender=owner, content=f"line {n}") for n in range(20)
    ]


def test_around_opens_the_history_at_a_message_with_newer_ones_above(
    client_for: ClientFor, member: User, messages_url: str, long_history: list[ChatMessage]
) -> None:
    """A search result opens there: half a page newer, the message, then older."""
    target = long_history[10]

    page = client_for(member).get(messages_url, {"around": target.pk, "page_size": 6}).json()

    assert ids(page) == [m.pk for m in reversed(long_history[8:14])]
    assert "around" not in page["next"]
    assert "around" not in page["previous"]


def test_around_pages_on_both_ways_without_gaps(
    client_for: ClientFor, member: User, messages_url: str, long_history: list[ChatMessage]
) -> None:
    client = client_for(member)
    page = client.get(messages_url, {"around": long_history[10].pk, "page_size": 6}).json()

    newer = client.get(page["previous"]).json()
    older = client.get(page["next"]).json()

    assert ids(newer) == [m.pk for m in reversed(long_history[14:20])]
    assert ids(older) == [m.pk for m in reversed(long_history[2:8])]


def test_around_a_recent_message_is_the_first_page(
    client_for: ClientFor, member: User, messages_url: str, long_history: list[ChatMessage]
) -> None:
    page = client_for(member).get(messages_url, {"around": long_history[18].pk, "page_size": 6})

    assert ids(page.json()) == [m.pk for m in reversed(long_history[14:20])]
    assert page.json()["previous"] is None


def test_around_another_chats_message_is_404(
    client_for: ClientFor, owner: User, messages_url: str, long_history: list[ChatMessage]
) -> None:
    elsewhere = create_group_chat(creator=owner, name="Elsewhere")
    theirs = save_message(group_chat=elsewhere, sender=owner, content="x")

    assert client_for(owner).get(messages_url, {"around": theirs.pk}).status_code == 404


@pytest.mark.parametrize(
    "params", [{"around": "abc"}, {"around": "0"}, {"around": "1", "after": "1"}]
)
def test_a_bad_around_is_400(
    client_for: ClientFor, member: User, messages_url: str, params: dict[str, str]
) -> None:
    response = client_for(member).get(messages_url, params)

    assert response.status_code == 400
    assert "around" in response.json()
