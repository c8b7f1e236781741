"""The full-text index of the messages, per database; ``chat.search`` reads it.

PostgreSQL: a stored generated column, ``search_vector`` (``to_tsvector`` of the
content, English stemming), with a GIN index. Stored rather than an expression index
because ranking needs each matching row's vector: an expression index holds no
vectors, so every match would be parsed again at each search (for a common word, most
of the chat's messages), where the stored column is parsed once, on write. It costs the
column's disk space and keeps itself current (edits, tombstones) with no trigger.

SQLite: an FTS5 table over the messages (external content: the text is not stored
twice; the Porter stemmer, close to PostgreSQL's English), kept in step by three
triggers. SQLite rebuilds a table for many schema changes, and dropping the old table
drops its triggers: so ``ensure_sqlite_index`` runs after every ``migrate`` (and
``flush``, which ends the same way), creates whatever is missing and then rebuilds the
index from the messages.
"""

from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

MESSAGES = "chat_chatmessage"
SEARCH_VECTOR = "search_vector"
# The text search configuration of the column (a migration changes it, nothing else).
TEXT_SEARCH_CONFIG = "english"
FTS_TABLE = "chat_message_fts"

POSTGRESQL_FORWARD = [
    f"ALTER TABLE {MESSAGES} ADD COLUMN {SEARCH_VECTOR} tsvector "
    f"GENERATED ALWAYS AS (to_tsvector('{TEXT_SEARCH_CONFIG}', content)) STORED",
    f"CREATE INDEX chat_message_search ON {MESSAGES} USING GIN ({SEARCH_VECTOR})",
]
POSTGRESQL_BACKWARD = [f"ALTER TABLE {MESSAGES} DROP COLUMN {SEARCH_VECTOR}"]

_SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    f"content, content='{MESSAGES}', content_rowid='id', tokenize='porter unicode61')"
)
# Constant SQL throughout: names of this module's, no input.
_DROP_OLD = (
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, content) "  # noqa: S608
    "VALUES ('delete', old.id, old.content);"
)
_ADD_NEW = f"INSERT INTO {FTS_TABLE}(rowid, content) VALUES (new.id, new.content);"  # noqa: S608
_REBUILD = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"  # noqa: S608
SQLITE_TRIGGERS = {
    "chat_message_fts_insert": f"AFTER INSERT ON {MESSAGES} BEGIN {_ADD_NEW} END",
    "chat_message_fts_delete": f"AFTER DELETE ON {MESSAGES} BEGIN {_DROP_OLD} END",
    "chat_message_fts_update": (
        f"AFTER UPDATE OF content ON {MESSAGES} BEGIN {_DROP_OLD} {_ADD_NEW} END"
    ),
}


def _sqlite_names(cursor: Any) -> set[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    return {name for (name,) in cursor.fetchall()}


def ensure_sqlite_index(connection: BaseDatabaseWrapper) -> None:
    """Create the FTS5 table and its triggers where missing, then rebuild the index
    from the messages (only then: the rebuild reads them all)."""
    with connection.cursor() as cursor:
        present = _sqlite_names(cursor)
        if MESSAGES not in present:
            return  # not migrated this far
        missing = [name for name in [FTS_TABLE, *SQLITE_TRIGGERS] if name not in present]
        if not missing:
            return
        cursor.execute(_SQLITE_TABLE)
        for name, body in SQLITE_TRIGGERS.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        cursor.execute(_REBUILD)


def drop_sqlite_index(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def after_migrate(using: str, **kwargs: Any) -> None:
    """``post_migrate`` of the chat app (``chat.apps``): the SQLite index is whole."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        ensure_sqlite_index(connection)
