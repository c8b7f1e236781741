from django.conf import settings
from django.db import models

from chat.models.chat_message import ChatMessage


class Mention(models.Model):
    """A member named in a message (``@name``, ``chat.services.mentions``): the user
    themselves, not the text, so a rename changes how the mention reads and never whom
    it names, and a deleted account takes its mentions with it. Write through
    ``chat.services``."""

    message = models.ForeignKey(ChatMessage, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )
    # The name as the message wrote it (after the "@"): where the page shows the
    # user's name as it is now.
    handle = models.CharField(max_length=150)

    class Meta:
        ordering = ["message", "pk"]
        constraints = [
            # Also the index behind a member's mention count (user first).
            models.UniqueConstraint(fields=["user", "message"], name="one_mention_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in message {self.message_id}"
