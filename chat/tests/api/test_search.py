"""/api/search/: the messages of one's own chats, found by their words, best first, with
a highlight in plain-text pieces; on SQLite's FTS5 index and PostgreSQL's tsvector one
alike (the suite runs on both)."""

import base64

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from chat.models import ChatMember, ChatMessage, GroupChat
from chat.services.chats import create_group_chat
from chat.services.members import remove_member
from chat.services.messages import delete_message, edit_message, save_message
from chat.tests.api.conftest import ClientFor
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

SEARCH_URL = reverse("chat:search")


def say(group_chat: GroupChat, user: User, content: str) -> ChatMessage:
    return save_message(group_chat=group_chat, sender=user, content=content)


def say_in_a_chat_of_their_own(user: User, content: str) -> ChatMessage:
    """``content`` said by ``user`` in a new chat they alone are in."""
    return say(create_group_chat(creator=user, name="Mine"), user, content)


def found(client: APIClient, q: str, **params: int) -> list[int]:
    query: dict[str, str | int] = {"q": q, **params}
    response = client.get(SEARCH_URL, query)
    assert response.status_code == 200, response.content
    return [result["id"] for result in response.json()["results"]]


def test_not_logged_in_is_401(anonymous: APIClient) -> None:
    assert anonymous.get(SEARCH_URL, {"q": "hello"}).status_code == 401


def test_a_member_finds_the_messages_with_every_word(
    client_for: ClientFor, group_chat: GroupChat, owner: User, member: User
) -> None:
    both = say(group_chat, owner, "The release train leaves on Friday")
    say(group_chat, owner, "The release is late")
    say(group_chat, owner, "Friday lunch?")

    assert found(client_for(member), "release friday") == [both.pk]


def test_words_are_stemmed_and_case_folded(
    client_for: ClientFor, group_chat: GroupChat, owner: User
) -> None:
    said = say(group_chat, owner, "Two Meetings tomorrow")

    assert found(client_for(owner), "meeting") == [said.pk]


def test_all_of_my_chats_or_one_of_them(
    client_for: ClientFor, group_chat: GroupChat, owner: User
) -> None:
    other = create_group_chat(creator=owner, name="Other")
    here = say(group_chat, owner, "budget draft")
    there = say(other, owner, "budget final")

    assert found(client_for(owner), "budget") == [there.pk, here.pk]
    assert found(client_for(owner), "budget", group=group_chat.pk) == [here.pk]


def test_another_users_chat_is_never_searched(
    client_for: ClientFor, group_chat: GroupChat, owner: User, outsider: User
) -> None:
    say(group_chat, owner, "secret plans")
    own = say_in_a_chat_of_their_own(outsider, "my secret")

    assert found(client_for(outsider), "secret") == [own.pk]
    response = client_for(outsider).get(SEARCH_URL, {"q": "secret", "group": str(group_chat.pk)})
    assert response.status_code == 404


def test_a_chat_the_user_left_gives_nothing(
    client_for: ClientFor, group_chat: GroupChat, owner: User, member: User
) -> None:
    """Membership is checked at the search, not when the message was readable."""
    say(group_chat, owner, "the vault code is 1234")
    client = client_for(member)
    assert len(found(client, "vault")) == 1
    remove_member(
        membership=ChatMember.objects.get(group_chat=group_chat, user=member), actor=member
    )

    assert found(client, "vault") == []
    assert client.get(SEARCH_URL, {"q": "vault", "group": str(group_chat.pk)}).status_code == 404


def test_a_deleted_message_is_never_found(
    client_for: ClientFor, group_chat: GroupChat, owner: User
) -> None:
    said = say(group_chat, owner, "oops wrong password hunter2")
    delete_message(group_chat=group_chat, message_id=said.pk, actor=owner)

    assert found(client_for(owner), "hunter2") == []
    assert found(client_for(owner), "password") == []


def test_an_edited_message_is_found_by_its_new_text_only(
    client_for: ClientFor, group_chat: GroupChat, owner: User
) -> None:
    said = say(group_chat, owner, "meet at the harbour")
    edit_message(
        group_chat=group_chat, message_id=said.pk, actor=owner, content="meet at the station"
    )

    assert found(client_for(owner), "station") == [said.pk]
    assert found(client_for(owner), "harbour") == []


def test_the_best_match_comes_first(
    client_for: ClientFor, group_chat: GroupChat, owner: User
) -> None:
    once = say(group_chat, owner, "deploy notes for the week, with many other words in it")
    thrice = say(group_chat, owner, "deploy deploy deploy")
    say(group_chat, owner, "nothing to see")

    assert found(client_for(owner), "deploy") == [thrice.pk, once.pk]


def test_a_result_has_the_history_shape_its_chat_and_a_highlight(
    client_for: ClientFor, group_chat: GroupChat, owner: User
) -> None:
    said = say(group_chat, owner, "Lunch at noon, then the review")

    (result,) = client_for(owner).get(SEARCH_URL, {"q": "review"}).json()["results"]

    assert result["id"] == said.pk
    assert result["group_chat_id"] == group_chat.pk
    assert result["group_chat_name"] == group_chat.name
    assert result["seq"] == said.seq
    assert result["content"] == said.content
    marked = [piece["text"] for piece in result["highlight"] if piece["match"]]
    assert marked == ["review"]
    assert "".join(piece["text"] for piece in result["highlight"]) == said.content


