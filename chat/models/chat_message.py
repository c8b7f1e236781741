from django.conf import settings
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models

from chat.models.group_chat import GroupChat

MAX_MESSAGE_LENGTH = 4000

# A client's own id for a message it sends (a UUID fits): letters, digits, "-" and "_".
CLIENT_ID_MAX_LENGTH = 64
CLIENT_ID_PATTERN = r"^[A-Za-z0-9_-]+$"


class ChatMessage(models.Model):
    """One message said in a group chat; written only by ``chat.services.messages``."""

    group_chat = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="chat_messages",
    )
    # A TextField's max_length only sizes form widgets; the validator is what
    # full_clean() enforces (chat.services.messages.save_message runs it before saving).
    content = models.TextField(
        max_length=MAX_MESSAGE_LENGTH, validators=[MaxLengthValidator(MAX_MESSAGE_LENGTH)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # 1, 2, 3... within the chat, with no holes: a client that has seen 7 and gets 9
    # knows it missed one, and fetches it (``?after=``). Given with the id, under the
    # chat row's lock, so ids and seqs are in the same order within a chat.
    seq = models.PositiveBigIntegerField(editable=False)
    # The sender's own id for the message, so that a resend stores nothing new
    # (chat.services.messages.save_message). NULL, not "": the unique constraint below treats
    # NULLs as distinct, so messages sent without one never collide.
    client_id = models.CharField(  # noqa: DJ001
        max_length=CLIENT_ID_MAX_LENGTH,
        null=True,
        blank=True,
        default=None,
        validators=[RegexValidator(CLIENT_ID_PATTERN)],
    )
    # When the author last changed the content (``chat.services.messages.edit_message``).
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A deleted message stays as a tombstone (content emptied, ``deleted_at`` set):
    # its seq keeps its place, so no member's page sees a hole it must fetch.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The earlier message of the same chat this one answers (``chat.services.replies``).
    # A deleted original stays as a tombstone, so a reply keeps pointing at it; only
    # removing the row itself (the admin) leaves the reply without one.
    reply_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="replies",
    )

    class Meta:
        # Ids grow with time; history is read and paged per chat by id.
        ordering = ["id"]
        indexes = [models.Index(fields=["group_chat", "id"], name="chat_message_history")]
        constraints = [
            # What makes a resend idempotent, even between two racing inserts.
            models.UniqueConstraint(
                fields=["sender", "client_id"], name="chat_message_one_per_client_id"
            ),
            models.UniqueConstraint(fields=["group_chat", "seq"], name="chat_message_one_per_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.sender_id} in {self.group_chat_id}: {self.content[:30]}"
