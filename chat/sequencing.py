"""A new message's place in its chat: its ``seq`` (1, 2, 3... with no holes), given
as it is inserted.

The chat's row holds the last seq given (``GroupChat.last_seq``). Incrementing it
locks the row until the transaction ends, so a chat's messages are numbered, and
given ids, one at a time, in the order they commit; a failed insert (a resend's
``client_id`` refused by the unique constraint) gives its number back.

On PostgreSQL that is one statement: a data-modifying CTE increments the chat's
counter and the INSERT takes its value, so a save is one round trip to the database,
atomic on its own (autocommit), with no BEGIN, SELECT or COMMIT around it. The ORM's
form of it (an UPDATE, a SELECT of the new value, the INSERT, in a transaction) is six
round trips, each costing the worker CPU as well as time (docs/benchmarks.md,
"Saving"). Other databases (SQLite, the embedded default: one writer at a time anyway)
take the ORM's form.
"""

import functools
from contextlib import nullcontext
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from chat.models import ChatMessage, GroupChat


def insert_numbered(message: ChatMessage) -> None:
    """Insert the unsaved ``message`` with its chat's next seq (set on it, with its
    pk and ``created_at``); the chat's ``updated_at`` (its latest activity) becomes
    the message's time. Raises ``IntegrityError`` if a unique constraint refuses it,
    having changed nothing, and ``GroupChat.DoesNotExist`` if the chat is gone."""
    if connection.vendor == "postgresql":
        _insert_in_one_statement(message)
        return
    with transaction.atomic():  # a savepoint inside a caller's transaction
        message.seq = _next_seq(message.group_chat)
        message.save()


def _next_seq(group_chat: GroupChat) -> int:
    chats = GroupChat.objects.filter(pk=group_chat.pk)
    chats.update(last_seq=F("last_seq") + 1, updated_at=timezone.now())
    group_chat.last_seq = chats.values_list("last_seq", flat=True).get()
    return group_chat.last_seq


@functools.cache
def _insert_statement() -> str:
    quote = connection.ops.quote_name

    def column(model: type[models.Model], name: str) -> str:
        field: Any = model._meta.get_field(name)
        return quote(field.column)

    last_seq = column(GroupChat, "last_seq")
    names = ("group_chat", "sender", "content", "client_id", "reply_to", "created_at", "seq")
    inserted = ", ".join(column(ChatMessage, name) for name in names)
    # Identifiers from the models' metadata, quoted; values are parameters.
    return (
        f"WITH next AS (UPDATE {quote(GroupChat._meta.db_table)} "  # noqa: S608
        f"SET {last_seq} = {last_seq} + 1, {column(GroupChat, 'updated_at')} = %(now)s "
        f"WHERE {column(GroupChat, 'id')} = %(chat)s RETURNING {last_seq} AS seq) "
        f"INSERT INTO {quote(ChatMessage._meta.db_table)} ({inserted}) "
        "SELECT %(chat)s, %(sender)s, %(content)s, %(client_id)s, %(reply_to)s, %(now)s, "
        "next.seq FROM next "
        f"RETURNING {column(ChatMessage, 'id')}, {column(ChatMessage, 'seq')}"
    )


def _insert_in_one_statement(message: ChatMessage) -> None:
    now = timezone.now()
    params: dict[str, Any] = {
        "now": now,
        "chat": message.group_chat_id,
        "sender": message.sender_id,
        "content": message.content,
        "client_id": message.client_id,
        "reply_to": message.reply_to_id,
    }
    # Inside a caller's transaction, a savepoint keeps a refused insert from
    # breaking it; outside one, the statement is its own transaction.
    savepoint = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with savepoint, connection.cursor() as cursor:
        cursor.execute(_insert_statement(), params)
        row = cursor.fetchone()
    if row is None:  # no chat row to number it from
        raise GroupChat.DoesNotExist(f"No chat {message.group_chat_id} to say this in.")
    message.pk, message.seq = row
    message.created_at = now
    message.group_chat.last_seq = message.seq
    message._state.adding = False
    message._state.db = connection.alias