def test_html_in_a_message_stays_text_in_the_highlight(
    client_for: ClientFor, group_chat: GroupChat, owner: User
) -> None:
    """The pieces are plain text: the page puts them in text nodes, the match in <mark>."""
    say(group_chat, owner, 'payload <img src=x onerror="alert(1)"> <b>here</b>')

    (result,) = client_for(owner).get(SEARCH_URL, {"q": "payload"}).json()["results"]

    text = "".join(piece["text"] for piece in result["highlight"])
    # A highlight may end at the last word (PostgreSQL's does): what it shows is the text.
    assert text.startswith('payload <img src=x onerror="alert(1)"> <b>here')
    assert [piece["text"] for piece in result["highlight"] if piece["match"]] == ["payload"]


def test_a_message_cannot_fake_the_highlight_markers(
    client_for: ClientFor, group_chat: GroupChat, owner: User
) -> None:
    """The markers are drawn at random for each search: characters a message carries
    that look like them are text."""
    say(group_chat, owner, "\ue000fake\ue001 \ue002 token match")

    (result,) = client_for(owner).get(SEARCH_URL, {"q": "token"}).json()["results"]

    assert [piece["text"] for piece in result["highlight"] if piece["match"]] == ["token"]


@pytest.mark.parametrize(
    "content",
    [
        "before \ue004 token <b> \ue004\ue005\ue006 after",
        "token \ue004<\ue004\ue004< \ue005\ue004 after",
    ],
)
def test_private_use_characters_in_a_message_stay_as_they_are_in_the_highlight(
    client_for: ClientFor, group_chat: GroupChat, owner: User, content: str
) -> None:
    """Whatever stands in for "<" while the highlight is made, a message's own characters
    come back as they were written."""
    say(group_chat, owner, content)

    (result,) = client_for(owner).get(SEARCH_URL, {"q": "token"}).json()["results"]

    assert "".join(piece["text"] for piece in result["highlight"]) == content
    assert [piece["text"] for piece in result["highlight"] if piece["match"]] == ["token"]


@pytest.mark.parametrize(
    "q",
    ['"unclosed', "NEAR(a b)", "a* OR b", "-x", "content:x", "a AND (b", "'; DROP TABLE x; --"],
)
def test_query_syntax_is_plain_text(
    client_for: ClientFor, group_chat: GroupChat, owner: User, q: str
) -> None:
    """Neither index's query language reaches it: no error, words only."""
    response = client_for(owner).get(SEARCH_URL, {"q": q})

    assert response.status_code == 200


@pytest.mark.parametrize("q", ["", "   ", "?!", "x" * 201])
def test_a_query_without_words_or_too_long_is_400(
    client_for: ClientFor, owner: User, q: str
) -> None:
    response = client_for(owner).get(SEARCH_URL, {"q": q})

    assert response.status_code == 400
    assert "q" in response.json()


def test_a_bad_group_is_400(client_for: ClientFor, owner: User) -> None:
    assert client_for(owner).get(SEARCH_URL, {"q": "x", "group": "abc"}).status_code == 400


def test_the_cursor_walks_every_result_once_best_first(
    client_for: ClientFor, group_chat: GroupChat, owner: User
) -> None:
    """Equal ranks (the same text) are ordered by id: nothing repeated or skipped."""
    said = [say(group_chat, owner, "standup in five") for _ in range(5)]
    client = client_for(owner)

    pages = []
    url: str | None = SEARCH_URL + "?q=standup&page_size=2"
    while url is not None:
        page = client.get(url).json()
        pages.append([result["id"] for result in page["results"]])
        url = page["next"]

    assert pages == [[said[4].pk, said[3].pk], [said[2].pk, said[1].pk], [said[0].pk]]


def cursor(position: str) -> str:
    return base64.b64encode(f"o=0&p={position}".encode()).decode()


@pytest.mark.parametrize(
    "position", ["abc", "nan:1", "inf:1", "1.0", "1.0:x", "1.0:1:2", "-inf:99"]
)
def test_a_forged_cursor_is_404(
    client_for: ClientFor, group_chat: GroupChat, owner: User, position: str
) -> None:
    say(group_chat, owner, "standup")

    response = client_for(owner).get(SEARCH_URL, {"q": "standup", "cursor": cursor(position)})

    assert response.status_code == 404


def test_a_forged_cursor_moves_only_within_ones_own_results(
    client_for: ClientFor, group_chat: GroupChat, owner: User, outsider: User
) -> None:
    say(group_chat, owner, "standup")
    own = say_in_a_chat_of_their_own(outsider, "standup")

    response = client_for(outsider).get(
        SEARCH_URL, {"q": "standup", "cursor": cursor(f"1e300:{own.pk + 100}")}
    )

    assert [result["id"] for result in response.json()["results"]] == [own.pk]


def test_a_users_results_are_theirs_only_with_many_users(
    client_for: ClientFor, group_chat: GroupChat, owner: User
) -> None:
    """Two users in different chats sharing a word each see their own."""
    other = UserFactory.create()
    theirs = create_group_chat(creator=other, name="Theirs")
    a = say(group_chat, owner, "shared word")
    b = say(theirs, other, "shared word")

    assert found(client_for(owner), "shared") == [a.pk]
    assert found(client_for(other), "shared") == [b.pk]
