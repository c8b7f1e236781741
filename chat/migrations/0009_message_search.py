"""The messages' full-text index: a generated tsvector column with a GIN index on
PostgreSQL, an FTS5 table kept by triggers on SQLite (``chat.search_index`` says why)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from chat import search_index


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for statement in search_index.POSTGRESQL_FORWARD:
            schema_editor.execute(statement)
    elif connection.vendor == "sqlite":
        search_index.ensure_sqlite_index(connection)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for statement in search_index.POSTGRESQL_BACKWARD:
            schema_editor.execute(statement)
    elif connection.vendor == "sqlite":
        search_index.drop_sqlite_index(connection)


class Migration(migrations.Migration):
    dependencies = [("chat", "0008_blocks_and_added_by")]

    operations = [migrations.RunPython(create, drop)]
