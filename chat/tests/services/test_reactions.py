"""chat.services.reactions.react: a member puts an emoji of the fixed set on a message of
their chat or takes it off; one row per member and emoji, even from two tabs at once;
what is refused writes nothing; a deleted message loses its reactions."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any
from unittest.mock import patch

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from accounts.models import User
from chat.messages.chat_detail import MemberPayload, ReactionChanged
from chat.models import ChatMessage, GroupChat, Reaction
from chat.services import reactions
from chat.services.chats import create_group_chat
from chat.services.messages import MessageNotFound, delete_message, edit_message, save_message
from tests.support.concurrency import at_once
from tests.support.factories import UserFactory

OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
ROUNDS = 12


@pytest.fixture
def said(group_chat: GroupChat, owner: User) -> ChatMessage:
    return save_message(group_chat=group_chat, sender=owner, content="lunch at 12?")


def react(message: ChatMessage, user: User, emoji: str = "👍", *, reacted: bool = True) -> Any:
    return reactions.react(
        group_chat=message.group_chat,
        message_id=message.pk,
        actor=user,
        emoji=emoji,
        reacted=reacted,
    )


@pytest.mark.django_db
class TestPutOnAndTakeOff:
    def test_a_member_puts_a_reaction_on_and_every_member_hears_of_it(
        self, said: ChatMessage, member: User, django_capture_on_commit_callbacks: OnCommit
    ) -> None:
        with (
            patch("realtime.groups.push") as push,
            django_capture_on_commit_callbacks(execute=True),
        ):
            change = react(said, member)

        assert (change.changed, change.count) == (True, 1)
        assert list(Reaction.objects.values_list("user", "emoji")) == [(member.pk, "👍")]
        ((groups, pushed), kwargs) = push.call_args
        assert groups == said.group_chat.group_name
        assert isinstance(pushed, ReactionChanged)
        assert pushed.payload.model_dump() == {
            "message_id": said.pk,
            "emoji": "👍",
            "user": {"id": member.pk, "username": member.username},
            "reacted": True,
            "count": 1,
        }
        assert kwargs["sender"].user_pk == member.pk

    def test_the_same_reaction_again_stores_and_announces_nothing(
        self, said: ChatMessage, member: User, django_capture_on_commit_callbacks: OnCommit
    ) -> None:
        react(said, member)

        with django_capture_on_commit_callbacks() as callbacks:
            again = react(said, member)

        assert (again.changed, again.count) == (False, 1)
        assert callbacks == []
        assert Reaction.objects.count() == 1

    def test_the_count_is_of_every_member_with_that_emoji(
        self, said: ChatMessage, owner: User, member: User, admin: User
    ) -> None:
        react(said, owner)
        react(said, member, "🎉")

        assert react(said, admin).count == 2
        assert react(said, owner, reacted=False).count == 1

    def test_taking_one_off_removes_only_that_one(
        self, said: ChatMessage, owner: User, member: User
    ) -> None:
        react(said, member)
        react(said, member, "🎉")
        react(said, owner)

        change = react(said, member, reacted=False)

        assert (change.changed, change.count) == (True, 1)
        assert set(Reaction.objects.values_list("user", "emoji")) == {
            (member.pk, "🎉"),
            (owner.pk, "👍"),
        }

    def test_taking_off_a_reaction_never_put_on_changes_nothing(
        self, said: ChatMessage, member: User, django_capture_on_commit_callbacks: OnCommit
    ) -> None:
        with django_capture_on_commit_callbacks() as callbacks:
            change = react(said, member, reacted=False)

        assert (change.changed, change.count) == (False, 0)
        assert callbacks == []

    def test_reactions_are_summed_by_emoji_in_the_order_they_first_came(
        self, said: ChatMessage, owner: User, member: User, admin: User
    ) -> None:
        react(said, member, "🎉")
        react(said, owner, "👍")
        react(said, admin, "🎉")

        payload = MemberPayload.from_message(said, Reaction.objects.select_related("user"))

        assert [(r.emoji, r.count, [u.id for u in r.users]) for r in payload.reactions] == [
            ("🎉", 2, [member.pk, admin.pk]),
            ("👍", 1, [owner.pk]),
        ]


@pytest.mark.django_db
class TestRefused:
    """Each refusal raises, stores nothing and announces nothing."""

    @pytest.fixture(autouse=True)
    def nothing_announced(self) -> Iterator[None]:
        with patch("chat.services.reactions.push_after_commit") as announce:
            yield
        announce.assert_not_called()
        assert not Reaction.objects.exists()

    @pytest.mark.parametrize("emoji", ["🍕", "👍👍", "x", "", "❤"])
    def test_an_emoji_outside_the_set(self, said: ChatMessage, member: User, emoji: str) -> None:
        with pytest.raises(ValidationError) as raised:
            react(said, member, emoji)

        assert "is not a reaction; the reactions are 👍 ❤️" in raised.value.message_dict["emoji"][0]

    def test_a_message_of_another_chat(
        self, group_chat: GroupChat, owner: User, member: User
    ) -> None:
        elsewhere = create_group_chat(creator=member, name="Elsewhere")
        theirs = save_message(group_chat=elsewhere, sender=member, content="private")

        with pytest.raises(MessageNotFound):
            reactions.react(group_chat=group_chat, message_id=theirs.pk, actor=member, emoji="👍")

    def test_a_missing_message(
        self, group_chat: GroupChat, said: ChatMessage, member: User
    ) -> None:
        with pytest.raises(MessageNotFound):
            reactions.react(
                group_chat=group_chat, message_id=said.pk + 1000, actor=member, emoji="👍"
            )

    def test_a_non_member(self, said: ChatMessage, outsider: User) -> None:
        with pytest.raises(MessageNotFound):
            react(said, outsider)

    def test_a_deleted_message(self, said: ChatMessage, owner: User) -> None:
        delete_message(group_chat=said.group_chat, message_id=said.pk, actor=owner)

        with pytest.raises(ValidationError, match=r"This message was deleted\."):
            react(said, owner)


@pytest.mark.django_db
def test_a_deleted_message_loses_its_reactions(
    said: ChatMessage, owner: User, member: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    """The rows go with the delete, and its tombstone says it has none."""
    react(said, member)
    react(said, owner, "🎉")
    other = save_message(group_chat=said.group_chat, sender=member, content="kept")
    react(other, owner)

    with (
        patch("realtime.groups.push") as push,
        django_capture_on_commit_callbacks(execute=True),
    ):
        delete_message(group_chat=said.group_chat, message_id=said.pk, actor=owner)

    assert list(Reaction.objects.values_list("message", flat=True)) == [other.pk]
    (((_group, tombstone), _kwargs),) = push.call_args_list
    assert (tombstone.action, tombstone.payload.reactions) == ("message_deleted", [])


@pytest.mark.django_db
def test_an_edit_carries_the_messages_reactions(
    said: ChatMessage, owner: User, member: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    """``message_edited`` is the message's whole state: its reactions stay on the page."""
    react(said, member)

    with (
        patch("realtime.groups.push") as push,
        django_capture_on_commit_callbacks(execute=True),
    ):
        edit_message(
            group_chat=said.group_chat, message_id=said.pk, actor=owner, content="lunch at 1?"
        )

    (((_group, edited), _kwargs),) = push.call_args_list
    assert [(r.emoji, r.count) for r in edited.payload.reactions] == [("👍", 1)]


