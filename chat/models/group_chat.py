from django.conf import settings
from django.db import models


class GroupChat(models.Model):
    """A room that members talk in; create one through ``chat.services``."""

    name = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_group_chats",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The ``seq`` of the chat's latest message: raised, under the row's lock, by each
    # message saved (``chat.services.save_message``).
    last_seq = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def group_name(self) -> str:
        """The channel-layer group every open socket of this chat joins."""
        return f"group-chat-{self.pk}"
