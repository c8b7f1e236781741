from typing import Literal, get_args

from django.conf import settings
from django.db import models

from chat.models.chat_message import ChatMessage

# The reactions a member may put on a message: a fixed set, not any emoji (why:
# docs/protocol.md, "Reactions"). The wire protocol's type and the model's choices.
ReactionEmoji = Literal["👍", "❤️", "😂", "😮", "😢", "🙏", "🎉", "👀"]
REACTION_EMOJI: tuple[str, ...] = get_args(ReactionEmoji)


class Reaction(models.Model):
    """One member's emoji on one message; written only by ``chat.services.reactions``.
    A message's reactions go when it is deleted (its tombstone has none)."""

    message = models.ForeignKey(ChatMessage, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    emoji = models.CharField(max_length=8, choices=[(emoji, emoji) for emoji in REACTION_EMOJI])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # A message's reactions in the order they came: each emoji shows where it
        # first appeared.
        ordering = ["id"]
        constraints = [
            # What keeps a member from reacting twice with the same emoji, even from
            # two tabs at once. Its index also serves a message's reactions.
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="one_reaction_per_member_and_emoji"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.emoji} on {self.message_id}"
