from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

# The invisible characters that change the direction text is laid out in: marks,
# embeddings, overrides and isolates (Unicode's Bidi_Control property). In a name shown
# beside others they make it read as something else ("gnp.exe" shown as "exe.png").
DIRECTION_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def refuse_direction_controls(value: str) -> None:
    """A name must read as it is written: no direction controls (``DIRECTION_CONTROLS``)."""
    found = sorted(DIRECTION_CONTROLS.intersection(value))
    if found:
        codes = ", ".join(f"U+{ord(char):04X}" for char in found)
        raise ValidationError(
            f"Names cannot contain invisible direction controls ({codes}): they make "
            "a name read differently from what it is.",
            code="direction_control",
        )


class GroupChat(models.Model):
    """A room that members talk in; create one through ``chat.services.chats``."""

    name = models.CharField(max_length=100, validators=[refuse_direction_controls])
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
    # message saved (``chat.services.messages.save_message``).
    last_seq = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def group_name(self) -> str:
        """The channel-layer group every open socket of this chat joins."""
        return f"group-chat-{self.pk}"
