from django.conf import settings
from django.db import models

from chat.models.group_chat import GroupChat


class ChatMember(models.Model):
    """A user's membership of a group chat, with the role that decides what
    they may manage."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_memberships"
    )
    group_chat = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    # Who added them (None: they created the chat, or the adder's account is gone): a
    # member may leave and block them (``chat.services.members.leave_and_block_adder``).
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    # The seq of the last message this member has seen (``chat.services.read_positions``):
    # what is unread is after it. A new member starts at the chat's latest message.
    last_read_seq = models.PositiveBigIntegerField(default=0, editable=False)
    # Muted (``chat.services.notifications``): the member's pages notify them of nothing
    # from this chat; unread messages and mentions are still counted.
    muted = models.BooleanField(default=False)

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "group_chat"], name="one_membership_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_chat_id} ({self.role})"
