from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.urls import register_converter

from chat.converters import RowIdConverter


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self) -> None:
        from chat import search_index, signals  # noqa: F401  # connects the receivers

        post_migrate.connect(search_index.after_migrate, sender=self)
        register_converter(RowIdConverter, "rowid")
