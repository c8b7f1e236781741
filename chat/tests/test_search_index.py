"""The messages' full-text index (``chat.search_index``) as the test database and
every database migrated from scratch has it, and after what empties or rebuilds tables:
a flush (every committing test ends with one) and, on SQLite, a table rebuilt by a
later migration, which drops the triggers that keep the FTS5 table in step."""

import pytest
from django.core.management import call_command
from django.db import connection

from chat import search, search_index
from chat.models import GroupChat
from chat.services.chats import create_group_chat
from chat.services.messages import edit_message, save_message
from tests.support.factories import UserFactory


def found(text: str) -> list[int]:
    owner = GroupChat.objects.get().created_by
    assert owner is not None
    results = search.search_messages(owner, text, markers=search.Markers.fresh())
    return list(results.values_list("pk", flat=True))


def new_chat() -> GroupChat:
    return create_group_chat(creator=UserFactory.create(), name="Index")


def say(group_chat: GroupChat, content: str) -> int:
    assert group_chat.created_by is not None
    return save_message(group_chat=group_chat, sender=group_chat.created_by, content=content).pk


@pytest.mark.django_db(transaction=True)
def test_the_migrated_test_database_indexes_every_write() -> None:
    group_chat = new_chat()
    said = say(group_chat, "kept in step")
    author = group_chat.members.get().user
    edit_message(group_chat=group_chat, message_id=said, actor=author, content="renamed")

    assert found("renamed") == [said]
    assert found("step") == []


@pytest.mark.django_db(transaction=True)
def test_after_a_flush_the_index_holds_only_new_messages() -> None:
    """A flush empties the messages (and, on SQLite, starts their ids again at 1): the
    index forgets them, and indexes what comes after."""
    say(new_chat(), "before the flush")
    call_command("flush", interactive=False, verbosity=0)

    said = say(new_chat(), "after the flush")

    assert found("flush") == [said]


@pytest.mark.django_db(transaction=True)
def test_a_migrate_restores_an_index_whose_triggers_a_table_rebuild_dropped() -> None:
    """PostgreSQL's generated column needs no triggers: there the drop is a no-op."""
    group_chat = new_chat()
    before = say(group_chat, "said before the rebuild")
    if connection.vendor == "sqlite":  # what SQLite's table rebuilds leave
        with connection.cursor() as cursor:
            for trigger in search_index.SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER {trigger}")
    unseen = say(group_chat, "said while nothing kept the index")
    call_command("migrate", verbosity=0)

    after = say(group_chat, "said after the rebuild")

    assert sorted(found("said")) == [before, unseen, after]
