"""Each message's ``seq``: its place in its chat, 1, 2, 3... with no holes, so that a
client that sees one skipped knows it missed a message (without them, a dropped live
message goes unnoticed until the page reconnects)."""

from collections.abc import Callable

import pytest
from django.db import OperationalError, connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from chat.models import ChatMessage, GroupChat
from chat.services.chats import create_group_chat
from chat.services.messages import post_message, save_message
from tests.support.concurrency import at_once

pytestmark = pytest.mark.django_db


def say(group_chat: GroupChat, sender: User, content: str, client_id: str | None = None) -> int:
    return post_message(
        group_chat=group_chat, sender=sender, content=content, client_id=client_id
    ).message.seq


def test_each_chat_numbers_its_messages_from_one(group_chat: GroupChat, owner: User) -> None:
    other = create_group_chat(creator=owner, name="Other")

    seqs = [say(group_chat, owner, "a"), say(other, owner, "x"), say(group_chat, owner, "b")]

    assert seqs == [1, 1, 2]
    group_chat.refresh_from_db()
    assert group_chat.last_seq == 2


def test_a_resend_takes_no_number_so_no_hole_follows(group_chat: GroupChat, owner: User) -> None:
    """The resend is refused at the insert; its transaction gives the number back."""
    first = say(group_chat, owner, "once", "c-1")

    again = say(group_chat, owner, "once", "c-1")
    following = say(group_chat, owner, "next")

    assert (first, again, following) == (1, 1, 2)


def test_ids_and_seqs_are_in_the_same_order(group_chat: GroupChat, owner: User) -> None:
    """What lets ``?after=<id>`` fetch exactly the messages after a seq."""
    for content in "abcde":
        say(group_chat, owner, content)

    by_id = list(ChatMessage.objects.order_by("id").values_list("seq", flat=True))
    assert by_id == [1, 2, 3, 4, 5]


@pytest.mark.django_db(transaction=True)
def test_messages_saved_at_once_take_every_number_once_in_id_order(owner: User) -> None:
    """Eight connections saving five messages each into one chat at the same moment.
    On PostgreSQL (the CI run with DATABASE_URL) they really overlap, each save one
    statement that increments the chat's counter and inserts: the row lock makes them
    take turns, so the seqs are 1 to 40, none twice, none skipped, in id order. SQLite
    refuses a second writer at once ("database table is locked"); what it saved is
    numbered the same way."""
    chat = create_group_chat(creator=owner, name="Busy")

    def five_messages(writer: int) -> Callable[[], None]:
        def action() -> None:
            for n in range(5):
                save_message(group_chat=chat, sender=owner, content=f"{writer}.{n}")

        return action

    outcomes = at_once([five_messages(writer) for writer in range(8)])

    refused = [exc for exc in outcomes if exc is not None]
    if connection.vendor == "postgresql":
        assert refused == []
    assert all(isinstance(exc, OperationalError) for exc in refused), refused
    by_id = list(ChatMessage.objects.filter(group_chat=chat).values_list("seq", flat=True))
    assert by_id == list(range(1, len(by_id) + 1))
    assert len(by_id) >= 5 if refused else len(by_id) == 40
    chat.refresh_from_db()
    assert chat.last_seq == len(by_id)


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_existing_messages_per_chat_in_id_order(owner: User) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("chat", "0003_message_client_id")])
    old_apps = executor.loader.project_state([("chat", "0003_message_client_id")]).apps
    old_chat = old_apps.get_model("chat", "GroupChat")
    old_message = old_apps.get_model("chat", "ChatMessage")
    first, second = old_chat.objects.create(name="A"), old_chat.objects.create(name="B")
    for chat, content in [(first, "1"), (second, "x"), (first, "2"), (first, "3")]:
        old_message.objects.create(group_chat=chat, sender_id=owner.pk, content=content)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # 0004 numbers them

    numbered = ChatMessage.objects.order_by("id").values_list("group_chat_id", "content", "seq")
    assert list(numbered) == [
        (first.pk, "1", 1),
        (second.pk, "x", 1),
        (first.pk, "2", 2),
        (first.pk, "3", 3),
    ]
    assert dict(GroupChat.objects.values_list("pk", "last_seq")) == {first.pk: 3, second.pk: 1}
