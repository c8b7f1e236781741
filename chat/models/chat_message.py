from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models

from chat.models.group_chat import GroupChat

MAX_MESSAGE_LENGTH = 4000


class ChatMessage(models.Model):
    """One message said in a group chat; written only by ``chat.services``."""

    group_chat = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="chat_messages",
    )
    # A TextField's max_length only sizes form widgets; the validator is what
    # full_clean() enforces (chat.services.save_message runs it before saving).
    content = models.TextField(
        max_length=MAX_MESSAGE_LENGTH, validators=[MaxLengthValidator(MAX_MESSAGE_LENGTH)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Ids grow with time; history is read and paged per chat by id.
        ordering = ["id"]
        indexes = [models.Index(fields=["group_chat", "id"], name="chat_message_history")]

    def __str__(self) -> str:
        return f"{self.sender_id} in {self.group_chat_id}: {self.content[:30]}"
