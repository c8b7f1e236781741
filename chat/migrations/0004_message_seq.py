"""Each message's place in its chat (``ChatMessage.seq``) and each chat's latest
(``GroupChat.last_seq``); existing messages are numbered in id order."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def number_existing_messages(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    group_chat_model = apps.get_model("chat", "GroupChat")
    message_model = apps.get_model("chat", "ChatMessage")
    for chat in group_chat_model.objects.iterator():
        seq = 0
        for message in message_model.objects.filter(group_chat=chat).order_by("id").iterator():
            seq += 1
            message.seq = seq
            message.save(update_fields=["seq"])
        chat.last_seq = seq
        chat.save(update_fields=["last_seq"])


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0003_message_client_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="groupchat",
            name="last_seq",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="chatmessage",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(number_existing_messages, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="chatmessage",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False),
        ),
        migrations.AddConstraint(
            model_name="chatmessage",
            constraint=models.UniqueConstraint(
                fields=("group_chat", "seq"), name="chat_message_one_per_seq"
            ),
        ),
    ]