# How a racing reaction may be refused on SQLite, which has no row locks and refuses a
# second writer at once ("database table is locked"); PostgreSQL makes it wait.
SQLITE_REFUSALS: tuple[type[Exception], ...] = (
    (OperationalError,) if connection.vendor == "sqlite" else ()
)


@pytest.mark.django_db(transaction=True)
def test_two_tabs_putting_on_the_same_reaction_at_once_store_one() -> None:
    """Each tab's ``react`` in its own transaction and connection, released together:
    one row, announced once; the other tab's changes nothing (or, on SQLite, is
    refused outright), and neither fails on the unique constraint."""
    for _ in range(ROUNDS):
        user = UserFactory.create()
        chat = create_group_chat(creator=user, name="Race")
        said = save_message(group_chat=chat, sender=user, content="go")
        changes: list[Any] = []

        def tab(said: ChatMessage = said, user: User = user, changes: list[Any] = changes) -> None:
            changes.append(react(said, user))

        with patch("realtime.groups.push") as push:
            outcomes = at_once([tab, tab])

        refused = [exc for exc in outcomes if exc is not None]
        assert all(isinstance(exc, SQLITE_REFUSALS) for exc in refused), refused
        assert Reaction.objects.filter(message=said).count() == 1
        assert sorted(change.changed for change in changes) == [False, True][-len(changes) :]
        assert [call.args[1].payload.count for call in push.call_args_list] == [1]
