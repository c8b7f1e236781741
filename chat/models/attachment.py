from django.conf import settings
from django.db import models
from django.urls import reverse

from chat.models.chat_message import ChatMessage
from chat.models.group_chat import GroupChat

# At most this many files in one message.
MAX_ATTACHMENTS_PER_MESSAGE = 10


class Attachment(models.Model):
    """A file a member uploaded to a chat (``chat.services.attachments``): unsent while
    ``message`` is null, then part of that message. Its bytes live in the default
    storage under a name the server chose (``file``); ``name`` is the uploader's file
    name, cleaned, shown and offered on download, never a storage path."""

    group_chat = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="+")
    # Kept when the uploader's account is gone, as their messages are.
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    message = models.ForeignKey(
        ChatMessage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(max_length=200)
    # Images only: a small WebP the page shows inline.
    thumbnail = models.FileField(max_length=200, blank=True)
    name = models.CharField(max_length=200)
    # What the content is (``chat.filetypes``), not what the name or the client said.
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The purge of unsent uploads (``chat.services.attachments.purge_unsent``).
            models.Index(
                fields=["created_at"],
                condition=models.Q(message__isnull=True),
                name="chat_attachment_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.content_type}) in {self.group_chat_id}"

    def get_absolute_url(self) -> str:
        """Where members download it (``chat.views.attachments.AttachmentDetailView``)."""
        return reverse("chat:attachment-detail", args=[self.group_chat_id, self.pk])

    def get_thumbnail_url(self) -> str | None:
        if not self.thumbnail:
            return None
        return reverse("chat:attachment-thumbnail", args=[self.group_chat_id, self.pk])

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
