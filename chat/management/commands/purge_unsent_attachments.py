"""``manage.py purge_unsent_attachments``: delete uploads never sent with a message."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from chat.services.attachments import purge_unsent


class Command(BaseCommand):
    help = (
        "Delete attachments uploaded but never sent with a message, older than "
        "--hours (default: ATTACHMENT_UNSENT_HOURS), with their files. Run it regularly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=float, default=settings.ATTACHMENT_UNSENT_HOURS)

    def handle(self, *args: Any, hours: float, **options: Any) -> None:
        deleted = purge_unsent(older_than=timedelta(hours=hours))
        self.stdout.write(f"Deleted {deleted} unsent attachment(s) older than {hours:g} hours.")
