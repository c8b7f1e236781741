"""Usernames unique as people read them: ``username_key`` for every existing user.

Two existing users whose names differ only in case or look-alike letters cannot both
keep their key: the migration stops, naming them, so that an administrator renames one
(``manage.py shell``) and migrates again. Nothing is renamed behind anyone's back.
"""

import unicodedata
from collections import defaultdict
from typing import Any

from django.db import migrations, models


def key(username: str) -> str:
    # accounts.models.username_key as it was written with this migration.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def fill_keys(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("accounts", "User")
    holders: defaultdict[str, list[tuple[int, str]]] = defaultdict(list)
    for pk, username in User.objects.order_by("pk").values_list("pk", "username"):
        holders[key(username)].append((pk, username))
    clashes = [users for users in holders.values() if len(users) > 1]
    if clashes:
        named = "; ".join(", ".join(f"{name!r} (id {pk})" for pk, name in users) for users in clashes)
        raise RuntimeError(
            "These usernames differ only in case or in look-alike letters, which are now "
            f"the same name: {named}. Rename all but one of each, then migrate again."
        )
    for name_key, ((pk, _),) in holders.items():
        User.objects.filter(pk=pk).update(username_key=name_key)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=450, null=True),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=450, unique=True),
        ),
    ]
