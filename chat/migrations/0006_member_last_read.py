"""Each member's last-read position (``ChatMember.last_read_seq``); existing members
have read everything, so that nobody opens the page to the whole history unread."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.models import OuterRef, Subquery


def read_up_to_now(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    group_chat_model = apps.get_model("chat", "GroupChat")
    member_model = apps.get_model("chat", "ChatMember")
    latest = group_chat_model.objects.filter(pk=OuterRef("group_chat_id")).values("last_seq")
    member_model.objects.update(last_read_seq=Subquery(latest[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0005_message_edit_delete"),
    ]

    operations = [
        migrations.AddField(
            model_name="chatmember",
            name="last_read_seq",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(read_up_to_now, migrations.RunPython.noop),
    ]
